import { createHmac } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, HealthReport, IceServer, JoinResponse, ProtocolError, ServerToClientEvents } from '@confer/shared';
import { silentLogger } from '@confer/shared';
import { freeUdpPort } from '@confer/turn';
import { startApp, type RunningApp } from './app.js';
import { join, socketClients, type Client } from '../test-support/clients.js';

/** A client that may send anything, as an attacker or a buggy client would. */
type RawClient = Socket;

let app: RunningApp;
const clients = socketClients(() => app.url);
const client = () => clients.connect();

const raw = (socket: Client) => socket as unknown as RawClient;
const next = <E extends keyof ServerToClientEvents>(socket: Client, event: E) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
    (socket as unknown as { once(event: string, listener: (payload: never) => void): void }).once(event, resolve);
  });
const health = async (): Promise<HealthReport> => (await fetch(`${app.url}/healthz`)).json() as Promise<HealthReport>;

beforeAll(async () => {
  app = await startApp(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      TURN_PORT: String(await freeUdpPort()),
      SFU_WORKERS: '1',
      SFU_WEBRTC_PORT: '0',
      PUBLIC_DIR: '/nonexistent',
      TURN_TTL_SECONDS: '600',
      ROOM_CAPACITY: '3',
      RECONNECT_GRACE_MS: '1500',
      // Every client of these tests is 127.0.0.1; per-address budgets have tests of their own (admissionAttacks).
      ADDRESS_CONNECTIONS_PER_10S: '10000',
      ADDRESS_JOINS_PER_10S: '10000',
      MAX_CONNECTIONS_PER_ADDRESS: '10000',
    },
    silentLogger,
  );
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await app?.close();
});

describe('GET /healthz', () => {
  it('reports signaling, the live SFU worker and the managed coturn', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as HealthReport;
    expect(report.status).toBe('ok');
    expect(report.sfu.status).toBe('ok');
    expect(report.sfu.workers).toMatchObject([{ pid: expect.any(Number), alive: true, restarts: 0, routers: expect.any(Number), peers: expect.any(Number) }]);
    expect(report.turn).toMatchObject({ status: 'ok', mode: 'managed' });
  });

  it('says how to build the client when it is missing', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("run 'npm run build'");
  });
});

describe('room:join', () => {
  it('returns the others in the room, announces the newcomer, and issues TURN credentials', async () => {
    const alice = await client();
    const bob = await client();
    const a = await join(alice, 'room-1', 'Alice');
    expect(a.ok).toBe(true);
    const announced = next(alice, 'room:peer-joined');
    const b = (await join(bob, 'room-1', 'Bob')) as Extract<Ack<JoinResponse>, { ok: true }>;
    expect(b.ok).toBe(true);
    expect(b.data.peers).toEqual([
      { peerId: (a as Extract<typeof a, { ok: true }>).data.peerId, displayName: 'Alice', audioMuted: false, videoMuted: false, screenSharing: false, handRaisedAt: null, joinedAt: expect.any(Number) },
    ]);
    expect(b.data).toMatchObject({ topology: 'mesh', capacity: 3 });
    expect(await announced).toEqual({ peerId: b.data.peerId, displayName: 'Bob', audioMuted: false, videoMuted: false, screenSharing: false, handRaisedAt: null, joinedAt: expect.any(Number) });

    const turn = b.data.iceServers.find((s) => s.username);
    expect(turn?.urls).toEqual(app.config.turn.urls);
    const expectedExpiry = Math.floor(Date.now() / 1000) + 600;
    expect(b.data.iceCredentialsExpireAt).toBeGreaterThanOrEqual(expectedExpiry - 5);
    expect(b.data.iceCredentialsExpireAt).toBeLessThanOrEqual(expectedExpiry + 1);
    expect(turn?.username).toBe(`${b.data.iceCredentialsExpireAt}:${b.data.peerId}`);
    expect(turn?.credential).toBe(createHmac('sha1', app.config.turn.secret).update(turn?.username ?? '').digest('base64'));
    expect(b.data.iceServers.some((s) => s.urls.some((u) => u.startsWith('stun:')))).toBe(true);
  });

  it('refuses a second join and answers leave / disconnect with peer-left', async () => {
    const alice = await client();
    const bob = await client();
    await join(alice, 'room-2', 'Alice');
    const b = (await join(bob, 'room-2', 'Bob')) as Extract<Ack<JoinResponse>, { ok: true }>;
    expect(await join(bob, 'room-3', 'Bob')).toMatchObject({ ok: false, error: { code: 'ALREADY_IN_ROOM' } });

    const left = next(alice, 'room:peer-left');
    expect(await bob.timeout(5000).emitWithAck('room:leave', {})).toEqual({ ok: true, data: {} });
    expect(await left).toEqual({ peerId: b.data.peerId });
    expect(await bob.timeout(5000).emitWithAck('room:leave', {})).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });

    await join(bob, 'room-2', 'Bob again');
    const gone = next(alice, 'room:peer-left');
    bob.close();
    expect(await gone).toEqual({ peerId: expect.any(String) });
  });
});

