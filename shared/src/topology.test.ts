import { describe, expect, it } from 'vitest';
import { initialTopology, nextStandby, nextTopology, sfuReason, type RoomLoad } from './topology.js';

const policy = { sfuFrom: 5, meshHoldMs: 8000, sfuFromSharing: 0, standby: true };
const n = (participants: number, sharing = 0, strained = 0): RoomLoad => ({ participants, sharing, strained });

describe('nextTopology', () => {
  it('stays mesh up to 4 and moves to the SFU at 5', () => {
    let s = { ...initialTopology };
    for (const count of [1, 2, 3, 4]) {
      s = nextTopology(s, n(count), 0, policy);
      expect(s.topology).toBe('mesh');
    }
    expect(nextTopology(s, n(5), 0, policy)).toEqual({ topology: 'sfu', belowSince: null, strainedAt: null, reason: 'participants', recheckAt: null });
  });

  it('goes back to mesh only after the room stayed below 5 for the hold time', () => {
    const sfu = nextTopology(initialTopology, n(5), 0, policy);
    const dropped = nextTopology(sfu, n(4), 1000, policy);
    expect(dropped).toEqual({ topology: 'sfu', belowSince: 1000, strainedAt: null, reason: 'below-threshold', recheckAt: 9000 });
    expect(nextTopology(dropped, n(4), 8999, policy).topology).toBe('sfu');
    expect(nextTopology(dropped, n(3), 9000, policy)).toEqual({ topology: 'mesh', belowSince: null, strainedAt: null, reason: 'below-threshold', recheckAt: null });
  });

  it('does not flap when someone reloads: a rejoin within the hold time keeps the SFU and resets the clock', () => {
    const sfu = nextTopology(initialTopology, n(5), 0, policy);
    const left = nextTopology(sfu, n(4), 1000, policy);
    const back = nextTopology(left, n(5), 3000, policy);
    expect(back).toEqual({ topology: 'sfu', belowSince: null, strainedAt: null, reason: 'participants', recheckAt: null });
    expect(nextTopology(back, n(4), 4000, policy).recheckAt).toBe(12_000);
  });

  it('an empty room is mesh at once', () => {
    const sfu = nextTopology(initialTopology, n(6), 0, policy);
    expect(nextTopology(sfu, n(0), 1, policy).topology).toBe('mesh');
  });

  it('a threshold of 2 puts every call on the SFU', () => {
    expect(nextTopology(initialTopology, n(2), 0, { ...policy, sfuFrom: 2, meshHoldMs: 0 }).topology).toBe('sfu');
  });
});

describe('a screen share moves a room to the SFU earlier', () => {
  const sharing = { ...policy, sfuFromSharing: 3 };

  it('from sfuFromSharing participants when someone shares, never below it, and not at all when it is 0', () => {
    expect(sfuReason(n(2, 1), sharing)).toBeNull();
    expect(sfuReason(n(3, 0), sharing)).toBeNull();
    expect(sfuReason(n(3, 1), sharing)).toBe('screen-share');
    expect(sfuReason(n(3, 2), policy)).toBeNull();
    // Size says it first when both hold.
    expect(sfuReason(n(5, 1), sharing)).toBe('participants');
  });

  it('stays on the SFU for the hold time after the share stops, then goes back to mesh', () => {
    const shared = nextTopology(initialTopology, n(3, 1), 0, sharing);
    expect(shared).toMatchObject({ topology: 'sfu', reason: 'screen-share' });
    const stopped = nextTopology(shared, n(3, 0), 1000, sharing);
    expect(stopped).toMatchObject({ topology: 'sfu', belowSince: 1000, recheckAt: 9000 });
    // Sharing again within the hold time keeps the SFU and resets the clock.
    expect(nextTopology(stopped, n(3, 1), 2000, sharing)).toMatchObject({ topology: 'sfu', belowSince: null, strainedAt: null, reason: 'screen-share' });
    expect(nextTopology(stopped, n(3, 0), 9000, sharing)).toMatchObject({ topology: 'mesh', reason: 'below-threshold' });
  });
});

describe('a mesh that holds its senders back moves the room to the SFU', () => {
  it('from 3 participants (a pair sends each stream once either way), with its own reason', () => {
    expect(nextTopology(initialTopology, n(2, 0, 2), 0, policy)).toMatchObject({ topology: 'mesh', strainedAt: null });
    expect(nextTopology(initialTopology, n(3, 0, 1), 0, policy)).toEqual({ topology: 'sfu', belowSince: null, strainedAt: 3, reason: 'strain', recheckAt: null });
    // Size and a share say it first when they hold.
    expect(nextTopology(initialTopology, n(5, 0, 1), 0, policy).reason).toBe('participants');
    expect(nextTopology(initialTopology, n(3, 1, 1), 0, { ...policy, sfuFromSharing: 3 }).reason).toBe('screen-share');
  });

  it('stays on the SFU while the room is as big as when the mesh strained (the SFU cannot see mesh strain), and tries the mesh again once someone leaves', () => {
    const moved = nextTopology(initialTopology, n(4, 0, 1), 0, policy);
    // On the SFU nobody reports mesh strain any more: the room stays.
    const calm = nextTopology(moved, n(4), 60_000, policy);
    expect(calm).toMatchObject({ topology: 'sfu', strainedAt: 4, reason: 'strain', recheckAt: null });
    // Someone leaves: back to mesh after the hold time, as for any other reason.
    const smaller = nextTopology(calm, n(3), 61_000, policy);
    expect(smaller).toMatchObject({ topology: 'sfu', strainedAt: null, belowSince: 61_000, recheckAt: 69_000 });
    expect(nextTopology(smaller, n(3), 69_000, policy)).toMatchObject({ topology: 'mesh', strainedAt: null });
    // A newcomer brings it back to the size that strained: still the mesh until it strains again.
    expect(nextTopology({ ...smaller, topology: 'mesh', belowSince: null }, n(4), 70_000, policy).topology).toBe('mesh');
  });
});

describe('warm standby', () => {
  const off = { standby: false, belowSince: null };

  it('starts one participant short of the SFU (never for one alone), and not at all when turned off', () => {
    expect(nextStandby(off, 3, 0, policy).standby).toBe(false);
    expect(nextStandby(off, 4, 0, policy)).toEqual({ standby: true, belowSince: null, recheckAt: null });
    expect(nextStandby(off, 5, 0, policy).standby).toBe(true);
    expect(nextStandby(off, 4, 0, { ...policy, standby: false }).standby).toBe(false);
    expect(nextStandby(off, 1, 0, { ...policy, sfuFrom: 2 }).standby).toBe(false);
    expect(nextStandby(off, 2, 0, { ...policy, sfuFrom: 2 }).standby).toBe(true);
  });

  it('ends after the hold time below that size; a rejoin within it keeps it', () => {
    const on = nextStandby(off, 4, 0, policy);
    const left = nextStandby(on, 3, 1000, policy);
    expect(left).toEqual({ standby: true, belowSince: 1000, recheckAt: 9000 });
    expect(nextStandby(left, 4, 5000, policy)).toEqual({ standby: true, belowSince: null, recheckAt: null });
    expect(nextStandby(left, 3, 8999, policy).standby).toBe(true);
    expect(nextStandby(left, 3, 9000, policy)).toEqual({ standby: false, belowSince: null, recheckAt: null });
    expect(nextStandby(left, 0, 1001, policy).standby).toBe(false);
  });
});
