import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Ack, type JoinRequest, type JoinResponse } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { socketClients, type Client } from '../test-support/clients.js';
import { signToken } from './signedToken.js';

/** Resume and join tokens as an attacker replays or bends them: after leaving, into a room made again, across restarts, under a fixed name. */
const SESSION_SECRET = 'session-secret-for-resume-attack-tests-0123456789';
const JOIN_TOKEN_SECRET = 'join-token-secret-for-resume-attack-tests-01';
const dir = mkdtempSync(joinPath(tmpdir(), 'confer-resume-'));
const apps: RunningApp[] = [];
let current: RunningApp | null = null;
const clients = socketClients(() => current?.url ?? '');

/** A server whose state outlives it in `stateFile` (a restart is a new server on the same file). */
async function server(stateFile: string, env: Record<string, string> = {}): Promise<RunningApp> {
  current = await startApp(
    { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', SESSION_SECRET, STATE_FILE: stateFile, ...env },
    silentLogger,
  );
  apps.push(current);
  return current;
}
afterEach(async () => {
  clients.closeAll();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('resume tokens', () => {
  it('after a restart: a peer that left stays out, one that did not comes back, the room keeps its password', async () => {
    const state = joinPath(dir, 'left.jsonl');
    const first = await server(state);
    const ada = await joined(await clients.connect(), { roomId: 'reborn', displayName: 'Ada', password: 'pw-1' });
    const boSocket = await clients.connect();
    const bo = await joined(boSocket, { roomId: 'reborn', displayName: 'Bo', password: 'pw-1' });
    await leave(boSocket);
    await first.shutdown();

    await server(state);
    const back = await request(await clients.connect(), { roomId: 'reborn', displayName: 'Bo', resume: resumeOf(bo) });
    // Not restored: a fresh join, which the room (back with its lock) refuses without the password.
    expect(code(back)).toBe('PASSWORD_REQUIRED');
    expect(await request(await clients.connect(), { roomId: 'reborn', displayName: 'Ada', resume: resumeOf(ada) })).toMatchObject({ ok: true, data: { peerId: ada.data.peerId, resumed: 'restored' } });
  });

  it('does not let an old token into a room emptied and created again with another password', async () => {
    const state = joinPath(dir, 'again.jsonl');
    const first = await server(state);
    const ada = await joined(await clients.connect(), { roomId: 'again', displayName: 'Ada', password: 'pw-1' });
    const bo = await joined(await clients.connect(), { roomId: 'again', displayName: 'Bo', password: 'pw-1' });
    await first.shutdown();
    // After the restart Ada comes back and leaves, so the room is gone; Cy makes it again with another password.
    await server(state);
    const adaSocket = await clients.connect();
    await joined(adaSocket, { roomId: 'again', displayName: 'Ada', resume: resumeOf(ada) });
    await leave(adaSocket);
    await joined(await clients.connect(), { roomId: 'again', displayName: 'Cy', password: 'pw-2' });
    // Bo never left, but his token is for the room's first life: a fresh join, which needs the new password.
    const replay = await request(await clients.connect(), { roomId: 'again', displayName: 'Bo', resume: resumeOf(bo) });
    expect(code(replay)).toBe('PASSWORD_REQUIRED');
  });

  it('without a state file, a restarted server restores nobody (it cannot know who left)', async () => {
    await server('');
    const ada = await joined(await clients.connect(), { roomId: 'amnesia', displayName: 'Ada' });
    await apps[0]!.shutdown();
    apps.splice(0);
    await server('');
    const back = await joined(await clients.connect(), { roomId: 'amnesia', displayName: 'Ada', resume: resumeOf(ada) });
    expect(back.data).toMatchObject({ resumed: false });
    expect(back.data.peerId).not.toBe(ada.data.peerId);
  });
});

describe('names from join tokens', () => {
  it('cannot be changed by the peer, nor by resuming under another name, before or after a restart', async () => {
    const state = joinPath(dir, 'names.jsonl');
    const first = await server(state, { JOIN_TOKEN_SECRET });
    const joinToken = signToken(JOIN_TOKEN_SECRET, { room: 'embed', name: 'Ada Lovelace', exp: Math.floor(Date.now() / 1000) + 60 });
    const socket = await clients.connect();
    const ada = await joined(socket, { roomId: 'embed', displayName: 'whatever', joinToken });
    expect(await socket.timeout(5000).emitWithAck('peer:update', { displayName: 'The Host' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Mute state is still the peer's own to change.
    expect(await socket.timeout(5000).emitWithAck('peer:update', { audioMuted: true })).toMatchObject({ ok: true, data: { displayName: 'Ada Lovelace', audioMuted: true } });
    await first.shutdown();

    await server(state, { JOIN_TOKEN_SECRET });
    const again = await clients.connect();
    const restored = await joined(again, { roomId: 'embed', displayName: 'The Host', resume: resumeOf(ada) });
    expect(restored.data).toMatchObject({ peerId: ada.data.peerId, resumed: 'restored' });
    const watcher = await joined(await clients.connect(), { roomId: 'embed', displayName: 'x', joinToken: signToken(JOIN_TOKEN_SECRET, { room: 'embed', name: 'Bo', exp: Math.floor(Date.now() / 1000) + 60 }) });
    expect(watcher.data.peers).toEqual([expect.objectContaining({ peerId: ada.data.peerId, displayName: 'Ada Lovelace' })]);
    expect(code(await again.timeout(5000).emitWithAck('peer:update', { displayName: 'The Host' }))).toBe('FORBIDDEN');
  });
});
