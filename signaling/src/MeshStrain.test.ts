import { describe, expect, it } from 'vitest';
import { isStrained, MeshStrain } from './MeshStrain.js';
import { sendingSample } from '../test-support/samples.js';

describe('MeshStrain', () => {
  it('counts a mesh camera held back by CPU or bandwidth, not one that is not, nor one on the SFU', () => {
    expect(isStrained(sendingSample('b', 'cpu'))).toBe(true);
    expect(isStrained(sendingSample('b', 'bandwidth'))).toBe(true);
    expect(isStrained(sendingSample('b', 'none'))).toBe(false);
    expect(isStrained(sendingSample('b', 'other'))).toBe(false);
    const viaSfu = sendingSample('b', 'cpu');
    viaSfu.streams[0]!.path = 'sfu';
    expect(isStrained(viaSfu)).toBe(false);
  });

  it('says so once, when a participant has been strained in every sample for strainMs; a good sample starts over', () => {
    const strain = new MeshStrain(10_000);
    expect(strain.observe('r', 'a', sendingSample('b', 'cpu'), 0)).toBe(false);
    expect(strain.observe('r', 'a', sendingSample('b', 'cpu'), 9_000)).toBe(false);
    expect(strain.count('r', 9_000)).toBe(0);
    // A brief recovery (the bandwidth estimate ramping up, say) restarts the clock.
    expect(strain.observe('r', 'a', sendingSample('b', 'none'), 9_500)).toBe(false);
    expect(strain.observe('r', 'a', sendingSample('b', 'bandwidth'), 10_000)).toBe(false);
    expect(strain.observe('r', 'a', sendingSample('b', 'bandwidth'), 19_999)).toBe(false);
    expect(strain.observe('r', 'a', sendingSample('b', 'bandwidth'), 20_000)).toBe(true);
    expect(strain.observe('r', 'a', sendingSample('b', 'bandwidth'), 21_000)).toBe(false);
    expect(strain.count('r', 21_000)).toBe(1);
    expect(strain.count('other', 21_000)).toBe(0);
  });

  it('forgets who leaves, and keeps nothing for rooms nobody is strained in', () => {
    const strain = new MeshStrain(1000);
    strain.observe('r', 'a', sendingSample('b', 'cpu'), 0);
    strain.observe('r', 'b', sendingSample('a', 'cpu'), 0);
    strain.forget('r', 'a');
    expect(strain.count('r', 5000)).toBe(1);
    strain.observe('r', 'b', sendingSample('a', 'none'), 5000);
    expect(strain.count('r', 5000)).toBe(0);
    expect((strain as unknown as { rooms: Map<string, unknown> }).rooms.size).toBe(0);
  });

  it('does nothing when turned off (0)', () => {
    const strain = new MeshStrain(0);
    expect(strain.observe('r', 'a', sendingSample('b', 'cpu'), 0)).toBe(false);
    expect(strain.observe('r', 'a', sendingSample('b', 'cpu'), 60_000)).toBe(false);
    expect(strain.count('r', 60_000)).toBe(0);
  });
});
