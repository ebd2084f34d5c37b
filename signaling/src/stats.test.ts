import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SAMPLES_PER_10S, silentLogger, type Ack, type JoinResponse, type StatsUpdate } from '@confer/shared';
import { freeUdpPort } from '@confer/turn';
import { startApp, type RunningApp } from './app.js';
import { join, socketClients, type Client } from '../test-support/clients.js';
import { sample } from '../test-support/statsSamples.js';
import { RateWindow } from '@confer/shared';

const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789';
let app: RunningApp;
const clients = socketClients(() => app.url);

beforeAll(async () => {
  app = await startApp(
    { PORT: '0', HOST: '127.0.0.1', TURN_PORT: String(await freeUdpPort()), SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', OPERATOR_TOKEN },
    silentLogger,
  );
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await app?.close();
});

async function pair(room: string): Promise<[Client, string, Client, string]> {
  const a = await clients.connect();
  const b = await clients.connect();
  const ja = (await join(a, room, 'Ada')) as Extract<Ack<JoinResponse>, { ok: true }>;
  const jb = (await join(b, room, 'Bo')) as Extract<Ack<JoinResponse>, { ok: true }>;
  return [a, ja.data.peerId, b, jb.data.peerId];
}

const updates = (socket: Client) => {
  const seen: StatsUpdate[] = [];
  socket.on('stats:update', (u) => seen.push(u));
  return seen;
};

describe('stats reports and dashboard subscriptions', () => {
  it('scores a participant’s samples and streams them to the room’s viewers, with the history on subscribe', async () => {
    const [ada, adaId, bo, boId] = await pair('stats-1');
    expect(await ada.emitWithAck('stats:report', { samples: [sample(boId)] })).toEqual({ ok: true, data: {} });

    const snapshot = await bo.emitWithAck('stats:subscribe', { roomId: 'stats-1' });
    if (!snapshot.ok) throw new Error(snapshot.error.message);
    expect(snapshot.data.participants.map((p) => p.displayName).sort()).toEqual(['Ada', 'Bo']);
    expect(snapshot.data.topology).toBe('mesh');
    const [stored] = snapshot.data.samples[adaId] ?? [];
    expect(stored?.streams[0]?.bitrate).toBe(600_000);
    expect(stored?.quality.score).toBeGreaterThan(4);
    expect(stored?.streamQuality[`mesh:in:${boId}:camera`]?.level).toMatch(/excellent|good/);

    const seen = updates(bo);
    await ada.emitWithAck('stats:report', { samples: [sample(boId), sample(boId)] });
    await expect.poll(() => seen.filter((u) => u.type === 'sample' && u.peerId === adaId).length).toBe(2);

    // Once unsubscribed, nothing more arrives.
    await bo.emitWithAck('stats:unsubscribe', { roomId: 'stats-1' });
    await ada.emitWithAck('stats:report', { samples: [sample(boId)] });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.filter((u) => u.type === 'sample')).toHaveLength(2);
  });

  it('lets only participants and operators watch a room', async () => {
    await pair('stats-2');
    const outsider = await clients.connect();
    expect(await outsider.emitWithAck('stats:subscribe', { roomId: 'stats-2' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await outsider.emitWithAck('stats:subscribe', { roomId: 'stats-2', operatorToken: 'wrong-token-0123456789' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await outsider.emitWithAck('stats:rooms', { operatorToken: 'wrong' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const operator = await clients.connect();
    const watched = await operator.emitWithAck('stats:subscribe', { roomId: 'stats-2', operatorToken: OPERATOR_TOKEN });
    expect(watched.ok && watched.data.participants).toHaveLength(2);
    const rooms = await operator.emitWithAck('stats:rooms', { operatorToken: OPERATOR_TOKEN });
    expect(rooms.ok && rooms.data.rooms).toContainEqual({ roomId: 'stats-2', participants: 2, topology: 'mesh' });
  });

  it('refuses malformed and flooding reports with typed errors, and the call’s signaling goes on', async () => {
    const [ada, , bo, boId] = await pair('stats-3');
    const outsider = await clients.connect();
    expect(await outsider.emitWithAck('stats:report', { samples: [sample(boId)] })).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
    const bad: unknown[] = [
      null,
      { samples: [] },
      { samples: Array.from({ length: 6 }, () => sample(boId)) },
      { samples: [{ ...sample(boId), streams: [{ ...sample(boId).streams[0], lossPct: 250 }] }] },
      { samples: [{ ...sample(boId), extra: 1 }] },
      { samples: [{ ...sample(boId), streams: Array.from({ length: 97 }, () => sample(boId).streams[0]) }] },
    ];
    for (const payload of bad) {
      const answer = (await (ada as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> }).emitWithAck('stats:report', payload)) as Ack<unknown>;
      expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }

    // A flood: the budget (MAX_SAMPLES_PER_10S) is spent, then every further report is refused.
    const answers = await Promise.all(Array.from({ length: MAX_SAMPLES_PER_10S + 10 }, () => ada.emitWithAck('stats:report', { samples: [sample(boId)] })));
    expect(answers.filter((a) => a.ok)).toHaveLength(MAX_SAMPLES_PER_10S);
    expect(answers.filter((a) => !a.ok).every((a) => !a.ok && a.error.code === 'RATE_LIMITED')).toBe(true);

    // Meanwhile the call's own signaling is untouched: a signal still reaches the other peer.
    const received = new Promise((resolve) => bo.once('signal:receive', resolve));
    const adaId = (await bo.emitWithAck('stats:subscribe', { roomId: 'stats-3' })) as Extract<Ack<{ participants: { peerId: string; displayName: string }[] }>, { ok: true }>;
    const target = adaId.data.participants.find((p) => p.displayName === 'Bo')!.peerId;
    expect(await ada.emitWithAck('signal:send', { to: target, signal: { candidate: null } })).toEqual({ ok: true, data: {} });
    await expect(received).resolves.toBeTruthy();
  });
});

describe('GET /metrics', () => {
  it('needs the operator token, then exposes rooms, participants and refused requests', async () => {
    const [ada, , , boId] = await pair('metrics-room');
    await (ada as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck('stats:report', { samples: [] });
    await ada.emitWithAck('stats:report', { samples: [sample(boId)] });
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('confer_participants{topology="mesh"} 2');
    expect(text).toMatch(/confer_client_bitrate_bps\{direction="send"\} 650000/);
    expect(text).toMatch(/confer_signaling_errors_total\{event="stats:report",code="BAD_REQUEST"\} [1-9]/);
    expect(text).toMatch(/confer_quality_score_count [1-9]/);
    expect(text).toContain('confer_process_resident_memory_bytes');
  });
});

describe('RateWindow', () => {
  it('allows the limit per rolling window, refuses beyond it without spending, and frees up as time passes', () => {
    let now = 0;
    const window = new RateWindow(5, 1000, () => now);
    expect([1, 2, 3, 4, 5].map(() => window.take())).toEqual([true, true, true, true, true]);
    expect(window.take()).toBe(false);
    now = 500;
    expect(window.take(1)).toBe(false);
    now = 1000;
    expect(window.take(3)).toBe(true);
    expect(window.take(3)).toBe(false);
    expect(window.take(2)).toBe(true);
  });
});
