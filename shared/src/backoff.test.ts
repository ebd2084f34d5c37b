import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, and jitters within ±jitter', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, { initialMs: 100, maxMs: 500 }))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelay(1, { initialMs: 100, maxMs: 500, jitter: 0.5 }, () => 0)).toBe(100);
    expect(backoffDelay(1, { initialMs: 100, maxMs: 500, jitter: 0.5 }, () => 0.5)).toBe(200);
    expect(backoffDelay(-3, { initialMs: 100, maxMs: 500 })).toBe(100);
  });
});
