import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryHeldSeats, type HeldSeats } from './HeldSeats.js';

describe('InMemoryHeldSeats', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const seats = () => {
    const held: HeldSeats = new InMemoryHeldSeats();
    const expired: string[] = [];
    held.onExpire((peerId, roomId) => expired.push(`${roomId}/${peerId}`));
    return { held, expired };
  };

  it('frees a held seat after the grace period unless it is taken back first, and only in its own room', async () => {
    const { held, expired } = seats();
    expect(await held.hold('a', 'room1', 1000)).toBe(true);
    await held.hold('b', 'room1', 1000);
    expect(await held.take('a', 'room2')).toBeNull();
    expect(await held.take('a', 'room1')).toBe('held');
    expect(await held.take('a', 'room1')).toBeNull();
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['room1/b']);
  });

  it('holding again replaces the first timer; a release or close forgets a seat without freeing it', async () => {
    const { held, expired } = seats();
    await held.hold('a', 'room1', 1000);
    await held.hold('a', 'room1', 3000);
    await held.hold('c', 'room1', 3000);
    vi.advanceTimersByTime(2000);
    expect(expired).toEqual([]);
    await held.release('c', 'room1');
    await held.close();
    vi.advanceTimersByTime(5000);
    expect(expired).toEqual([]);
    expect(await held.take('a', 'room1')).toBeNull();
  });
});
