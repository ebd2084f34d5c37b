import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_HISTORY_SAMPLES, scoreSample, type ScoredSample, type SfuStatsSample } from '@confer/shared';
import { redisForTests } from '../test-support/redisServer.js';
import { sample } from '../test-support/statsSamples.js';
import { RedisStatsHistory } from './RedisStatsHistory.js';
import { HISTORY_BYTES_PER_PEER, InMemoryStatsHistory, SNAPSHOT_BYTES_PER_PEER, type StatsHistory } from './StatsHistory.js';

const redis = redisForTests({ beforeAll, afterAll });
const scored = (from: string, at: number, padding = 0): ScoredSample => {
  const s = sample(from, at);
  // A long codec name makes a sample as large as a test needs.
  if (padding > 0) s.streams[0]!.codec = 'x'.repeat(padding);
  return { ...s, receivedAt: at, ...scoreSample(s) };
};
const sfu = (at: number): SfuStatsSample => ({ at, producers: [], consumers: [], dataProducers: 0, dataConsumers: 0, transports: 2, recvBitrate: 0, sendBitrate: 0, bytesReceived: 0, bytesSent: 0, workerCpuPct: null });

/** The same bounds and answers from both: a dashboard on one server and on a cluster behave alike. */
describe.each([
  ['in memory', (): StatsHistory => new InMemoryStatsHistory()],
  ['Redis', (): StatsHistory => new RedisStatsHistory(redis.connect(), `test-${randomUUID()}:`)],
])('StatsHistory (%s)', (_, make) => {
  it('keeps the newest samples of each participant within a count and a byte bound, and snapshots within a smaller one', async () => {
    const history = make();
    for (let i = 0; i < STATS_HISTORY_SAMPLES + 20; i += 10) await history.addSamples('r', 'ada', Array.from({ length: 10 }, (_, k) => scored('bo', i + k)));
    await history.addSamples('r', 'bo', [scored('ada', 1)]);
    const all = await history.snapshot('r', ['ada', 'bo', 'cy']);
    // Cy never reported; Ada's oldest 20 went.
    expect(Object.keys(all.samples).sort()).toEqual(['ada', 'bo']);
    const snapshotCount = all.samples.ada!.length;
    expect(all.samples.ada!.at(-1)!.at).toBe(STATS_HISTORY_SAMPLES + 19);
    // The bound counts the samples, not the commas between them.
    expect(JSON.stringify(all.samples.ada).length).toBeLessThanOrEqual(SNAPSHOT_BYTES_PER_PEER + snapshotCount + 1);
    expect(snapshotCount).toBeGreaterThan(0);
    expect((await history.latest('r', ['ada', 'bo'])).samples.map((s) => s.at)).toEqual([STATS_HISTORY_SAMPLES + 19, 1]);

    // Large samples: the byte bound drops the oldest, always keeping the newest.
    const big = 40 * 1024;
    for (let i = 0; i < 20; i++) await history.addSamples('big', 'ada', [scored('bo', i, big)]);
    const kept = (await history.snapshot('big', ['ada'])).samples.ada!;
    expect(kept.at(-1)!.at).toBe(19);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(SNAPSHOT_BYTES_PER_PEER + kept.length + 1);
  });

  it('keeps the SFU samples, and forgets whoever left (everything once the room is empty)', async () => {
    const history = make();
    await history.addSamples('r', 'ada', [scored('bo', 1)]);
    await history.addSamples('r', 'bo', [scored('ada', 1)]);
    await history.addSfu('r', sfu(1));
    await history.addSfu('r', sfu(2));
    expect((await history.snapshot('r', ['ada', 'bo'])).sfu.map((s) => s.at)).toEqual([1, 2]);
    await history.keepOnly('r', ['ada']);
    expect(Object.keys((await history.snapshot('r', ['ada', 'bo'])).samples)).toEqual(['ada']);
    expect((await history.latest('r', ['ada'])).sfu?.at).toBe(2);
    await history.keepOnly('r', []);
    expect(await history.snapshot('r', ['ada'])).toEqual({ samples: {}, sfu: [] });
    expect(await history.latest('r', ['ada'])).toEqual({ samples: [], sfu: null });
  });
});

describe('RedisStatsHistory', () => {
  it('leaves nothing in Redis once the room is empty, and lets the history of a room nobody reports in expire', async () => {
    const client = redis.connect();
    const prefix = `test-${randomUUID()}:`;
    const history = new RedisStatsHistory(client, prefix);
    await history.addSamples('r', 'ada', [scored('bo', 1)]);
    await history.addSfu('r', sfu(1));
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
    await history.keepOnly('r', []);
    expect(await client.keys(`${prefix}*`)).toEqual([]);
  });

  it('holds at most the count and the bytes of a history per participant', async () => {
    const client = redis.connect();
    const prefix = `test-${randomUUID()}:`;
    const history = new RedisStatsHistory(client, prefix);
    const list = `${prefix}room:r:stats:peer:ada`;
    for (let i = 0; i < STATS_HISTORY_SAMPLES + 20; i += 5) await history.addSamples('r', 'ada', Array.from({ length: 5 }, (_, k) => scored('bo', i + k)));
    expect(await client.llen(list)).toBe(STATS_HISTORY_SAMPLES);
    for (let i = 0; i < 30; i++) await history.addSamples('r', 'ada', [scored('bo', 1000 + i, 40 * 1024)]);
    const stored = await client.lrange(list, 0, -1);
    const bytes = stored.reduce((n, json) => n + Buffer.byteLength(json), 0);
    expect(bytes).toBeLessThanOrEqual(HISTORY_BYTES_PER_PEER);
    expect(Number(await client.get(`${list}:bytes`))).toBe(bytes);
    expect(JSON.parse(stored.at(-1)!).at).toBe(1029);
  });
});
