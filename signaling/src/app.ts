import { pino } from 'pino';
import type { Logger } from '@confer/shared';
import { MediasoupSfu } from '@confer/sfu';
import { loadConfig, type SignalingConfig } from './config.js';
import { InMemoryRoomStore } from './RoomStore.js';
import { StateJournal } from './StateJournal.js';
import { assertPortFree } from './listen.js';
import { SignalingServer } from './SignalingServer.js';
import { TurnService } from './TurnService.js';

export interface RunningApp {
  url: string;
  config: SignalingConfig;
  server: SignalingServer;
  turn: TurnService;
  sfu: MediasoupSfu;
  log: Logger;
  close(): Promise<void>;
  /** SIGTERM: tell clients, refuse joins, let requests finish, then close (seats survive for the next start). */
  shutdown(): Promise<void>;
}

/**
 * Composition root shared by `npm start` and the e2e harness: config -> SFU workers -> TURN ->
 * HTTP/Socket.IO. Throws ConfigError, SfuStartError or ListenError with one clear message.
 */
export async function startApp(env: Record<string, string | undefined> = process.env, logger?: Logger): Promise<RunningApp> {
  const config = loadConfig(env);
  const journal = StateJournal.open(config.stateFile);
  await assertPortFree(config.host, config.port);
  const log: Logger = logger ?? pino({ level: config.logLevel, base: { service: 'signaling' } });
  const sfu = await MediasoupSfu.start(config.sfu, log.child({ component: 'sfu' }));
  const turn = await TurnService.start(config.turn, log.child({ component: 'turn' }));
  const server = new SignalingServer({ config, sfu, turn, rooms: new InMemoryRoomStore(journal), log });
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    await Promise.all([turn.close(), sfu.close()]);
    throw error;
  }
  log.info({ url }, 'signaling server listening');
  const stop = async (closeServer: Promise<void>) => {
    await closeServer;
    await Promise.all([turn.close(), sfu.close()]);
  };
  return { url, config, server, turn, sfu, log, close: () => stop(server.close()), shutdown: () => stop(server.shutdown()) };
}
