import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@confer/shared';
import { redisForTests } from '../test-support/redisServer.js';
import { LocalWatchedRooms, RedisWatchedRooms } from './WatchedRooms.js';

const redis = redisForTests({ beforeAll, afterAll });

describe('WatchedRooms', () => {
  it('on one server, a room is watched while it has a viewer there', () => {
    const rooms = new LocalWatchedRooms();
    rooms.setLocal('r', true);
    expect([rooms.isWatched('r'), rooms.isWatched('other')]).toEqual([true, false]);
    rooms.setLocal('r', false);
    expect(rooms.isWatched('r')).toBe(false);
  });

  it('in a cluster, every server learns of a viewer, and of its going once its server stops saying so', async () => {
    const prefix = `test-${randomUUID()}:`;
    const [a, b] = [new RedisWatchedRooms(redis.connect(), silentLogger, prefix), new RedisWatchedRooms(redis.connect(), silentLogger, prefix)];
    try {
      expect(b.isWatched('r')).toBe(false);
      a.setLocal('r', true);
      await expect.poll(() => b.isWatched('r'), { message: 'b hears of a viewer on a', timeout: 8000, interval: 50 }).toBe(true);
      a.setLocal('r', false);
      await expect.poll(() => b.isWatched('r'), { message: 'the room expires once a stops naming it', timeout: 8000, interval: 200 }).toBe(false);
    } finally {
      a.close();
      b.close();
    }
  });
});
