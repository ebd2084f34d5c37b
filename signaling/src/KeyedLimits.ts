import { RateWindow } from '@confer/shared';

/**
 * One rate limit per key (a client address, a room): at most `limit` in any rolling `windowMs`. The keys
 * come from the internet, so at most `maxKeys` are remembered; the least recently used is forgotten first,
 * which at worst gives a forgotten key a fresh budget.
 */
export class KeyedLimits {
  private readonly windows = new Map<string, RateWindow>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends one for `key`; false (nothing spent) when its budget is used up. */
  take(key: string): boolean {
    let window = this.windows.get(key);
    if (window) this.windows.delete(key);
    else window = new RateWindow(this.limit, this.windowMs, this.now);
    this.windows.set(key, window);
    if (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    return window.take();
  }

  /** Whether `key` could spend one now, without spending it. */
  has(key: string): boolean {
    const window = this.windows.get(key);
    return !window || window.available() > 0;
  }
}

/** Connections open at once per key (client address), counted up on connect and down on disconnect. */
export class OpenCounts {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Counts one more for `key` unless it already has `limit` open. */
  open1(key: string): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.open.set(key, n + 1);
    return true;
  }

  close1(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }
}