type Joined = Extract<Ack<JoinResponse>, { ok: true }>;

describe('presence and signals', () => {
  it('broadcasts updates of name, mute and camera to the room', async () => {
    const alice = await client();
    const bob = await client();
    await join(alice, 'presence', 'Alice');
    const b = (await join(bob, 'presence', 'Bob')) as Joined;
    const updated = next(alice, 'room:peer-updated');
    const answer = await bob.timeout(5000).emitWithAck('peer:update', { audioMuted: true, videoMuted: true, screenSharing: true });
    const expected = { peerId: b.data.peerId, displayName: 'Bob', audioMuted: true, videoMuted: true, screenSharing: true, handRaisedAt: null, joinedAt: expect.any(Number) };
    expect(answer).toEqual({ ok: true, data: expected });
    expect(await updated).toEqual(expected);
  });

  it('relays a signal to the addressed peer only, with the sender id', async () => {
    const alice = await client();
    const bob = await client();
    const carol = await client();
    const a = (await join(alice, 'signals', 'Alice')) as Joined;
    const b = (await join(bob, 'signals', 'Bob')) as Joined;
    await join(carol, 'signals', 'Carol');
    let carolGot = 0;
    carol.on('signal:receive', () => carolGot++);
    const received = next(bob, 'signal:receive');
    const signal = { description: { type: 'offer' as const, sdp: 'v=0\r\n' } };
    expect(await alice.timeout(5000).emitWithAck('signal:send', { to: b.data.peerId, signal })).toEqual({ ok: true, data: {} });
    expect(await received).toEqual({ from: a.data.peerId, signal });
    const endOfCandidates = next(bob, 'signal:receive');
    await alice.timeout(5000).emitWithAck('signal:send', { to: b.data.peerId, signal: { candidate: null } });
    expect(await endOfCandidates).toEqual({ from: a.data.peerId, signal: { candidate: null } });
    expect(carolGot).toBe(0);
  });

  it('refuses signals to peers outside the room, to oneself, and from outside any room', async () => {
    const alice = await client();
    const mallory = await client();
    const outsider = await client();
    const a = (await join(alice, 'room-a', 'Alice')) as Joined;
    const m = (await join(mallory, 'room-m', 'Mallory')) as Joined;
    const signal = { candidate: null };
    expect(await mallory.timeout(5000).emitWithAck('signal:send', { to: a.data.peerId, signal })).toMatchObject({
      ok: false,
      error: { code: 'PEER_NOT_FOUND' },
    });
    expect(await mallory.timeout(5000).emitWithAck('signal:send', { to: m.data.peerId, signal })).toMatchObject({
      ok: false,
      error: { code: 'PEER_NOT_FOUND' },
    });
    expect(await outsider.timeout(5000).emitWithAck('signal:send', { to: a.data.peerId, signal })).toMatchObject({
      ok: false,
      error: { code: 'NOT_IN_ROOM' },
    });
  });

  it('refuses a join past the room capacity with ROOM_FULL', async () => {
    const sockets = await Promise.all([client(), client(), client(), client()]);
    for (const [i, s] of sockets.slice(0, 3).entries()) expect(await join(s, 'full', `P${i}`)).toMatchObject({ ok: true });
    expect(await join(sockets[3]!, 'full', 'Late')).toMatchObject({
      ok: false,
      error: { code: 'ROOM_FULL', message: 'room full is full (3 participants)' },
    });
  });

  it('keeps the seat of a peer whose connection drops and comes back within the grace period', async () => {
    const alice = await client();
    const bob: Client = connect(app.url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 });
    clients.track(bob);
    await new Promise<void>((resolve) => bob.once('connect', () => resolve()));
    await join(alice, 'grace', 'Alice');
    const b = (await join(bob, 'grace', 'Bob')) as Joined;
    let left = 0;
    alice.on('room:peer-left', () => left++);
    bob.io.engine.close(); // a network drop, not a leave
    await new Promise<void>((resolve) => bob.once('connect', () => resolve()));
    const resumed = (await bob
      .timeout(5000)
      .emitWithAck('room:join', { roomId: 'grace', displayName: 'Bob', resume: { peerId: b.data.peerId, token: b.data.resumeToken } })) as Joined;
    expect(resumed.data).toMatchObject({ peerId: b.data.peerId, resumed: 'held', peers: [{ displayName: 'Alice' }] });
    // Still in the room under the same id: signals reach it.
    const received = next(bob, 'signal:receive');
    await alice.timeout(5000).emitWithAck('signal:send', { to: b.data.peerId, signal: { candidate: null } });
    expect(await received).toMatchObject({ signal: { candidate: null } });
    await new Promise((r) => setTimeout(r, 2000));
    expect(left).toBe(0);
  });

  it('removes a dropped peer that does not come back once the grace period is over', async () => {
    const alice = await client();
    const bob = await client();
    await join(alice, 'gone', 'Alice');
    const b = (await join(bob, 'gone', 'Bob')) as Joined;
    const started = Date.now();
    const left = next(alice, 'room:peer-left');
    bob.io.engine.close();
    expect(await left).toEqual({ peerId: b.data.peerId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    // Too late: the token no longer reclaims anything, so this is a fresh join.
    const late = await client();
    const again = (await late
      .timeout(5000)
      .emitWithAck('room:join', { roomId: 'gone', displayName: 'Bob', resume: { peerId: b.data.peerId, token: b.data.resumeToken } })) as Joined;
    expect(again.data.resumed).toBe(false);
    expect(again.data.peerId).not.toBe(b.data.peerId);
  });

  it('does not let a wrong token take a held seat', async () => {
    const alice = await client();
    const bob = await client();
    await join(alice, 'steal', 'Alice');
    const b = (await join(bob, 'steal', 'Bob')) as Joined;
    bob.io.engine.close();
    const thief = await client();
    const answer = (await thief
      .timeout(5000)
      .emitWithAck('room:join', { roomId: 'steal', displayName: 'Bob', resume: { peerId: b.data.peerId, token: 'x'.repeat(32) } })) as Joined;
    expect(answer.data.resumed).toBe(false);
    expect(answer.data.peerId).not.toBe(b.data.peerId);
  });
});

describe('bad input', () => {
  const bad: [string, unknown, string][] = [
    ['a room id with a path', { roomId: '../etc', displayName: 'x' }, 'roomId'],
    ['an empty display name', { roomId: 'ok', displayName: '   ' }, 'displayName'],
    ['a missing field', { roomId: 'ok' }, 'displayName'],
    ['an unexpected field', { roomId: 'ok', displayName: 'x', admin: true }, '(root)'],
    ['a string', 'join me', '(root)'],
    ['a non-boolean mute flag', { roomId: 'ok', displayName: 'x', audioMuted: 'yes' }, 'audioMuted'],
    ['null', null, '(root)'],
    ['an array', [1, 2], '(root)'],
  ];

  it.each(bad)('answers %s with BAD_REQUEST naming the field', async (_name, payload, path) => {
    const socket = await client();
    const answer = (await raw(socket).timeout(5000).emitWithAck('room:join', payload)) as Ack<JoinResponse>;
    expect(answer.ok).toBe(false);
    const error = (answer as { error: ProtocolError }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.issues?.map((i) => i.path)).toContain(path);
  });

  it.each([
    ['a malformed peer id', { to: 'not-a-uuid', signal: { candidate: null } }, 'to'],
    ['an unknown signal kind', { to: '6f1c2f0e-3a1b-4c55-9d1e-0a6f3b9a2c11', signal: { bye: true } }, 'signal'],
    ['an SDP of a wrong type', { to: '6f1c2f0e-3a1b-4c55-9d1e-0a6f3b9a2c11', signal: { description: { type: 'pranswer', sdp: '' } } }, 'signal'],
    ['an oversized SDP', { to: '6f1c2f0e-3a1b-4c55-9d1e-0a6f3b9a2c11', signal: { description: { type: 'offer', sdp: 'x'.repeat(40_000) } } }, 'signal'],
  ])('answers a signal with %s with BAD_REQUEST', async (_name, payload, path) => {
    const socket = await client();
    await join(socket, 'bad-signals', 'Eve');
    const answer = (await raw(socket).timeout(5000).emitWithAck('signal:send', payload)) as Ack<unknown>;
    expect(answer.ok).toBe(false);
    const error = (answer as { error: ProtocolError }).error;
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.issues?.map((i) => i.path).some((p) => p.startsWith(path))).toBe(true);
  });

  it('sends server:error when a bad request has no ack, and for unknown events', async () => {
    const socket = await client();
    const first = next(socket, 'server:error');
    raw(socket).emit('room:join', { roomId: 42 });
    expect(await first).toMatchObject({ event: 'room:join', code: 'BAD_REQUEST' });
    const second = next(socket, 'server:error');
    raw(socket).emit('room:nuke', {});
    expect(await second).toMatchObject({ event: 'room:nuke', code: 'BAD_REQUEST', message: 'unknown event "room:nuke"' });
  });

  it('answers through the ack whenever there is one: unknown events, and an ack given without a payload', async () => {
    const socket = await client();
    expect(await raw(socket).timeout(5000).emitWithAck('room:nuke', {})).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: 'unknown event "room:nuke"' } });
    expect(await raw(socket).timeout(5000).emitWithAck('room:leave')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await raw(socket).timeout(5000).emitWithAck('x'.repeat(500))).toMatchObject({ ok: false, error: { message: `unknown event "${'x'.repeat(64)}"` } });
  });

  it('drops a client that sends an oversized message and keeps serving others', async () => {
    const socket = await client();
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    raw(socket).emit('room:join', { roomId: 'x'.repeat(200_000), displayName: 'big' });
    expect(await dropped).toBe('transport close');

    const other = await client();
    expect(await join(other, 'after-abuse', 'Carol')).toMatchObject({ ok: true });
    expect((await health()).status).toBe('ok');
  });
});

