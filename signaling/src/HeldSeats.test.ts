import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryHeldSeats } from './HeldSeats.js';

describe('InMemoryHeldSeats', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('frees a held seat after the grace period unless it is taken back first, and only in its own room', async () => {
    const held = new InMemoryHeldSeats();
    const expired: string[] = [];
    await held.hold('a', 'room1', 1000, () => expired.push('a'));
    await held.hold('b', 'room1', 1000, () => expired.push('b'));
    expect(await held.take('a', 'room2')).toBe(false);
    expect(await held.take('a', 'room1')).toBe(true);
    expect(await held.take('a', 'room1')).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['b']);
  });

  it('holding again replaces the first timer; close forgets every seat without freeing it', async () => {
    const held = new InMemoryHeldSeats();
    const expired: string[] = [];
    await held.hold('a', 'room1', 1000, () => expired.push('first'));
    await held.hold('a', 'room1', 3000, () => expired.push('second'));
    vi.advanceTimersByTime(2000);
    expect(expired).toEqual([]);
    held.close();
    vi.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
    expect(await held.take('a', 'room1')).toBe(false);
  });
});
