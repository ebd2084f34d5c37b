/** An exponential backoff: `initialMs` doubling per attempt up to `maxMs`, optionally jittered by ±`jitter` (0–1). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  jitter?: number;
}

/**
 * The wait before retry `attempt` (0-based). One rule for every retry loop (rejoins, SFU set-ups, mesh
 * relinks, coturn restarts); jitter keeps many clients from retrying at the same instant.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs, jitter = 0 }: Backoff, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  return jitter === 0 ? base : base * (1 - jitter + 2 * jitter * random());
}