describe('without coturn installed', () => {
  it('runs, reports TURN down and the service degraded, and issues no TURN credentials', async () => {
    const noTurn = await startApp(
      { PORT: '0', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', TURNSERVER_BIN: '/nonexistent/turnserver', TURN_PORT: String(await freeUdpPort()) },
      silentLogger,
    );
    try {
      const report = (await (await fetch(`${noTurn.url}/healthz`)).json()) as HealthReport;
      expect(report.status).toBe('degraded');
      expect(report.turn).toMatchObject({ status: 'down', mode: 'managed' });
      expect(report.turn.detail).toBe('/nonexistent/turnserver not found: install coturn (apt-get install coturn) or set TURNSERVER_BIN');
      const socket: Client = connect(noTurn.url, { transports: ['websocket'], reconnection: false });
      clients.track(socket);
      const answer = await socket.timeout(5000).emitWithAck('room:join', { roomId: 'r', displayName: 'n' });
      expect(answer).toMatchObject({ ok: true, data: { iceServers: [], iceCredentialsExpireAt: null } });
    } finally {
      await noTurn.close();
    }
  });
});

describe('ice:refresh', () => {
  it('issues fresh TURN credentials to a peer in a room, and nothing outside one', async () => {
    const socket = await client();
    const outside = await client();
    const joined = (await join(socket, 'refresh', 'Ada')) as Extract<Ack<JoinResponse>, { ok: true }>;
    expect(await outside.timeout(5000).emitWithAck('ice:refresh', {})).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
    await new Promise((r) => setTimeout(r, 1100)); // the expiry has one-second resolution
    const fresh = await socket.timeout(5000).emitWithAck('ice:refresh', {});
    expect(fresh.ok).toBe(true);
    if (!fresh.ok) return;
    expect(fresh.data.iceCredentialsExpireAt).toBeGreaterThan(joined.data.iceCredentialsExpireAt ?? 0);
    const turn = fresh.data.iceServers.find((s: IceServer) => s.username);
    expect(turn?.username).toBe(`${fresh.data.iceCredentialsExpireAt}:${joined.data.peerId}`);
    expect(turn?.credential).toBe(createHmac('sha1', app.config.turn.secret).update(turn?.username ?? '').digest('base64'));
  });
});
