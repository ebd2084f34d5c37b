import { describe, expect, it } from 'vitest';
import { initialTopology, nextTopology } from './topology.js';

const policy = { sfuFrom: 5, meshHoldMs: 8000 };

describe('nextTopology', () => {
  it('stays mesh up to 4 and moves to the SFU at 5', () => {
    let s = { ...initialTopology };
    for (const n of [1, 2, 3, 4]) {
      s = nextTopology(s, n, 0, policy);
      expect(s.topology).toBe('mesh');
    }
    expect(nextTopology(s, 5, 0, policy)).toEqual({ topology: 'sfu', belowSince: null, recheckAt: null });
  });

  it('goes back to mesh only after the room stayed below 5 for the hold time', () => {
    const sfu = nextTopology(initialTopology, 5, 0, policy);
    const dropped = nextTopology(sfu, 4, 1000, policy);
    expect(dropped).toEqual({ topology: 'sfu', belowSince: 1000, recheckAt: 9000 });
    expect(nextTopology(dropped, 4, 8999, policy).topology).toBe('sfu');
    expect(nextTopology(dropped, 3, 9000, policy)).toEqual({ topology: 'mesh', belowSince: null, recheckAt: null });
  });

  it('does not flap when someone reloads: a rejoin within the hold time keeps the SFU and resets the clock', () => {
    const sfu = nextTopology(initialTopology, 5, 0, policy);
    const left = nextTopology(sfu, 4, 1000, policy);
    const back = nextTopology(left, 5, 3000, policy);
    expect(back).toEqual({ topology: 'sfu', belowSince: null, recheckAt: null });
    const leftAgain = nextTopology(back, 4, 4000, policy);
    expect(leftAgain.recheckAt).toBe(12_000);
  });

  it('an empty room is mesh at once', () => {
    const sfu = nextTopology(initialTopology, 6, 0, policy);
    expect(nextTopology(sfu, 0, 1, policy).topology).toBe('mesh');
  });

  it('a threshold of 2 puts every call on the SFU', () => {
    expect(nextTopology(initialTopology, 2, 0, { sfuFrom: 2, meshHoldMs: 0 }).topology).toBe('sfu');
  });
});
