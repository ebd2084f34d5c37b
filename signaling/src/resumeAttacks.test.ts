import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type Ack, type JoinRequest, type JoinResponse } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { socketClients, type Client } from '../test-support/clients.js';
import { redisForTests } from '../test-support/redisServer.js';
import { signToken } from './signedToken.js';

/**
 * Resume and join tokens as an attacker replays or bends them: after leaving, into a room made again, under a
 * fixed name; across a restart of one server, and in a cluster across a server going away and another one taking
 * its clients.
 */
const SESSION_SECRET = 'session-secret-for-resume-attack-tests-0123456789';
const JOIN_TOKEN_SECRET = 'join-token-secret-for-resume-attack-tests-01';
const dir = mkdtempSync(joinPath(tmpdir(), 'confer-resume-'));
const redis = redisForTests({ beforeAll, afterAll });
const apps: RunningApp[] = [];
let current: RunningApp | null = null;
const clients = socketClients(() => current?.url ?? '');
afterEach(async () => {
  clients.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server; a restarted one is a new server on the same state file (one server) or the same Redis (a cluster). */
async function start(env: Record<string, string>): Promise<RunningApp> {
  const app = await startApp({ PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', SESSION_SECRET, ...env }, silentLogger);
  apps.push(app);
  return app;
}

type Joined = { ok: true; data: JoinResponse };
const request = (socket: Client, req: JoinRequest) => socket.timeout(5000).emitWithAck('room:join', req) as Promise<Ack<JoinResponse>>;
const joined = async (socket: Client, req: JoinRequest) => {
  const answer = await request(socket, req);
  if (!answer.ok) throw new Error(`join refused: ${answer.error.code}`);
  return answer as Joined;
};
const resumeOf = (j: Joined) => ({ peerId: j.data.peerId, token: j.data.resumeToken });
const leave = (socket: Client) => socket.timeout(5000).emitWithAck('room:leave', {});
const code = (answer: Ack<unknown>) => (answer.ok ? 'ok' : answer.error.code);

/** How a client gets its seat back once its server went away: restored from the journal, or held in Redis. */
const SETUPS = [
  ['one server, restarted', { cluster: false, resumed: 'restored' }],
  ['a cluster: the server goes away, another one takes its clients', { cluster: true, resumed: 'held' }],
] as const;

describe.each(SETUPS)('resume tokens (%s)', (_, setup) => {
  /** The first server: on `state` alone, or one of the cluster. */
  const server = async (state: string, env: Record<string, string> = {}) =>
    (current = await start(setup.cluster ? { REDIS_URL: redis.url, STATE_FILE: '', ...env } : { STATE_FILE: joinPath(dir, state), ...env }));
  /** The first server goes away (a graceful shutdown); the next one takes over: started on its state, or already up in the cluster. */
  async function takeOver(first: RunningApp, state: string, env: Record<string, string> = {}): Promise<void> {
    if (!setup.cluster) {
      await first.shutdown();
      await server(state, env);
      return;
    }
    const next = await start({ REDIS_URL: redis.url, STATE_FILE: '', ...env });
    await first.shutdown();
    current = next;
  }
  const room = (name: string) => `${name}-${setup.cluster ? 'cluster' : 'one'}`;

  it('after a restart: a peer that left stays out, one that did not comes back, the room keeps its password', async () => {
    const roomId = room('reborn');
    const first = await server('left.jsonl');
    const ada = await joined(await clients.connect(), { roomId, displayName: 'Ada', password: 'pw-1' });
    const boSocket = await clients.connect();
    const bo = await joined(boSocket, { roomId, displayName: 'Bo', password: 'pw-1' });
    await leave(boSocket);
    await takeOver(first, 'left.jsonl');

    const back = await request(await clients.connect(), { roomId, displayName: 'Bo', resume: resumeOf(bo) });
    // Not restored: a fresh join, which the room (back with its lock) refuses without the password.
    expect(code(back)).toBe('PASSWORD_REQUIRED');
    expect(await request(await clients.connect(), { roomId, displayName: 'Ada', resume: resumeOf(ada) })).toMatchObject({ ok: true, data: { peerId: ada.data.peerId, resumed: setup.resumed } });
  });

  it('does not let an old token into a room emptied and created again with another password', async () => {
    const roomId = room('again');
    // In a cluster Bo's seat is held until his grace period ends: only then is the room empty.
    const grace: Record<string, string> = setup.cluster ? { RECONNECT_GRACE_MS: '3000' } : {};
    const first = await server('again.jsonl', grace);
    const ada = await joined(await clients.connect(), { roomId, displayName: 'Ada', password: 'pw-1' });
    const bo = await joined(await clients.connect(), { roomId, displayName: 'Bo', password: 'pw-1' });
    await takeOver(first, 'again.jsonl', grace);
    // After the restart Ada comes back and leaves, so the room is gone; Cy makes it again with another password.
    const adaSocket = await clients.connect();
    await joined(adaSocket, { roomId, displayName: 'Ada', resume: resumeOf(ada) });
    await leave(adaSocket);
    await expect.poll(async () => (await current!.server.stats.snapshot(roomId)).participants.length, { timeout: 10_000 }).toBe(0);
    await joined(await clients.connect(), { roomId, displayName: 'Cy', password: 'pw-2' });
    // Bo never left, but his token is for the room's first life: a fresh join, which needs the new password.
    const replay = await request(await clients.connect(), { roomId, displayName: 'Bo', resume: resumeOf(bo) });
    expect(code(replay)).toBe('PASSWORD_REQUIRED');
  });

  it('names from join tokens cannot be changed by the peer, nor by resuming under another name, before or after a restart', async () => {
    const roomId = room('embed');
    const env = { JOIN_TOKEN_SECRET };
    const first = await server('names.jsonl', env);
    const joinToken = signToken(JOIN_TOKEN_SECRET, { room: roomId, name: 'Ada Lovelace', exp: Math.floor(Date.now() / 1000) + 60 });
    const socket = await clients.connect();
    const ada = await joined(socket, { roomId, displayName: 'whatever', joinToken });
    expect(await socket.timeout(5000).emitWithAck('peer:update', { displayName: 'The Host' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Mute state is still the peer's own to change.
    expect(await socket.timeout(5000).emitWithAck('peer:update', { audioMuted: true })).toMatchObject({ ok: true, data: { displayName: 'Ada Lovelace', audioMuted: true } });
    await takeOver(first, 'names.jsonl', env);

    const again = await clients.connect();
    const restored = await joined(again, { roomId, displayName: 'The Host', resume: resumeOf(ada) });
    expect(restored.data).toMatchObject({ peerId: ada.data.peerId, resumed: setup.resumed });
    const watcher = await joined(await clients.connect(), { roomId, displayName: 'x', joinToken: signToken(JOIN_TOKEN_SECRET, { room: roomId, name: 'Bo', exp: Math.floor(Date.now() / 1000) + 60 }) });
    expect(watcher.data.peers).toEqual([expect.objectContaining({ peerId: ada.data.peerId, displayName: 'Ada Lovelace' })]);
    expect(code(await again.timeout(5000).emitWithAck('peer:update', { displayName: 'The Host' }))).toBe('FORBIDDEN');
  });
});

describe('one server without a state file', () => {
  it('restores nobody after a restart (it cannot know who left)', async () => {
    current = await start({ STATE_FILE: '' });
    const ada = await joined(await clients.connect(), { roomId: 'amnesia', displayName: 'Ada' });
    await apps[0]!.shutdown();
    apps.splice(0);
    current = await start({ STATE_FILE: '' });
    const back = await joined(await clients.connect(), { roomId: 'amnesia', displayName: 'Ada', resume: resumeOf(ada) });
    expect(back.data).toMatchObject({ resumed: false });
    expect(back.data.peerId).not.toBe(ada.data.peerId);
  });
});
