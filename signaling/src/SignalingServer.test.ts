import { createHmac } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ClientToServerEvents, HealthReport, JoinResponse, ProtocolError, ServerToClientEvents } from '@confer/shared';
import { silentLogger } from '@confer/shared';
import { freeUdpPort } from '@confer/turn';
import { startApp, type RunningApp } from './app.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
/** A client that may send anything, as an attacker or a buggy client would. */
type RawClient = Socket;

let app: RunningApp;
const clients: Socket[] = [];

async function client(): Promise<Client> {
  const socket: Client = connect(app.url, { transports: ['websocket'], reconnection: false });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const raw = (socket: Client) => socket as unknown as RawClient;
const join = (socket: Client, roomId: string, displayName: string) =>
  socket.timeout(5000).emitWithAck('room:join', { roomId, displayName });
const next = <E extends keyof ServerToClientEvents>(socket: Client, event: E) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
    (socket as unknown as { once(event: string, listener: (payload: never) => void): void }).once(event, resolve);
  });
const health = async (): Promise<HealthReport> => (await fetch(`${app.url}/healthz`)).json() as Promise<HealthReport>;

beforeAll(async () => {
  app = await startApp(
    { PORT: '0', HOST: '127.0.0.1', TURN_PORT: String(await freeUdpPort()), SFU_WORKERS: '1', PUBLIC_DIR: '/nonexistent', TURN_TTL_SECONDS: '600' },
    silentLogger,
  );
});
afterEach(() => {
  for (const s of clients.splice(0)) s.close();
});
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
    expect(report.sfu.workers).toEqual([{ pid: expect.any(Number), alive: true, restarts: 0 }]);
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
    expect(b.data.peers).toEqual([{ peerId: (a as Extract<typeof a, { ok: true }>).data.peerId, displayName: 'Alice' }]);
    expect(await announced).toEqual({ peerId: b.data.peerId, displayName: 'Bob' });

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

describe('bad input', () => {
  const bad: [string, unknown, string][] = [
    ['a room id with a path', { roomId: '../etc', displayName: 'x' }, 'roomId'],
    ['an empty display name', { roomId: 'ok', displayName: '   ' }, 'displayName'],
    ['a missing field', { roomId: 'ok' }, 'displayName'],
    ['an unexpected field', { roomId: 'ok', displayName: 'x', admin: true }, '(root)'],
    ['a string', 'join me', '(root)'],
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

  it('sends server:error when a bad request has no ack, and for unknown events', async () => {
    const socket = await client();
    const first = next(socket, 'server:error');
    raw(socket).emit('room:join', { roomId: 42 });
    expect(await first).toMatchObject({ event: 'room:join', code: 'BAD_REQUEST' });
    const second = next(socket, 'server:error');
    raw(socket).emit('room:nuke', {});
    expect(await second).toMatchObject({ event: 'room:nuke', code: 'BAD_REQUEST', message: 'unknown event "room:nuke"' });
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
      { PORT: '0', SFU_WORKERS: '1', TURNSERVER_BIN: '/nonexistent/turnserver', TURN_PORT: String(await freeUdpPort()) },
      silentLogger,
    );
    try {
      const report = (await (await fetch(`${noTurn.url}/healthz`)).json()) as HealthReport;
      expect(report.status).toBe('degraded');
      expect(report.turn).toMatchObject({ status: 'down', mode: 'managed' });
      expect(report.turn.detail).toBe('/nonexistent/turnserver not found: install coturn (apt-get install coturn) or set TURNSERVER_BIN');
      const socket: Client = connect(noTurn.url, { transports: ['websocket'], reconnection: false });
      clients.push(socket);
      const answer = await socket.timeout(5000).emitWithAck('room:join', { roomId: 'r', displayName: 'n' });
      expect(answer).toMatchObject({ ok: true, data: { iceServers: [], iceCredentialsExpireAt: null } });
    } finally {
      await noTurn.close();
    }
  });
});
