import type { Redis } from 'ioredis';
import { defineScripts, STATS_HISTORY_SAMPLES, type ScoredSample, type SfuStatsSample } from '@confer/shared';
import {
  HISTORY_BYTES_PER_PEER,
  HISTORY_BYTES_SFU,
  newestWithin,
  SNAPSHOT_BYTES_PER_PEER,
  SNAPSHOT_BYTES_SFU,
  type Entry,
  type HistorySnapshot,
  type LatestStats,
  type StatsHistory,
} from './StatsHistory.js';

/** A room nobody reports in any more (its servers died before it emptied) loses its history after this. */
export const HISTORY_TTL_MS = 10 * 60_000;

const SCRIPTS = {
  /**
   * Appends ARGV[5..] to the series' list KEYS[1], then drops its oldest entries while it holds more than
   * ARGV[1] entries or ARGV[2] bytes (KEYS[2] counts them), always keeping the newest. Names the series in
   * the room's set KEYS[3]; everything expires ARGV[3] ms after the last write.
   */
  confer_stats_push: {
    numberOfKeys: 3,
    lua: `
      local maxCount, maxBytes, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
      local bytes = tonumber(redis.call('GET', KEYS[2]) or '0')
      for i = 5, #ARGV do
        redis.call('RPUSH', KEYS[1], ARGV[i])
        bytes = bytes + string.len(ARGV[i])
      end
      local n = redis.call('LLEN', KEYS[1])
      while n > 1 and (n > maxCount or bytes > maxBytes) do
        bytes = bytes - string.len(redis.call('LPOP', KEYS[1]))
        n = n - 1
      end
      redis.call('SET', KEYS[2], bytes, 'PX', ttl)
      redis.call('PEXPIRE', KEYS[1], ttl)
      redis.call('SADD', KEYS[3], ARGV[4])
      redis.call('PEXPIRE', KEYS[3], ttl)
      return n`,
  },
} as const;

const SFU = 'sfu';
const peerSeries = (peerId: string) => `peer:${peerId}`;

/** The cluster's dashboard history: one capped list per participant and one for the SFU, per room. */
export class RedisStatsHistory implements StatsHistory {
  private readonly scripts;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  private seriesSet(roomId: string): string {
    return `${this.prefix}room:${roomId}:stats`;
  }

  private keys(roomId: string, series: string): [list: string, bytes: string] {
    const key = `${this.prefix}room:${roomId}:stats:${series}`;
    return [key, `${key}:bytes`];
  }

  private async push(roomId: string, series: string, values: unknown[], maxBytes: number): Promise<void> {
    if (values.length === 0) return;
    await this.scripts.confer_stats_push(...this.keys(roomId, series), this.seriesSet(roomId), STATS_HISTORY_SAMPLES, maxBytes, HISTORY_TTL_MS, series, ...values.map((v) => JSON.stringify(v)));
  }

  addSamples(roomId: string, peerId: string, samples: ScoredSample[]): Promise<void> {
    return this.push(roomId, peerSeries(peerId), samples, HISTORY_BYTES_PER_PEER);
  }

  addSfu(roomId: string, sample: SfuStatsSample): Promise<void> {
    return this.push(roomId, SFU, [sample], HISTORY_BYTES_SFU);
  }

  /** Each series' entries in one round trip: all of them, or only the newest. */
  private async read(roomId: string, series: string[], newestOnly: boolean): Promise<Entry<unknown>[][]> {
    const pipeline = this.redis.pipeline();
    for (const s of series) pipeline.lrange(this.keys(roomId, s)[0], newestOnly ? -1 : 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return (reply as string[]).map((json) => ({ value: JSON.parse(json) as unknown, bytes: Buffer.byteLength(json) }));
    });
  }

  async snapshot(roomId: string, peerIds: string[]): Promise<HistorySnapshot> {
    const [sfu = [], ...peers] = await this.read(roomId, [SFU, ...peerIds.map(peerSeries)], false);
    const samples: Record<string, ScoredSample[]> = {};
    peerIds.forEach((peerId, i) => {
      const history = peers[i] as Entry<ScoredSample>[];
      if (history.length > 0) samples[peerId] = newestWithin(history, SNAPSHOT_BYTES_PER_PEER);
    });
    return { samples, sfu: newestWithin(sfu as Entry<SfuStatsSample>[], SNAPSHOT_BYTES_SFU) };
  }

  async latest(roomId: string, peerIds: string[]): Promise<LatestStats> {
    const [sfu = [], ...peers] = await this.read(roomId, [SFU, ...peerIds.map(peerSeries)], true);
    return { samples: peers.flatMap((h) => h.map((e) => e.value as ScoredSample)), sfu: (sfu[0]?.value as SfuStatsSample | undefined) ?? null };
  }

  async keepOnly(roomId: string, peerIds: string[]): Promise<void> {
    const set = this.seriesSet(roomId);
    const kept = new Set(peerIds.map(peerSeries));
    const gone = (await this.redis.smembers(set)).filter((s) => !kept.has(s) && (s !== SFU || peerIds.length === 0));
    if (gone.length === 0) return;
    const multi = this.redis.multi().srem(set, ...gone);
    for (const s of gone) multi.del(...this.keys(roomId, s));
    await multi.exec();
  }
}
