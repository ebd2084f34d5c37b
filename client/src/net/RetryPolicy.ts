import { backoffDelay, type Backoff, type ErrorCode } from '@confer/shared';

/**
 * When to try again: the wait before retry `attempt` (0-based: the first retry is 0) after a failure with
 * `error`, or null to give up. One small injectable interface for every retry loop of the client (rejoin,
 * SFU set-up, mesh relink), in the spirit of LiveKit's ReconnectPolicy.
 */
export interface RetryPolicy {
  nextDelayMs(attempt: number, error?: ErrorCode): number | null;
}

export interface BackoffPolicyOptions {
  /** Errors not worth retrying (the policy gives up on them); every error is retried when omitted. */
  retryOn?: ReadonlySet<ErrorCode>;
  /** Jitter source, for tests. */
  random?: () => number;
}

/** Exponential backoff (shared/backoff.ts) that never runs out of attempts, giving up only on a final error. */
export function backoffPolicy(backoff: Backoff, { retryOn, random = Math.random }: BackoffPolicyOptions = {}): RetryPolicy {
  return {
    nextDelayMs: (attempt, error) => (error !== undefined && retryOn && !retryOn.has(error) ? null : backoffDelay(attempt, backoff, random)),
  };
}

/** Join refusals that pass (a server starting or busy): a rejoin waits and tries again; any other is final. */
const PASSING: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL']);
/** Rejoins and SFU set-ups retry after 0.5 s, 1 s, 2 s … capped at 8 s, each ±50 %. */
const RETRY_BACKOFF: Backoff = { initialMs: 500, maxMs: 8000, jitter: 0.5 };

/** The client's retry loops and their policies (RoomClient takes others, e.g. in tests). */
export interface RetryPolicies {
  rejoin: RetryPolicy;
  sfuSetup: RetryPolicy;
  /** Mesh relinks: 1 s, 2 s, 4 s, … up to 30 s, for as long as the peer is in the room. */
  relink: RetryPolicy;
}

export const defaultRetryPolicies = (random: () => number = Math.random): RetryPolicies => ({
  rejoin: backoffPolicy(RETRY_BACKOFF, { retryOn: PASSING, random }),
  sfuSetup: backoffPolicy(RETRY_BACKOFF, { random }),
  relink: backoffPolicy({ initialMs: 1000, maxMs: 30_000 }, { random }),
});
