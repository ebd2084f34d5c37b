import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@confer/shared';
import { redisForTests } from '../test-support/redisServer.js';
import { RedisHeldSeats } from './RedisHeldSeats.js';

const redis = redisForTests({ beforeAll, afterAll });
const seats: RedisHeldSeats[] = [];
afterAll(async () => {
  for (const s of seats) await s.close();
});

/** Servers of one cluster (their own prefix per test), each with what it was told to expire. */
function cluster(count: number, graceMs = 3000) {
  const prefix = `held-${randomUUID()}:`;
  return Array.from({ length: count }, (_, i) => {
    const client = redis.connect();
    const server = new RedisHeldSeats(client, `server-${i}`, graceMs, silentLogger, prefix);
    seats.push(server);
    const expired: string[] = [];
    server.onExpire((peerId, roomId) => expired.push(`${roomId}/${peerId}`));
    return { server, expired, client, prefix };
  });
}

describe('RedisHeldSeats', () => {
  it('a seat held on one server is taken back on another, or expires on exactly one of them', async () => {
    const [a, b] = cluster(2);
    await a!.server.seated('ada', 'r');
    await a!.server.seated('cy', 'r');
    expect(await a!.server.hold('ada', 'r', 500)).toBe(true);
    expect(await b!.server.take('ada', 'r')).toBe('held');
    expect(await b!.server.owns('ada', 'r')).toBe(true);
    expect(await a!.server.owns('ada', 'r')).toBe(false);
    await a!.server.hold('cy', 'r', 500);
    // Both servers sweep every second: Cy's seat is handed to one of them, once.
    await expect.poll(() => [...a!.expired, ...b!.expired], { timeout: 5000 }).toEqual(['r/cy']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([...a!.expired, ...b!.expired]).toEqual(['r/cy']);
  });

  it('a resume takes over a seat still live on another server, whose later drop then holds nothing', async () => {
    const [a, b] = cluster(2);
    await a!.server.seated('ada', 'r');
    expect(await b!.server.take('ada', 'r')).toBe('elsewhere');
    expect(await a!.server.hold('ada', 'r', 500)).toBe(false);
    expect(await a!.server.owns('ada', 'r')).toBe(false);
    expect(await b!.server.take('nobody', 'r')).toBeNull();
  });

  it('a server taken for gone (its announcements stopped a while) reclaims its live seats before they expire', async () => {
    const [a, b] = cluster(2, 3000);
    await a!.server.seated('ada', 'r');
    // As if A had stalled for 5 s: its liveness lapses (kept lapsed until B's sweep holds A's seats).
    const lapsed = async () => {
      await a!.client.del(`${a!.prefix}alive:server-0`);
      return (await a!.client.zscore(`${a!.prefix}held`, 'r ada')) !== null;
    };
    await expect.poll(lapsed, { timeout: 5000, interval: 50 }).toBe(true);
    // A's next announcement finds itself removed and takes its seats back.
    await expect.poll(() => a!.server.owns('ada', 'r'), { timeout: 5000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect([...a!.expired, ...b!.expired]).toEqual([]);
  });
});
