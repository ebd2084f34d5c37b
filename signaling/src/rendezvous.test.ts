import { describe, expect, it } from 'vitest';
import { ownerOf } from './rendezvous.js';

const rooms = Array.from({ length: 300 }, (_, i) => `room-${i}`);

describe('ownerOf (rendezvous hashing)', () => {
  it('gives each key one owner, the same whatever the order of the list, and none of an empty list', () => {
    expect(ownerOf('r', [])).toBeNull();
    for (const room of rooms.slice(0, 20)) expect(ownerOf(room, ['a', 'b', 'c'])).toBe(ownerOf(room, ['c', 'a', 'b']));
  });

  it('spreads keys over the servers, and a server leaving moves only its own keys', () => {
    const three = ['s1', 's2', 's3'];
    const counts = new Map<string, number>();
    for (const room of rooms) counts.set(ownerOf(room, three)!, (counts.get(ownerOf(room, three)!) ?? 0) + 1);
    for (const server of three) expect(counts.get(server)).toBeGreaterThan(60);
    for (const room of rooms) {
      const before = ownerOf(room, three);
      if (before !== 's3') expect(ownerOf(room, ['s1', 's2'])).toBe(before);
    }
  });
});
