import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MEDIA_WAIT_MS, waitUntilDecoding, type DecodeCounters } from './decodeWaiter';

describe('waitUntilDecoding', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Counters that the test moves on; a wait whose outcome is read once it settles. */
  function setUp(expectVideo: boolean) {
    const counters: DecodeCounters = { framesDecoded: 0, audioPacketsReceived: 0 };
    let alive = true;
    let outcome: boolean | undefined;
    void waitUntilDecoding(async () => ({ ...counters }), { expectVideo: () => expectVideo, alive: () => alive }).then((o) => (outcome = o));
    return { counters, stop: () => (alive = false), outcome: () => outcome };
  }

  it.each([
    { video: true, waitedFor: 'framesDecoded', notEnough: 'audioPacketsReceived' },
    { video: false, waitedFor: 'audioPacketsReceived', notEnough: 'framesDecoded' },
  ] as const)('a peer with video $video: waits for $waitedFor, whatever $notEnough says', async ({ video, waitedFor, notEnough }) => {
    const w = setUp(video);
    w.counters[notEnough] = video ? 50 : 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.outcome()).toBeUndefined();
    w.counters[waitedFor] = 1;
    await vi.advanceTimersByTimeAsync(200);
    expect(w.outcome()).toBe(true);
  });

  it('ends with false once nothing waits any more, and with true at the deadline', async () => {
    const gone = setUp(true);
    const late = setUp(true);
    await vi.advanceTimersByTimeAsync(1000);
    gone.stop();
    await vi.advanceTimersByTimeAsync(200);
    expect(gone.outcome()).toBe(false);
    await vi.advanceTimersByTimeAsync(MEDIA_WAIT_MS - 1400);
    expect(late.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(400);
    expect(late.outcome()).toBe(true);
  });
});
