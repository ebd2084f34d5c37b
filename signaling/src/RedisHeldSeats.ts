import type { Redis } from 'ioredis';
import { defineScripts, type Logger } from '@confer/shared';
import type { HeldSeats } from './HeldSeats.js';
import type { ClusterView } from './ServerContext.js';

/** A server announces itself this often... */
const HEARTBEAT_MS = 2000;
/** ...and counts as gone after this long without: its seats are then held as if their connections dropped. */
const GONE_AFTER_MS = 5000;
/** Held seats are checked for their deadline (and silent servers looked for) this often, by every server. */
const SWEEP_MS = 1000;
/** Expired seats one sweep hands out at most (the rest go on the next). */
const SWEEP_BATCH = 100;

/**
 * Keys: `seats:<server>` (a set of the seats live on it), `held` (a sorted set of held seats by deadline),
 * `servers` (the set of servers), `alive:<server>` (present while that server announces itself). A seat is
 * "<roomId> <peerId>". Every move between them is one script, so exactly one server takes or expires a seat.
 */
const SCRIPTS = {
  /** A seat live here (ARGV[2] 'SADD') or gone (ARGV[2] 'SREM'): either way, no longer held. */
  confer_seat_mark: {
    numberOfKeys: 2,
    lua: `
      redis.call(ARGV[2], KEYS[1], ARGV[1])
      redis.call('ZREM', KEYS[2], ARGV[1])
      return 1`,
  },
  /** {1 if the seat is live here, else 0; 1 if it is held, else 0}. */
  confer_seat_owns: {
    numberOfKeys: 2,
    lua: `return {redis.call('SISMEMBER', KEYS[1], ARGV[1]), redis.call('ZSCORE', KEYS[2], ARGV[1]) and 1 or 0}`,
  },
  confer_seat_hold: {
    numberOfKeys: 2,
    lua: `
      if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return 0 end
      redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
      return 1`,
  },
  confer_seat_take: {
    numberOfKeys: 3,
    lua: `
      if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
        redis.call('SADD', KEYS[2], ARGV[1])
        return 'held'
      end
      for _, server in ipairs(redis.call('SMEMBERS', KEYS[3])) do
        if server ~= ARGV[2] and redis.call('SREM', ARGV[3] .. 'seats:' .. server, ARGV[1]) == 1 then
          redis.call('SADD', KEYS[2], ARGV[1])
          return 'elsewhere'
        end
      end
      return false`,
  },
  /** Servers gone silent: their seats become held until ARGV[3]. Then hands out (removes) the seats past their deadline. */
  confer_seat_sweep: {
    numberOfKeys: 2,
    lua: `
      for _, server in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        if redis.call('EXISTS', ARGV[2] .. 'alive:' .. server) == 0 then
          local seats = ARGV[2] .. 'seats:' .. server
          for _, seat in ipairs(redis.call('SMEMBERS', seats)) do redis.call('ZADD', KEYS[1], ARGV[3], seat) end
          redis.call('DEL', seats)
          redis.call('SREM', KEYS[2], server)
        end
      end
      local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
      if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
      return due`,
  },
  /** Back after being taken for gone (a stall): the seats still held that are live here are this server's again. */
  confer_seat_reclaim: {
    numberOfKeys: 2,
    lua: `
      local back = 0
      for i = 1, #ARGV do
        if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
          redis.call('SADD', KEYS[2], ARGV[i])
          back = back + 1
        end
      end
      return back`,
  },
  /** This server stops: its seats are held until ARGV[1], for the others to take or expire. */
  confer_seat_abandon: {
    numberOfKeys: 4,
    lua: `
      for _, seat in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('ZADD', KEYS[2], ARGV[1], seat) end
      redis.call('DEL', KEYS[1], KEYS[4])
      redis.call('SREM', KEYS[3], ARGV[2])
      return 0`,
  },
} as const;

/** Seats of a cluster in Redis: which server holds each live one, the held ones, and the servers' liveness. */
export class RedisHeldSeats implements HeldSeats, ClusterView {
  private readonly scripts;
  private expire: (peerId: string, roomId: string) => void = () => undefined;
  private readonly timers: NodeJS.Timeout[];
  private failing = false;
  /** The seats live here, as this server knows them: reclaimed if the others took it for gone. */
  private readonly live = new Set<string>();

