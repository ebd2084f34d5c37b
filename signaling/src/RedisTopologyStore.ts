import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { defineScripts, KeyedQueue } from '@confer/shared';
import { topologyRecordSchema, type TopologyRecord, type TopologyStore } from './TopologyStore.js';

/** A lock outlives a stuck holder by no more than this; an evaluation takes a few Redis round trips. */
const LOCK_MS = 5000;
const LOCK_RETRY_MS = 2;

const SCRIPTS = {
  /**
   * Writes the room's record (or deletes it when ARGV[2] is empty), its due time and whether it is on the SFU
   * (ARGV[5], the set KEYS[4]), and releases the lock, only while the lock is still ours. Returns 1, or 0 when
   * the lock had expired (the write is dropped).
   */
  confer_topology_commit: {
    numberOfKeys: 4,
    lua: `
      if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
      redis.call('DEL', KEYS[2])
      if ARGV[2] == '' then
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[3], ARGV[4])
      else
        redis.call('SET', KEYS[1], ARGV[2])
        if ARGV[3] == '' then redis.call('ZREM', KEYS[3], ARGV[4]) else redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4]) end
      end
      if ARGV[5] == 'sfu' then redis.call('SADD', KEYS[4], ARGV[4]) else redis.call('SREM', KEYS[4], ARGV[4]) end
      return 1`,
  },
  /**
   * Takes the lock KEYS[2] (SET NX with token ARGV[1], expiring after ARGV[2] ms) and, in the same round trip,
   * reads the record KEYS[1]: {1, record or false}, or {0} while someone else holds the lock.
   */
  confer_topology_lock: {
    numberOfKeys: 2,
    lua: `
      if not redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {0} end
      return {1, redis.call('GET', KEYS[1])}`,
  },
  /** Releases the lock if it is still ours (the update threw). */
  confer_topology_unlock: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1`,
  },
} as const;

const parseRecord = (json: string | null): TopologyRecord | null => (json === null ? null : topologyRecordSchema.parse(JSON.parse(json)));

export class TopologyLockError extends Error {
  override name = 'TopologyLockError';
}

/**
 * Room topologies in Redis. An update holds the room's lock (SET NX with a token and an expiry), so one
 * server at a time evaluates a room; the write and the release are one script that checks the token.
 * Rooms with something due are indexed by time, so any server can take over the timers of one that died.
 */
export class RedisTopologyStore implements TopologyStore {
  private readonly scripts;
  /** This server's own updates of a room queue here rather than spin on the Redis lock. */
  private readonly local = new KeyedQueue();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  /** Rooms by the time something is due in them. */
  private get dueKey(): string {
    return `${this.prefix}topology-due`;
  }

  private keys(roomId: string): [record: string, lock: string, due: string] {
    return [`${this.prefix}room:${roomId}:topology`, `${this.prefix}room:${roomId}:topology-lock`, this.dueKey];
  }

  async get(roomId: string): Promise<TopologyRecord | null> {
    return parseRecord(await this.redis.get(this.keys(roomId)[0]));
  }

  update<T>(roomId: string, fn: (record: TopologyRecord | null) => Promise<[TopologyRecord | null, T]>): Promise<T> {
    return this.local.run(roomId, async () => {
      const keys = this.keys(roomId);
      const token = randomUUID();
      const record = await this.lock(keys, token);
      let committed = false;
      try {
        const [next, result] = await fn(record);
        const reply = await this.scripts.confer_topology_commit(...keys, this.sfuKey, token, next ? JSON.stringify(next) : '', next?.dueAt ?? '', roomId, next?.topology ?? '');
        committed = true;
        if (reply !== 1) throw new TopologyLockError(`the topology lock of room ${roomId} expired during its update; nothing was written`);
        return result;
      } finally {
        if (!committed) await this.scripts.confer_topology_unlock(keys[1], token).catch(() => undefined);
      }
    });
  }

  /** Takes the room's lock, and reads its record with it. */
  private async lock([record, lock]: [string, string, string], token: string): Promise<TopologyRecord | null> {
    const deadline = Date.now() + LOCK_MS;
    for (;;) {
      const [taken, json] = (await this.scripts.confer_topology_lock(record, lock, token, LOCK_MS)) as [number, string | null | undefined];
      if (taken === 1) return parseRecord(json ?? null);
      if (Date.now() > deadline) throw new TopologyLockError(`the topology lock ${lock} stayed taken for ${LOCK_MS} ms`);
      // Jittered, so that servers waiting for the same room do not ask in step.
      await sleep(LOCK_RETRY_MS + Math.random() * LOCK_RETRY_MS);
    }
  }

  /** Rooms on the SFU. */
  private get sfuKey(): string {
    return `${this.prefix}topology-sfu`;
  }

  sfuRooms(): Promise<string[]> {
    return this.redis.smembers(this.sfuKey);
  }

  async due(before: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.dueKey, '-inf', `(${before}`, 'LIMIT', 0, 100);
  }
}
