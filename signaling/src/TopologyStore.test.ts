import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisForTests } from '../test-support/redisServer.js';
import { RedisTopologyStore } from './RedisTopologyStore.js';
import { InMemoryTopologyStore, type TopologyRecord, type TopologyStore } from './TopologyStore.js';

const record = (patch: Partial<TopologyRecord> = {}): TopologyRecord => ({
  topology: 'mesh',
  belowSince: null,
  strainedAt: null,
  standby: { standby: false, belowSince: null },
  current: null,
  history: [],
  dueAt: null,
  ...patch,
});
const room = () => `room-${randomUUID().slice(0, 8)}`;

const redis = redisForTests({ beforeAll, afterAll });
const connect = () => redis.connect();

/** Two handles on one store: for Redis, two servers' connections. */
describe.each([
  ['in memory', (): [TopologyStore, TopologyStore] => {
    const store = new InMemoryTopologyStore();
    return [store, store];
  }],
  ['Redis', (): [TopologyStore, TopologyStore] => {
    const prefix = `test-${randomUUID()}:`;
    return [new RedisTopologyStore(connect(), prefix), new RedisTopologyStore(connect(), prefix)];
  }],
])('TopologyStore (%s)', (_, make) => {
  it('keeps what an update returns, and forgets the room on null', async () => {
    const [store] = make();
    const id = room();
    expect(await store.get(id)).toBeNull();
    expect(await store.update(id, async (r) => [record({ topology: 'sfu' }), r])).toBeNull();
    expect(await store.get(id)).toEqual(record({ topology: 'sfu' }));
    await store.update(id, async () => [null, undefined]);
    expect(await store.get(id)).toBeNull();
  });

  it('lists the rooms on the SFU, on every server, as their updates move them', async () => {
    const [a, b] = make();
    const [one, two] = [room(), room()];
    await a.update(one, async () => [record({ topology: 'sfu' }), undefined]);
    await b.update(two, async () => [record(), undefined]);
    expect(await b.sfuRooms()).toEqual([one]);
    await b.update(two, async () => [record({ topology: 'sfu' }), undefined]);
    await a.update(one, async () => [record(), undefined]);
    expect(await a.sfuRooms()).toEqual([two]);
    await b.update(two, async () => [null, undefined]);
    expect(await a.sfuRooms()).toEqual([]);
  });

  it('gives the record to one update at a time, across servers: no update is lost', async () => {
    const [a, b] = make();
    const id = room();
    await a.update(id, async () => [record({ history: [] }), undefined]);
    // Each update reads, waits (another server would run meanwhile without the lock), then appends.
    const append = (store: TopologyStore, n: number) =>
      store.update(id, async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        const next = r ?? record();
        next.strainedAt = (next.strainedAt ?? 0) + 1;
        return [next, n];
      });
    await Promise.all(Array.from({ length: 30 }, (_, n) => append(n % 2 ? a : b, n)));
    expect((await a.get(id))?.strainedAt).toBe(30);
  });

  it('leaves the record as it was and frees the room when an update throws', async () => {
    const [a, b] = make();
    const id = room();
    await a.update(id, async () => [record({ topology: 'sfu' }), undefined]);
    await expect(
      a.update(id, async (r) => {
        r!.topology = 'mesh';
        throw new Error('evaluation failed');
      }),
    ).rejects.toThrow('evaluation failed');
    expect((await b.get(id))?.topology).toBe('sfu');
    expect(await b.update(id, async (r) => [r, 'free'])).toBe('free');
  });

  it('lists the rooms whose due time has passed, and drops a room from the list once nothing is due', async () => {
    const [a, b] = make();
    const [early, late, none] = [room(), room(), room()];
    await a.update(early, async () => [record({ dueAt: 1000 }), undefined]);
    await a.update(late, async () => [record({ dueAt: 5000 }), undefined]);
    await a.update(none, async () => [record(), undefined]);
    expect(await b.due(2000)).toContain(early);
    expect(await b.due(2000)).not.toContain(late);
    expect((await b.due(6000)).filter((id) => [early, late, none].includes(id)).sort()).toEqual([early, late].sort());
    await b.update(early, async (r) => [{ ...r!, dueAt: null }, undefined]);
    await b.update(late, async () => [null, undefined]);
    expect((await a.due(6000)).filter((id) => [early, late, none].includes(id))).toEqual([]);
  });
});

describe('RedisTopologyStore', () => {
  it('runs an update again on the newer record when another server wrote the room meanwhile', async () => {
    const prefix = `test-${randomUUID()}:`;
    const [a, b] = [new RedisTopologyStore(connect(), prefix), new RedisTopologyStore(connect(), prefix)];
    const id = room();
    const seen: (number | null)[] = [];
    const result = await a.update(id, async (r) => {
      seen.push(r?.strainedAt ?? null);
      // Another server's update lands while this one computes (only the first time).
      if (seen.length === 1) await b.update(id, async () => [record({ strainedAt: 1 }), undefined]);
      return [record({ strainedAt: (r?.strainedAt ?? 0) + 10 }), seen.length];
    });
    expect(seen).toEqual([null, 1]);
    expect(result).toBe(2);
    expect((await b.get(id))?.strainedAt).toBe(11);
  });

  it('rejects a record in Redis that is not one', async () => {
    const prefix = `test-${randomUUID()}:`;
    const raw = connect();
    const id = room();
    await raw.set(`${prefix}room:${id}:topology`, JSON.stringify({ topology: 'star' }));
    await expect(new RedisTopologyStore(connect(), prefix).get(id)).rejects.toThrow();
  });
});
