import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts } from '@confer/shared';
import { KeyedLimits } from './KeyedLimits.js';

/** Tries per address and per room in any rolling window. */
export interface TryLimits {
  perAddress: number;
  perRoom: number;
  windowMs: number;
}

/** Which budget refused a password try; null: the try is spent from both. */
export type TryRefusal = 'address' | 'room' | null;

/**
 * Password tries, budgeted per address and per room over a rolling window. An address with none left is
 * refused without spending the room's budget (so one guesser cannot lock everyone else out alone).
 * In a cluster the budgets are shared: a guesser gets no more tries by spreading them over servers.
 */
export interface PasswordTries {
  take(address: string, roomId: string): Promise<TryRefusal>;
}

export class InMemoryPasswordTries implements PasswordTries {
  private readonly byAddress: KeyedLimits;
  private readonly byRoom: KeyedLimits;

  constructor(limits: TryLimits) {
    this.byAddress = new KeyedLimits(limits.perAddress, limits.windowMs);
    this.byRoom = new KeyedLimits(limits.perRoom, limits.windowMs);
  }

  async take(address: string, roomId: string): Promise<TryRefusal> {
    if (!this.byAddress.has(address)) return 'address';
    if (!this.byRoom.take(roomId)) return 'room';
    this.byAddress.take(address);
    return null;
  }
}

const SCRIPTS = {
  /**
   * Both budgets at once: a sorted set of try times per key, trimmed to the window, expiring with it (so an
   * attacker's keys do not outlive their minute). ARGV: now, window, address limit, room limit, a unique member.
   */
  confer_password_try: {
    numberOfKeys: 2,
    lua: `
      local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
      for _, key in ipairs(KEYS) do redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window) end
      if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end
      if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 2 end
      for _, key in ipairs(KEYS) do
        redis.call('ZADD', key, now, ARGV[5])
        redis.call('PEXPIRE', key, window)
      end
      return 0`,
  },
} as const;

export class RedisPasswordTries implements PasswordTries {
  private readonly scripts;

  constructor(
    redis: Redis,
    private readonly limits: TryLimits,
    private readonly prefix = 'confer:',
    private readonly now: () => number = Date.now,
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  async take(address: string, roomId: string): Promise<TryRefusal> {
    const { perAddress, perRoom, windowMs } = this.limits;
    const keys = [`${this.prefix}password-tries:address:${address}`, `${this.prefix}password-tries:room:${roomId}`];
    const answer = (await this.scripts.confer_password_try(...keys, this.now(), windowMs, perAddress, perRoom, randomUUID())) as number;
    return answer === 1 ? 'address' : answer === 2 ? 'room' : null;
  }
}