  constructor(
    private readonly redis: Redis,
    readonly serverId: string,
    /** How long the seats of a server that died (or stopped) are held for their peers to come back. */
    private readonly graceMs: number,
    private readonly log: Logger,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
    void this.announce();
    this.timers = [setInterval(() => void this.announce(), HEARTBEAT_MS), setInterval(() => void this.sweep(), SWEEP_MS)];
    for (const timer of this.timers) timer.unref();
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  private get mine(): string {
    return this.key(`seats:${this.serverId}`);
  }

  /** Redis down: said once, then quiet until it answers again (the calls in progress keep their media). */
  private async guarded(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.log.warn({ err: (error as Error).message }, `held seats: ${what} failed; retrying`);
      this.failing = true;
    }
  }

  private announce(): Promise<void> {
    return this.guarded('heartbeat', async () => {
      const replies = await this.redis.multi().sadd(this.key('servers'), this.serverId).set(this.key(`alive:${this.serverId}`), '1', 'PX', GONE_AFTER_MS).exec();
      // Added anew: the others had taken this server for gone (or Redis lost the set) and may be expiring its seats.
      const readded = replies?.[0]?.[1] === 1;
      if (readded && this.live.size > 0) {
        const back = await this.scripts.confer_seat_reclaim(this.key('held'), this.mine, ...this.live);
        this.log.warn({ reclaimed: back, live: this.live.size }, 'taken for gone by the cluster: seats reclaimed');
      }
    });
  }

  private sweep(): Promise<void> {
    return this.guarded('sweep', async () => {
      const now = Date.now();
      const due = await this.scripts.confer_seat_sweep(this.key('held'), this.key('servers'), now, this.prefix, now + this.graceMs, SWEEP_BATCH);
      for (const seat of Array.isArray(due) ? due : []) {
        const [roomId, peerId] = String(seat).split(' ');
        if (roomId && peerId) this.expire(peerId, roomId);
      }
    });
  }

  /** The servers announcing themselves (a silent one drops out once a sweep notices it). */
  async servers(): Promise<string[]> {
    return (await this.redis.smembers(this.key('servers'))).sort();
  }

  onExpire(expire: (peerId: string, roomId: string) => void): void {
    this.expire = expire;
  }

  async seated(peerId: string, roomId: string): Promise<void> {
    this.live.add(`${roomId} ${peerId}`);
    await this.scripts.confer_seat_mark(this.mine, this.key('held'), `${roomId} ${peerId}`, 'SADD');
  }

  async owns(peerId: string, roomId: string): Promise<boolean> {
    const seat = `${roomId} ${peerId}`;
    const [ours, held] = (await this.scripts.confer_seat_owns(this.mine, this.key('held'), seat)) as [number, number];
    // Neither ours nor held: taken over by another server, so not to reclaim (held: we were taken for gone).
    if (ours !== 1 && held !== 1) this.live.delete(seat);
    return ours === 1;
  }

  async hold(peerId: string, roomId: string, graceMs: number): Promise<boolean> {
    this.live.delete(`${roomId} ${peerId}`);
    return (await this.scripts.confer_seat_hold(this.mine, this.key('held'), `${roomId} ${peerId}`, Date.now() + graceMs)) === 1;
  }

  async take(peerId: string, roomId: string): Promise<'held' | 'elsewhere' | null> {
    const taken = await this.scripts.confer_seat_take(this.key('held'), this.mine, this.key('servers'), `${roomId} ${peerId}`, this.serverId, this.prefix);
    return taken === 'held' || taken === 'elsewhere' ? taken : null;
  }

  async release(peerId: string, roomId: string): Promise<void> {
    this.live.delete(`${roomId} ${peerId}`);
    await this.scripts.confer_seat_mark(this.mine, this.key('held'), `${roomId} ${peerId}`, 'SREM');
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.guarded('handing over on shutdown', () =>
      this.scripts.confer_seat_abandon(this.mine, this.key('held'), this.key('servers'), this.key(`alive:${this.serverId}`), Date.now() + this.graceMs, this.serverId),
    );
  }
}
