import { createAdapter } from '@socket.io/redis-streams-adapter';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from '@confer/shared';
import { ClusterSfu, connectRedis, MediasoupSfu, type Sfu } from '@confer/sfu';
import { loadConfig, type SignalingConfig } from './config.js';
import { RedisHeldSeats } from './RedisHeldSeats.js';
import { RedisPasswordTries } from './PasswordTries.js';
import { TRY_LIMITS } from './RoomAccess.js';
import { RedisRoomStore } from './RedisRoomStore.js';
import { RedisStatsHistory } from './RedisStatsHistory.js';
import { RedisTopologyStore } from './RedisTopologyStore.js';
import { RedisWatchedRooms } from './WatchedRooms.js';
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
  sfu: Sfu;
  log: Logger;
  close(): Promise<void>;
  /** SIGTERM: tell clients, refuse joins, let requests finish, then close (seats survive for the next start). */
  shutdown(): Promise<void>;
}

/**
 * Composition root shared by `npm start` and the e2e harness: config -> Redis (a cluster) -> SFU workers ->
 * TURN -> HTTP/Socket.IO. Throws ConfigError, RedisStartError, SfuStartError or ListenError with one clear message.
 */
export async function startApp(env: Record<string, string | undefined> = process.env, logger?: Logger): Promise<RunningApp> {
  const config = loadConfig(env);
  const journal = StateJournal.open(config.stateFile);
  await assertPortFree(config.host, config.port);
  const log: Logger = logger ?? pino({ level: config.logLevel, base: { service: 'signaling' } });
  // A cluster: rooms in Redis, and fan-out to sockets on every server through its streams (which replay
  // what a server missed during a short Redis outage).
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log.child({ component: 'redis' })) : null;
  const serverId = randomUUID();
  const local = config.mediaNode ? await MediasoupSfu.start(config.sfu, log.child({ component: 'sfu' })) : null;
  // In a cluster each SFU room is on one media node (maybe this server): the cluster's SFU routes calls there.
  const sfu: Sfu = redis ? await ClusterSfu.start({ redis, nodeId: serverId, local, log: log.child({ component: 'sfu-cluster' }) }) : local!;
  const turn = await TurnService.start(config.turn, log.child({ component: 'turn' }));
  const rooms = redis ? new RedisRoomStore(redis) : new InMemoryRoomStore(journal);
  // The seats' store is also this server's view of the cluster (it announces the server and sees the others).
  const held = redis ? new RedisHeldSeats(redis, serverId, config.reconnectGraceMs, log.child({ component: 'seats' })) : null;
  // Password try budgets too (a guesser gets no more tries by spreading them over servers), and the dashboard's history.
  const cluster =
    redis && held ? { adapter: createAdapter(redis), held, cluster: held, topologies: new RedisTopologyStore(redis), passwordTries: new RedisPasswordTries(redis, TRY_LIMITS), statsHistory: new RedisStatsHistory(redis), watchedRooms: new RedisWatchedRooms(redis, log.child({ component: 'watched-rooms' })) } : {};
  const server = new SignalingServer({ config, sfu, turn, rooms, ...cluster, log });
  const release = async () => {
    const closeSfu = async () => {
      if (sfu !== local) await sfu.close(); // leaves the cluster before its workers stop
      await local?.close();
    };
    await Promise.all([turn.close(), closeSfu()]);
    await redis?.quit().catch(() => undefined);
  };
  let url: string;
  try {
    url = await server.listen();
  } catch (error) {
    await held?.close();
    await release();
    throw error;
  }
  log.info({ url, cluster: redis !== null }, 'signaling server listening');
  const stop = async (closeServer: Promise<void>) => {
    await closeServer;
    await release();
  };
  return { url, config, server, turn, sfu, log, close: () => stop(server.close()), shutdown: () => stop(server.shutdown()) };
}
