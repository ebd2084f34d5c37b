/**
 * A per-connection budget: at most `limit` units in any rolling `windowMs`. Pure (clock injected) so the
 * limits can be tested without waiting; one instance per socket and kind of request.
 */
export class RateWindow {
  private readonly hits: { at: number; n: number }[] = [];
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends `n` units if they fit in the window; otherwise spends nothing and returns false. */
  take(n = 1): boolean {
    if (this.available() < n) return false;
    this.hits.push({ at: this.now(), n });
    this.used += n;
    return true;
  }

  /** Units that could be spent now. */
  available(): number {
    const now = this.now();
    while (this.hits.length > 0 && this.hits[0]!.at <= now - this.windowMs) this.used -= this.hits.shift()!.n;
    return this.limit - this.used;
  }
}
