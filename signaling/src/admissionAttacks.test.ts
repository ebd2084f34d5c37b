import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Ack, type JoinRequest, type JoinResponse } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { socketClients, type Client } from './clients.test-support.js';

/** Admission as an attacker drives it through Socket.IO: racing joins, leaving mid-join, and what they must not leave behind. */
const scryptAsync = promisify(scrypt) as (p: string, s: string, n: number, o: object) => Promise<Buffer>;
let app: RunningApp;
const clients = socketClients(() => app.url);

beforeAll(async () => {
  app = await startApp(
    { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', MAX_ROOMS: '4', ROOM_CAPACITY: '3' },
    silentLogger,
  );
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await app?.close();
});

const request = (socket: Client, req: JoinRequest) => socket.timeout(5000).emitWithAck('room:join', req) as Promise<Ack<JoinResponse>>;
const rooms = async () => (await app.server.health()).signaling.rooms;
/** Who another visitor finds in `roomId` when it joins (then it leaves again). */
async function occupants(roomId: string, password?: string): Promise<string[]> {
  const probe = await clients.connect();
  const answer = await request(probe, { roomId, displayName: 'Probe', ...(password ? { password } : {}) });
  if (!answer.ok) throw new Error(`probe refused: ${answer.error.code}`);
  await probe.timeout(5000).emitWithAck('room:leave', {});
  probe.close();
  return answer.data.peers.map((p) => p.displayName);
}
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('joins from one connection', () => {
  it('two joins sent without waiting seat the socket once; the other is refused ALREADY_IN_ROOM', async () => {
    const eve = await clients.connect();
    const answers = await Promise.all([request(eve, { roomId: 'race-a', displayName: 'Eve' }), request(eve, { roomId: 'race-b', displayName: 'Eve' })]);
    expect(answers.map((a) => a.ok).sort()).toEqual([false, true]);
    expect(answers.find((a) => !a.ok)).toMatchObject({ error: { code: 'ALREADY_IN_ROOM' } });
    expect(await rooms()).toBe(1);
    // Gone with its connection: no room is left behind.
    eve.close();
    await until(async () => (await rooms()) === 0);
    expect(await rooms()).toBe(0);
  });

  it('a flood of joins to new rooms cannot use up MAX_ROOMS', async () => {
    const eve = await clients.connect();
    await Promise.all(Array.from({ length: 8 }, (_, i) => request(eve, { roomId: `flood-${i}`, displayName: 'Eve' })));
    expect(await rooms()).toBe(1);
    const ada = await clients.connect();
    expect(await request(ada, { roomId: 'real-meeting', displayName: 'Ada' })).toMatchObject({ ok: true });
  });

  it('a connection that closes while its password join runs leaves no seat behind', async () => {
    const ada = await clients.connect();
    expect(await request(ada, { roomId: 'locked-room', displayName: 'Ada', password: 'pw-correct' })).toMatchObject({ ok: true });
    // Keep the thread pool busy so each join waits inside its password check, then close each connection there.
    const busy = Array.from({ length: 4 }, () => scryptAsync('x', 'salt', 32, { N: 2 ** 16, maxmem: 2 ** 28 }));
    const ghosts = await Promise.all(Array.from({ length: 4 }, () => clients.connect()));
    ghosts.forEach((g, i) => g.emit('room:join', { roomId: 'locked-room', displayName: `Ghost ${i}`, password: 'pw-correct' }, () => undefined));
    await until(async () => app.server.requestsInFlight === ghosts.length);
    expect(app.server.requestsInFlight).toBe(ghosts.length);
    for (const g of ghosts) g.disconnect();
    await Promise.all(busy);
    await until(async () => app.server.requestsInFlight === 0);
    // ROOM_CAPACITY is 3: ghosts would fill it; the room holds Ada alone, and a real person still gets in.
    expect(await occupants('locked-room', 'pw-correct')).toEqual(['Ada']);
  });
});
