import type { Redis } from 'ioredis';
import { defineScripts, KeyedQueue } from '@confer/shared';
import { topologyRecordSchema, type TopologyRecord, type TopologyStore } from './TopologyStore.js';

/** Concurrent updates of one room from other servers are retried on the newer record at most this often. */
const MAX_ATTEMPTS = 50;

const SCRIPTS = {
  /**
   * Writes the room's record (or deletes it when ARGV[2] is empty), its due time and whether it is on the SFU
   * (ARGV[5], the set KEYS[3]), only while the record is still the one the update read (ARGV[1], '' for none).
   * Returns 1, or 0 when another server wrote it meanwhile (nothing is written).
   */
  confer_topology_commit: {
    numberOfKeys: 3,
    lua: `
      if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
      if ARGV[2] == '' then
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[4])
      else
        redis.call('SET', KEYS[1], ARGV[2])
        if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[4]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) end
      end
      if ARGV[5] == 'sfu' then redis.call('SADD', KEYS[3], ARGV[4]) else redis.call('SREM', KEYS[3], ARGV[4]) end
      return 1`,
  },
} as const;

const parseRecord = (json: string | null): TopologyRecord | null => (json === null ? null : topologyRecordSchema.parse(JSON.parse(json)));

export class TopologyConflictError extends Error {
  override name = 'TopologyConflictError';
}

/**
 * Room topologies in Redis, updated optimistically: an update reads the record, computes the next one, and
 * writes it only if the record is still the one it read (one script compares and writes); otherwise it runs
 * again on the newer record. So two evaluations never both start a switch, and nothing is locked: an update
 * that changes nothing (most joins) writes nothing. Rooms with something due are indexed by time, so any
 * server can take over the timers of one that died.
 */
export class RedisTopologyStore implements TopologyStore {
  private readonly scripts;
  /** This server's own updates of a room queue here rather than conflict in Redis. */
  private readonly local = new KeyedQueue();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  private recordKey(roomId: string): string {
    return `${this.prefix}room:${roomId}:topology`;
  }

  /** Rooms by the time something is due in them. */
  private get dueKey(): string {
    return `${this.prefix}topology-due`;
  }

  async get(roomId: string): Promise<TopologyRecord | null> {
    return parseRecord(await this.redis.get(this.recordKey(roomId)));
  }

  /** `fn` may run more than once (another server's write came first); only its last run's record is kept. */
  update<T>(roomId: string, fn: (record: TopologyRecord | null) => Promise<[TopologyRecord | null, T]>): Promise<T> {
    return this.local.run(roomId, async () => {
      const key = this.recordKey(roomId);
      for (let attempt = 1; ; attempt++) {
        const read = await this.redis.get(key);
        const [next, result] = await fn(parseRecord(read));
        const written = next ? JSON.stringify(next) : null;
        if (written === read) return result;
        const reply = await this.scripts.confer_topology_commit(key, this.dueKey, this.sfuKey, read ?? '', written ?? '', next?.dueAt ?? '', roomId, next?.topology ?? '');
        if (reply === 1) return result;
        if (attempt === MAX_ATTEMPTS) throw new TopologyConflictError(`room ${roomId}'s topology changed under ${MAX_ATTEMPTS} updates in a row; nothing was written`);
      }
    });
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
