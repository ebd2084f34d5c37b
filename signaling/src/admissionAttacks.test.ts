import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { type Ack, type JoinRequest, type JoinResponse } from '@confer/shared';
import { PASSWORD_LIMITS } from './RoomAccess.js';
import { type Client } from '../test-support/clients.js';
import { redisForTests } from '../test-support/redisServer.js';
import { SETUPS, spreadServers } from '../test-support/spreadServers.js';

/**
 * Admission as an attacker drives it through Socket.IO: racing joins, leaving mid-join, and what they must not
 * leave behind. On one server, and on a cluster of two over Redis with each new client on the next server:
 * an attacker gains nothing by spreading its tries over servers.
 */
const scryptAsync = promisify(scrypt) as (p: string, s: string, n: number, o: object) => Promise<Buffer>;
const redis = redisForTests({ beforeAll, afterAll });
// Clients say where they come from (X-Forwarded-For, trusted from 127.0.0.1): each test uses addresses of its own.
const base = { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', MAX_ROOMS: '6', ROOM_CAPACITY: '3', TRUSTED_PROXIES: '127.0.0.1' };

describe.each(SETUPS)('admission under attack (%s)', (_, servers) => {
  const setup = spreadServers(servers, base, redis);
  const { clients, requestsInFlight } = setup;

  const request = (socket: Client, req: JoinRequest) => socket.timeout(5000).emitWithAck('room:join', req) as Promise<Ack<JoinResponse>>;
  const rooms = async () => (await setup.app.server.health()).signaling.rooms;
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
      await until(async () => requestsInFlight() === ghosts.length);
      expect(requestsInFlight()).toBe(ghosts.length);
      for (const g of ghosts) g.disconnect();
      await Promise.all(busy);
      await until(async () => requestsInFlight() === 0);
      // ROOM_CAPACITY is 3: ghosts would fill it; the room holds Ada alone, and a real person still gets in.
      expect(await occupants('locked-room', 'pw-correct')).toEqual(['Ada']);
    });
  });

  describe('limits across connections', () => {
    const code = (a: Ack<JoinResponse>) => (a.ok ? 'ok' : a.error.code);
    const tally = (answers: Ack<JoinResponse>[]) => answers.reduce<Record<string, number>>((t, a) => ({ ...t, [code(a)]: (t[code(a)] ?? 0) + 1 }), {});

    it('20 connections from one address guessing a password get 10 tries a minute between them', async () => {
      const owner = await clients.connect('203.0.113.1');
      await request(owner, { roomId: 'guessed', displayName: 'Owner', password: 'the real one' });
      const guessers = await Promise.all(Array.from({ length: 20 }, () => clients.connect('203.0.113.66')));
      const answers: Ack<JoinResponse>[] = [];
      for (let round = 0; round < 3; round++) answers.push(...(await Promise.all(guessers.map((g, i) => request(g, { roomId: 'guessed', displayName: 'Eve', password: `guess ${round}-${i}` })))));
      const counts = tally(answers);
      console.log(`password tries from one address: ${answers.length} sent, ${counts.WRONG_PASSWORD ?? 0} checked, ${counts.RATE_LIMITED ?? 0} refused RATE_LIMITED (limit ${PASSWORD_LIMITS.triesPerAddressPerMinute} per minute per address)`);
      expect(counts.WRONG_PASSWORD).toBe(PASSWORD_LIMITS.triesPerAddressPerMinute);
      expect(counts.RATE_LIMITED).toBe(answers.length - PASSWORD_LIMITS.triesPerAddressPerMinute);
    });

    it('a room that had too many password tries from many addresses backs off for everyone', async () => {
      const owner = await clients.connect('203.0.113.2');
      await request(owner, { roomId: 'backoff', displayName: 'Owner', password: 'right' });
      for (let i = 0; i < PASSWORD_LIMITS.triesPerRoomPerMinute; i++) {
        const g = await clients.connect(`192.0.2.${i + 1}`);
        expect(code(await request(g, { roomId: 'backoff', displayName: 'Eve', password: `nope ${i}` }))).toBe('WRONG_PASSWORD');
        g.close();
      }
      const late = await clients.connect('192.0.2.200');
      expect(await request(late, { roomId: 'backoff', displayName: 'Friend', password: 'right' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    });

    // Connections are counted per server: in a cluster the balancer counts them per address across servers (deploy/haproxy.cfg).
    it('one address holds at most MAX_CONNECTIONS_PER_ADDRESS connections on a server; the next is told and closed', async () => {
      const one = setup.app.url;
      const held = await Promise.all(Array.from({ length: 20 }, () => clients.connectTo(one, '203.0.113.77')));
      const extra = clients.track(io(one, { transports: ['websocket'], reconnection: false, extraHeaders: { 'x-forwarded-for': '203.0.113.77' } }));
      const told = await new Promise<unknown>((resolve) => extra.once('server:error', resolve));
      expect(told).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('connections at once') });
      await until(async () => extra.disconnected);
      expect(extra.disconnected).toBe(true);
      expect(held.every((h) => h.connected)).toBe(true);
    });

    it('a password flood from many addresses is cut at the room budget, and a real password join elsewhere still gets in', async () => {
      const [owner, other] = [await clients.connect('203.0.113.3'), await clients.connect('203.0.113.5')];
      await request(owner, { roomId: 'flooded-lock', displayName: 'Owner', password: 'pw' });
      await request(other, { roomId: 'quiet-lock', displayName: 'Bo', password: 'quiet' });
      // 15 addresses, 4 connections each, all guessing at once.
      const attackers = await Promise.all(Array.from({ length: 60 }, (_, i) => clients.connect(`198.18.0.${(i % 15) + 1}`)));
      const flood = Promise.all(attackers.map((a, k) => request(a, { roomId: 'flooded-lock', displayName: 'Eve', password: `x${k}` })));
      const ada = await clients.connect('203.0.113.4');
      const started = Date.now();
      expect(await request(ada, { roomId: 'quiet-lock', displayName: 'Ada', password: 'quiet' })).toMatchObject({ ok: true });
      const joinMs = Date.now() - started;
      const counts = tally(await flood);
      console.log(`a flood of 60 password tries on one room from 15 addresses: ${JSON.stringify(counts)}; a password join into another room meanwhile took ${joinMs} ms`);
      // The room's budget was hashed; the rest were refused before any scrypt.
      expect(counts.WRONG_PASSWORD).toBe(PASSWORD_LIMITS.triesPerRoomPerMinute);
      expect(counts.RATE_LIMITED).toBe(60 - counts.WRONG_PASSWORD!);
    });
  });
});
