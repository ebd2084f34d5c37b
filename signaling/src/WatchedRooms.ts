import type { Redis } from 'ioredis';
import type { Logger } from '@confer/shared';

/** Each server says which rooms it has viewers for this often... */
const REFRESH_MS = 1000;
/** ...and a room counts as watched for this long after its last server said so. */
const EXPIRE_MS = 5000;

/**
 * Which rooms have a dashboard viewer, anywhere: the dashboard's live updates (every participant's samples,
 * every outline) are sent for those only. In a cluster each update is a message to every server, and most
 * rooms have nobody watching. `settleMs` is how long a new viewer may take to be known to every server.
 */
export interface WatchedRooms {
  readonly settleMs: number;
  isWatched(roomId: string): boolean;
  /** This server's first viewer of `roomId` came, or its last one went. */
  setLocal(roomId: string, watched: boolean): void;
  close(): void;
}

/** One server: its own viewers are all there are. */
export class LocalWatchedRooms implements WatchedRooms {
  readonly settleMs: number = 0;
  protected readonly local = new Set<string>();

  isWatched(roomId: string): boolean {
    return this.local.has(roomId);
  }

  setLocal(roomId: string, watched: boolean): void {
    if (watched) this.local.add(roomId);
    else this.local.delete(roomId);
  }

  close(): void {}
}

/**
 * A cluster: every server adds its watched rooms to one sorted set (`watched`, by expiry) each second and
 * reads the set back in the same round trip. A server that dies stops refreshing; its rooms expire.
 */
export class RedisWatchedRooms extends LocalWatchedRooms {
  override readonly settleMs = 2 * REFRESH_MS;
  private cluster = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly prefix = 'confer:',
  ) {
    super();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  override isWatched(roomId: string): boolean {
    return this.local.has(roomId) || this.cluster.has(roomId);
  }

  override setLocal(roomId: string, watched: boolean): void {
    super.setLocal(roomId, watched);
    // The others hear of a new viewer at their next refresh rather than at ours as well.
    if (watched) void this.refresh();
  }

  private async refresh(): Promise<void> {
    const key = `${this.prefix}watched`;
    const now = Date.now();
    const batch = this.redis.pipeline();
    if (this.local.size > 0) batch.zadd(key, 'GT', ...[...this.local].flatMap((roomId) => [now + EXPIRE_MS, roomId]));
    batch.zremrangebyscore(key, '-inf', now).zrange(key, 0, -1);
    try {
      const replies = (await batch.exec()) ?? [];
      const [error, rooms] = replies.at(-1) ?? [null, []];
      if (error) throw error;
      this.cluster = new Set(rooms as string[]);
      this.failing = false;
    } catch (error) {
      // Redis down: the last known set stays (updates keep flowing to the rooms watched then).
      if (!this.failing) this.log.warn({ err: (error as Error).message }, 'watched rooms not refreshed; retrying');
      this.failing = true;
    }
  }

  override close(): void {
    clearInterval(this.timer);
  }
}
