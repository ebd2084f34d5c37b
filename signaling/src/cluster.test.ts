import { describe, expect, it } from 'vitest';
import type { HealthReport } from '@confer/shared';
import { join, type Client } from '../test-support/clients.js';
import { clusterForTests, joined, OPERATOR_TOKEN, SESSION_SECRET } from '../test-support/clusterServers.js';
import { ServerProcess } from '../test-support/serverProcess.js';

const cluster = clusterForTests();
/** One server of the cluster (no TURN, one SFU worker): the same Redis and session secret as the others. */
const node = (env: Record<string, string> = {}) => cluster.server(env);
const connect = (app: { url: string }) => cluster.connect(app);

const seen = (socket: Client, event: 'room:peer-left') => {
  const events: unknown[] = [];
  socket.on(event, (e: unknown) => events.push(e));
  return events;
};
const next = <T>(socket: Client, event: 'room:peer-joined' | 'room:peer-left' | 'room:peer-updated' | 'signal:receive') =>
  new Promise<T>((resolve) => socket.once(event, ((e: T) => resolve(e)) as never));

describe('two signaling servers over one Redis', () => {
  it('are one service: peers on different servers share a room, its presence and their signals', async () => {
    const [one, two] = [await node(), await node()];
    const ada = await connect(one);
    const bo = await connect(two);
    const a = joined(await join(ada, 'cluster', 'Ada'));
    const boJoins = next<{ peerId: string; displayName: string }>(ada, 'room:peer-joined');
    const b = joined(await join(bo, 'cluster', 'Bo'));
    // Bo, on the other server, is told of Ada; Ada hears of Bo through Redis.
    expect(b.peers.map((p) => p.displayName)).toEqual(['Ada']);
    expect(await boJoins).toMatchObject({ peerId: b.peerId, displayName: 'Bo' });

    const offer = { description: { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' } };
    const received = next<{ from: string; signal: unknown }>(bo, 'signal:receive');
    expect(await ada.timeout(5000).emitWithAck('signal:send', { to: b.peerId, signal: offer })).toEqual({ ok: true, data: {} });
    expect(await received).toEqual({ from: a.peerId, signal: offer });

    const updated = next<{ peerId: string; audioMuted: boolean }>(ada, 'room:peer-updated');
    await bo.timeout(5000).emitWithAck('peer:update', { audioMuted: true });
    expect(await updated).toMatchObject({ peerId: b.peerId, audioMuted: true });

    const left = next<{ peerId: string }>(ada, 'room:peer-left');
    await bo.timeout(5000).emitWithAck('room:leave', {});
    expect(await left).toEqual({ peerId: b.peerId });
    // A newcomer on the second server now finds only Ada.
    const cy = await connect(two);
    expect(joined(await join(cy, 'cluster', 'Cy')).peers.map((p) => p.peerId)).toEqual([a.peerId]);

    // Each server reports itself and the cluster in /healthz and /metrics.
    const health = await Promise.all([one, two].map(async (app) => (await (await fetch(`${app.url}/healthz`)).json()) as HealthReport));
    for (const report of health) expect(report).toMatchObject({ status: 'ok', cluster: { status: 'ok', servers: expect.any(Array) } });
    const ids = health.map((r) => r.cluster!.serverId);
    expect(new Set(ids).size).toBe(2);
    for (const report of health) expect(report.cluster!.servers).toEqual([...ids].sort());
    const metrics = await fetch(`${two.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(await metrics.text()).toMatch(/^confer_cluster_servers 2$/m);
  });

  it('admit exactly ROOM_CAPACITY of many joins racing on both servers', async () => {
    const servers = [await node({ ROOM_CAPACITY: '4' }), await node({ ROOM_CAPACITY: '4' })];
    const sockets = await Promise.all(Array.from({ length: 12 }, (_, i) => connect(servers[i % 2]!)));
    const answers = await Promise.all(sockets.map((s, i) => join(s, 'race', `P${i}`)));
    expect(answers.filter((a) => a.ok)).toHaveLength(4);
    expect(answers.filter((a) => !a.ok).map((a) => (a.ok ? '' : a.error.code))).toEqual(Array(8).fill('ROOM_FULL'));
    // A join claims its seat for its server while the seat is taken: a refused one gives the claim back.
    const redis = cluster.redis.connect();
    const claimed = (await Promise.all((await redis.keys('confer:seats:*')).map((key) => redis.smembers(key)))).flat();
    expect(claimed.sort()).toEqual(answers.flatMap((a) => (a.ok ? [`race ${a.data.peerId}`] : [])).sort());
  });

  it('a server killed with SIGKILL: its clients take their seats back on the other, and one that never returns is freed', async () => {
    const grace = { RECONNECT_GRACE_MS: '2000' };
    const doomed = cluster.track(await ServerProcess.start({ REDIS_URL: cluster.redis.url, SESSION_SECRET, STATE_FILE: '', ...grace }));
    const survivor = await node(grace);
    const [ada, cy] = [await connect(doomed), await connect(doomed)];
    const bo = await connect(survivor);
    const a = joined(await join(ada, 'crash', 'Ada'));
    const c = joined(await join(cy, 'crash', 'Cy'));
    const b = joined(await join(bo, 'crash', 'Bo'));
    const left = seen(bo, 'room:peer-left');

    await doomed.stop('SIGKILL');
    // Ada's client reconnects (through the balancer) to the other server, with her resume token, at once.
    const ada2 = await connect(survivor);
    const back = joined(await ada2.timeout(5000).emitWithAck('room:join', { roomId: 'crash', displayName: 'Ada', resume: { peerId: a.peerId, token: a.resumeToken } }));
    expect(back).toMatchObject({ peerId: a.peerId, resumed: 'held' });
    expect(back.peers.map((p) => p.peerId).sort()).toEqual([b.peerId, c.peerId].sort());
    // Cy never comes back: once the dead server is noticed (5 s of silence) and the grace period is over, Cy's seat
    // is freed and everyone sees Cy leave. Ada's seat, taken back, stays.
    await expect.poll(() => left, { timeout: 15_000 }).toEqual([{ peerId: c.peerId }]);
    const dee = await connect(survivor);
    expect(joined(await join(dee, 'crash', 'Dee')).peers.map((p) => p.peerId).sort()).toEqual([a.peerId, b.peerId].sort());
  });

  it('refuses to start when Redis cannot be reached, with one line that says what to do', async () => {
    await expect(node({ REDIS_URL: 'redis://user:hunter2@127.0.0.1:1' })).rejects.toThrow(
      /^REDIS_URL=redis:\/\/\*\*\*@127\.0\.0\.1:1 cannot be reached \(.*\): start Redis there, or leave REDIS_URL empty to run a single server$/,
    );
  });
});
