import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Ack, type JoinRequest, type JoinResponse, type Logger } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { join, socketClients, type Client } from '../test-support/clients.js';
import { REQUEST_LIMITS } from './ConnectionBudget.js';
import { signToken } from './signedToken.js';

const SESSION_SECRET = 'session-secret-for-resilience-tests-0123456789';
const JOIN_TOKEN_SECRET = 'join-token-secret-for-resilience-tests-0123';

const apps: RunningApp[] = [];
/** Every log line of the servers, at every level, to check that no secret is ever written. */
const logged: string[] = [];
const collecting = (bindings: Record<string, unknown> = {}): Logger => {
  const line = (obj: object, msg?: string) => void logged.push(JSON.stringify({ ...bindings, ...obj, msg }));
  return { debug: line, info: line, warn: line, error: line, child: (more) => collecting({ ...bindings, ...more }) };
};
/** A real server (no TURN: these tests are about signaling) with the given extra environment. */
async function server(env: Record<string, string> = {}): Promise<RunningApp> {
  const app = await startApp(
    { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', SESSION_SECRET, ...env },
    collecting(),
  );
  apps.push(app);
  return app;
}
let current: RunningApp | null = null;
const clients = socketClients(() => current?.url ?? '');
const connect = async (app: RunningApp) => {
  current = app;
  return clients.connect();
};
afterEach(async () => {
  clients.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

type Joined = { ok: true; data: JoinResponse };
const request = (socket: Client, req: JoinRequest) => socket.timeout(5000).emitWithAck('room:join', req);
const resumeOf = (j: Joined, topology?: 'mesh' | 'sfu') => ({ peerId: j.data.peerId, token: j.data.resumeToken, ...(topology ? { topology } : {}) });
const events = (socket: Client, event: 'room:peer-left' | 'room:peer-joined' | 'server:shutdown') => {
  const seen: unknown[] = [];
  socket.on(event, (e: unknown) => seen.push(e));
  return seen;
};
const refusal = (answer: Ack<JoinResponse>) => (answer.ok ? null : answer.error.code);

describe('a signaling server restart', () => {
  it('tells clients on shutdown, keeps their seats, and the next server restores them (same ids, password, topology)', async () => {
    const STATE_FILE = joinPath(mkdtempSync(joinPath(tmpdir(), 'confer-restart-')), 'state.jsonl');
    const first = await server({ STATE_FILE });
    const ada = await connect(first);
    const bo = await connect(first);
    const a = (await request(ada, { roomId: 'restart', displayName: 'Ada', password: 'open sesame' })) as Joined;
    const b = (await request(bo, { roomId: 'restart', displayName: 'Bo', password: 'open sesame' })) as Joined;
    const left = events(ada, 'room:peer-left');
    const goingAway = events(bo, 'server:shutdown');
    await first.shutdown();
    expect(goingAway).toEqual([{ reason: 'server restarting' }]);
    expect(left).toEqual([]);

    const second = await server({ STATE_FILE });
    const ada2 = await connect(second);
    const joined = events(ada2, 'room:peer-joined');
    const a2 = (await request(ada2, { roomId: 'restart', displayName: 'Ada', resume: resumeOf(a, 'sfu') })) as Joined;
    expect(a2.data).toMatchObject({ peerId: a.data.peerId, resumed: 'restored', peers: [], topology: 'sfu' });
    const bo2 = await connect(second);
    const b2 = (await request(bo2, { roomId: 'restart', displayName: 'Bo', resume: resumeOf(b, 'sfu') })) as Joined;
    expect(b2.data).toMatchObject({ peerId: b.data.peerId, resumed: 'restored', peers: [{ peerId: a.data.peerId }] });
    await expect.poll(() => joined).toEqual([expect.objectContaining({ peerId: b.data.peerId, displayName: 'Bo' })]);
    // The room came back protected: its lock outlived the process in STATE_FILE.
    const eve = await connect(second);
    expect(refusal(await request(eve, { roomId: 'restart', displayName: 'Eve' }))).toBe('PASSWORD_REQUIRED');
    expect(await request(eve, { roomId: 'restart', displayName: 'Cy', password: 'open sesame' })).toMatchObject({ ok: true });
    // Nothing secret reached the logs: not the password, nor any resume token.
    expect(logged.length).toBeGreaterThan(5);
    for (const secret of ['open sesame', a.data.resumeToken, b2.data.resumeToken, SESSION_SECRET]) expect(logged.join('\n')).not.toContain(secret);
  });

  it('drains on shutdown: a request under way is answered, a join meanwhile is refused as UNAVAILABLE', async () => {
    // Two make an SFU room here: only a room on the SFU takes SFU requests.
    const app = await server({ TOPOLOGY_SFU_FROM: '2' });
    const [ada, bo, late] = [await connect(app), await connect(app), await connect(app)];
    await request(ada, { roomId: 'drain', displayName: 'Ada' });
    await request(bo, { roomId: 'drain', displayName: 'Bo' });
    // A slow SFU request (a busy worker): the shutdown must wait for its answer.
    const joinPeer = app.sfu.joinPeer.bind(app.sfu);
    app.sfu.joinPeer = async (...args) => {
      await new Promise((r) => setTimeout(r, 600));
      return joinPeer(...args);
    };
    const slow = ada.timeout(5000).emitWithAck('sfu:join', {});
    await new Promise((r) => setTimeout(r, 100));
    const stopped = app.shutdown();
    expect(await request(late, { roomId: 'drain', displayName: 'Late' })).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(await slow).toMatchObject({ ok: true, data: { sendTransport: { id: expect.any(String) } } });
    await stopped;
  });

  it('does not restore with a token from a server with another secret, nor a peer that left', async () => {
    const first = await server();
    const ada = await connect(first);
    const a = (await request(ada, { roomId: 'gone', displayName: 'Ada' })) as Joined;
    const other = await server({ SESSION_SECRET: 'a-completely-different-session-secret-0123' });
    const stranger = await connect(other);
    const answer = (await request(stranger, { roomId: 'gone', displayName: 'Ada', resume: resumeOf(a) })) as Joined;
    expect(answer.data.resumed).toBe(false);
    expect(answer.data.peerId).not.toBe(a.data.peerId);

    await ada.timeout(5000).emitWithAck('room:leave', {});
    const back = await connect(first);
    const again = (await request(back, { roomId: 'gone', displayName: 'Ada', resume: resumeOf(a) })) as Joined;
    expect(again.data).toMatchObject({ resumed: false });
    expect(again.data.peerId).not.toBe(a.data.peerId);
  });

  it('hands the seat to a reconnect that beats the server noticing the old connection drop', async () => {
    const app = await server();
    const ada = await connect(app);
    const bo = await connect(app);
    await request(ada, { roomId: 'sleep', displayName: 'Ada' });
    const b = (await request(bo, { roomId: 'sleep', displayName: 'Bo' })) as Joined;
    const left = events(ada, 'room:peer-left');
    const joined = events(ada, 'room:peer-joined');
    const woke = await connect(app);
    const oldClosed = new Promise((resolve) => bo.once('disconnect', resolve));
    const answer = (await request(woke, { roomId: 'sleep', displayName: 'Bo', resume: resumeOf(b) })) as Joined;
    expect(answer.data).toMatchObject({ peerId: b.data.peerId, resumed: 'held' });
    await oldClosed;
    const received = new Promise((resolve) => woke.once('signal:receive', resolve));
    await ada.timeout(5000).emitWithAck('signal:send', { to: b.data.peerId, signal: { candidate: null } });
    expect(await received).toMatchObject({ signal: { candidate: null } });
    expect(left).toEqual([]);
    expect(joined).toEqual([]);
  });
});

/**
 * Ada (host) and Bo in `roomId`, locked; the server restarts (STATE_FILE) and Bo comes back first. Returns
 * the new server, both first answers, and Bo's new connection.
 */
async function lockedThenRestarted(roomId: string) {
  const STATE_FILE = joinPath(mkdtempSync(joinPath(tmpdir(), 'confer-host-')), 'state.jsonl');
  const first = await server({ STATE_FILE });
  const [ada, bo] = [await connect(first), await connect(first)];
  const a = (await request(ada, { roomId, displayName: 'Ada' })) as Joined;
  const b = (await request(bo, { roomId, displayName: 'Bo' })) as Joined;
  expect(await ada.timeout(5000).emitWithAck('room:lock', { locked: true })).toMatchObject({ ok: true });
  await first.shutdown();
  const second = await server({ STATE_FILE });
  const bo2 = await connect(second);
  const b2 = (await request(bo2, { roomId, displayName: 'Bo', resume: resumeOf(b) })) as Joined;
  expect(b2.data).toMatchObject({ resumed: 'restored', controls: { hostId: a.data.peerId, locked: true } });
  return { second, a, b, bo2 };
}

describe('the host and the waiting room', () => {
  it('come back after a restart: the host is still host, the room still locked, and a seat restored first does not take the role', async () => {
    const { second, a, bo2 } = await lockedThenRestarted('hosted');
    const ada2 = await connect(second);
    const a2 = (await request(ada2, { roomId: 'hosted', displayName: 'Ada', resume: resumeOf(a) })) as Joined;
    expect(a2.data.controls).toEqual({ hostId: a.data.peerId, locked: true });
    expect(refusal(await request(await connect(second), { roomId: 'hosted', displayName: 'Cy' }))).toBe('WAITING');
    expect(await bo2.timeout(5000).emitWithAck('room:lock', { locked: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it("a locked room whose host never came back after a restart: a newcomer's knock makes the longest present host, who is asked", async () => {
    const { second, b, bo2 } = await lockedThenRestarted('orphan');
    const told = new Promise((resolve) => bo2.once('room:controls', resolve));
    const asked = new Promise((resolve) => bo2.once('room:waiting', resolve));
    expect(refusal(await request(await connect(second), { roomId: 'orphan', displayName: 'Cy' }))).toBe('WAITING');
    // Still locked: the newcomer waits, and Bo, host now, is the one asked.
    expect(await told).toEqual({ hostId: b.data.peerId, locked: true });
    expect(await asked).toMatchObject({ waiting: [{ displayName: 'Cy' }] });
  });

  it('a join token with role "host" makes its holder host; with ADMISSION=knock every newcomer waits for the host', async () => {
    const app = await server({ JOIN_TOKEN_SECRET, ADMISSION: 'knock' });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const [ada, bo, cy] = [await connect(app), await connect(app), await connect(app)];
    const a = (await request(ada, { roomId: 'knock', displayName: 'Ada' })) as Joined;
    expect(a.data.controls).toEqual({ hostId: a.data.peerId, locked: false });
    expect(refusal(await request(bo, { roomId: 'knock', displayName: 'Bo' }))).toBe('WAITING');
    const host = signToken(JOIN_TOKEN_SECRET, { room: 'knock', name: 'Cy', role: 'host', exp });
    const c = (await request(cy, { roomId: 'knock', displayName: 'Cy', joinToken: host })) as Joined;
    expect(c.data.controls.hostId).toBe(c.data.peerId);
  });
});

describe('protected rooms', () => {
  it('a room created with a password needs it; emptied, the room and its password are gone', async () => {
    const app = await server();
    const ada = await connect(app);
    await request(ada, { roomId: 'locked', displayName: 'Ada', password: 'pw-1' });
    const bo = await connect(app);
    expect(await request(bo, { roomId: 'locked', displayName: 'Bo' })).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED', message: 'room locked is protected: enter its password' } });
    expect(await request(bo, { roomId: 'locked', displayName: 'Bo', password: 'pw-2' })).toMatchObject({ ok: false, error: { code: 'WRONG_PASSWORD', message: 'wrong password for room locked' } });
    expect(await request(bo, { roomId: 'locked', displayName: 'Bo', password: 'pw-1' })).toMatchObject({ ok: true });
    await ada.timeout(5000).emitWithAck('room:leave', {});
    await bo.timeout(5000).emitWithAck('room:leave', {});
    const cy = await connect(app);
    expect(await request(cy, { roomId: 'locked', displayName: 'Cy' })).toMatchObject({ ok: true });
  });

  it('with JOIN_TOKENS_REQUIRED, only a valid token for the room admits, under the name it carries', async () => {
    const app = await server({ JOIN_TOKEN_SECRET, JOIN_TOKENS_REQUIRED: 'true' });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const socket = await connect(app);
    expect(await request(socket, { roomId: 'embed', displayName: 'Ada' })).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN' } });
    const expired = signToken(JOIN_TOKEN_SECRET, { room: 'embed', name: 'Ada', exp: exp - 120 });
    expect(await request(socket, { roomId: 'embed', displayName: 'Ada', joinToken: expired })).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN', message: 'join token refused: expired' } });
    const forged = signToken('not-the-join-token-secret-at-all-012345', { room: 'embed', name: 'Ada', exp });
    expect(await request(socket, { roomId: 'embed', displayName: 'Ada', joinToken: forged })).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN', message: 'join token refused: bad signature' } });
    const joined = events(socket, 'room:peer-joined');
    const good = signToken(JOIN_TOKEN_SECRET, { room: 'embed', name: 'Ada Lovelace', exp });
    expect(await request(socket, { roomId: 'embed', displayName: 'whatever', joinToken: good })).toMatchObject({ ok: true });
    const bo = await connect(app);
    await request(bo, { roomId: 'embed', displayName: 'x', joinToken: signToken(JOIN_TOKEN_SECRET, { room: 'embed', name: 'Bo', exp }) });
    await expect.poll(() => joined).toEqual([expect.objectContaining({ displayName: 'Bo' })]);
  });
});

describe('limits', () => {
  it('rate-limits joins per connection with a typed error, without touching other connections', async () => {
    const app = await server();
    const flood = await connect(app);
    const answers: (string | null)[] = [];
    for (let i = 0; i <= REQUEST_LIMITS['room:join']; i++) answers.push(refusal(await request(flood, { roomId: 'bad room!', displayName: 'x' })));
    expect(answers.slice(0, -1).every((c) => c === 'BAD_REQUEST')).toBe(true);
    expect(answers.at(-1)).toBe('RATE_LIMITED');
    const polite = await connect(app);
    expect(await join(polite, 'calm', 'Ada')).toMatchObject({ ok: true });
  });

  it('refuses a new room past MAX_ROOMS, but not a join to an existing one', async () => {
    const app = await server({ MAX_ROOMS: '1' });
    await join(await connect(app), 'one', 'Ada');
    expect(await join(await connect(app), 'two', 'Bo')).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(await join(await connect(app), 'one', 'Cy')).toMatchObject({ ok: true });
  });
});
