import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Topology } from '@confer/shared';
import { PathSwitcher, SCREEN_WAIT_MS, SWITCH_TIMEOUT_MS } from './PathSwitcher';

/** A room around the switcher: a roster, open paths, and a record of everything the switcher did. */
function room(peers: string[], opts: { sharing?: string[] } = {}) {
  const state = { roster: [...peers], mesh: new Set(peers), sfu: false, sharing: new Set(opts.sharing ?? []) };
  const did: string[] = [];
  const shown = new Map<string, string>();
  const screens = new Map<string, string | null>();
  const switcher = new PathSwitcher<string>({
    roster: () => state.roster,
    isSharing: (id) => state.sharing.has(id),
    meshPeers: () => [...state.mesh],
    sfuOpen: () => state.sfu,
    show: (id, path, stream) => shown.set(id, `${stream}@${path}`),
    showScreen: (id, screen) => screens.set(id, screen),
    tellPeer: (id, path) => did.push(`tell ${id} ${path}`),
    closeMesh: (ids) => ids.forEach((id) => state.mesh.delete(id) && did.push(`close mesh ${id}`)),
    closeSfu: () => {
      state.sfu = false;
      did.push('close sfu');
    },
    finished: (switchId) => did.push(`finished ${switchId}`),
    log: () => undefined,
  });
  return { state, did, shown, screens, switcher };
}

/** A room of A and B in mesh, already showing each other, switching to the SFU as switch `s1`. */
function meshToSfu() {
  const r = room(['A', 'B']);
  r.switcher.start('mesh');
  for (const id of ['A', 'B']) {
    r.switcher.mediaArrived(id, 'mesh', `${id}-mesh`);
    r.switcher.peerReceiving(id, 'mesh');
  }
  r.did.length = 0;
  r.state.sfu = true;
  r.switcher.begin('sfu', 's1');
  return r;
}

describe('PathSwitcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('mesh → SFU: a tile moves once its SFU media decodes; a mesh link closes only once both sides show each other via the SFU', () => {
    const { switcher, did, shown, state } = meshToSfu();
    switcher.mediaArrived('A', 'sfu', 'A-sfu');
    expect(shown.get('A')).toBe('A-sfu@sfu');
    expect(did).toEqual(['tell A sfu']);
    // A does not show us via the SFU yet: its mesh link stays.
    expect(state.mesh.has('A')).toBe(true);
    switcher.peerReceiving('A', 'sfu');
    expect(did).toEqual(['tell A sfu', 'close mesh A']);
    // B still only via mesh: the switch is not over.
    switcher.peerReceiving('B', 'sfu');
    expect(state.mesh.has('B')).toBe(true);
    switcher.mediaArrived('B', 'sfu', 'B-sfu');
    expect(did).toEqual(['tell A sfu', 'close mesh A', 'tell B sfu', 'close mesh B', 'finished s1']);
  });

  it('SFU → mesh: the SFU is left only once every pair shows each other via mesh', () => {
    const r = meshToSfu();
    for (const id of ['A', 'B']) {
      r.switcher.mediaArrived(id, 'sfu', `${id}-sfu`);
      r.switcher.peerReceiving(id, 'sfu');
    }
    r.did.length = 0;
    r.state.mesh = new Set(['A', 'B']);
    r.switcher.begin('mesh', 's2');
    r.switcher.mediaArrived('A', 'mesh', 'A-mesh2');
    r.switcher.peerReceiving('A', 'mesh');
    r.switcher.peerReceiving('B', 'mesh');
    expect(r.state.sfu).toBe(true);
    r.switcher.mediaArrived('B', 'mesh', 'B-mesh2');
    expect(r.did).toEqual(['tell A mesh', 'tell B mesh', 'close sfu', 'finished s2']);
    expect(r.state.mesh).toEqual(new Set(['A', 'B']));
  });

  it('a peer leaving mid-switch: its old path closes, and the switch finishes with those who stayed', () => {
    const { switcher, did, state } = meshToSfu();
    switcher.mediaArrived('A', 'sfu', 'A-sfu');
    switcher.peerReceiving('A', 'sfu');
    state.roster = ['A'];
    switcher.peerLeft('B');
    expect(did).toEqual(['tell A sfu', 'close mesh A', 'close mesh B', 'finished s1']);
    expect(state.mesh.size).toBe(0);
  });

  it('the timeout: after SWITCH_TIMEOUT_MS the old paths close and the switch is reported finished anyway', () => {
    const { switcher, did, state } = meshToSfu();
    switcher.mediaArrived('A', 'sfu', 'A-sfu');
    vi.advanceTimersByTime(SWITCH_TIMEOUT_MS - 1);
    expect(state.mesh.size).toBe(2);
    vi.advanceTimersByTime(1);
    expect(did).toEqual(['tell A sfu', 'close mesh A', 'close mesh B', 'finished s1']);
  });

  it("a second switch before the first finished: the first's deadline does not cut the second short", () => {
    const r = meshToSfu();
    r.switcher.mediaArrived('A', 'sfu', 'A-sfu');
    r.switcher.mediaArrived('B', 'sfu', 'B-sfu');
    // Both tiles moved (s1 finished here), but neither peer said it shows us via the SFU: mesh links stay.
    vi.advanceTimersByTime(10_000);
    r.did.length = 0;
    r.switcher.begin('mesh', 's2');
    // Where switch s1's deadline was: nothing may close now, the SFU carries every tile.
    vi.advanceTimersByTime(SWITCH_TIMEOUT_MS - 10_000);
    expect(r.did).toEqual([]);
    expect(r.state.sfu).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(r.did).toEqual(['close sfu', 'finished s2']);
  });

  it("a presenting peer's tile waits for its screen on the new path, at most SCREEN_WAIT_MS", () => {
    const r = room(['A'], { sharing: ['A'] });
    r.switcher.start('mesh');
    r.switcher.mediaArrived('A', 'mesh', 'A-mesh');
    r.switcher.screenArrived('A', 'mesh', 'A-screen-mesh');
    r.state.sfu = true;
    r.switcher.begin('sfu', 's1');
    r.switcher.mediaArrived('A', 'sfu', 'A-sfu');
    expect(r.shown.get('A')).toBe('A-mesh@mesh');
    r.switcher.screenArrived('A', 'sfu', 'A-screen-sfu');
    expect(r.shown.get('A')).toBe('A-sfu@sfu');
    expect(r.screens.get('A')).toBe('A-screen-sfu');

    // Without the screen arriving, the tile moves after SCREEN_WAIT_MS.
    r.switcher.begin('mesh', 's2');
    r.switcher.screenArrived('A', 'mesh', null);
    r.switcher.mediaArrived('A', 'mesh', 'A-mesh2');
    expect(r.shown.get('A')).toBe('A-sfu@sfu');
    vi.advanceTimersByTime(SCREEN_WAIT_MS);
    expect(r.shown.get('A')).toBe('A-mesh2@mesh');
    // Its screen stays the SFU's until the mesh one arrives.
    expect(r.screens.get('A')).toBe('A-screen-sfu');
  });

  it('a reset ends a switch under way without a report and forgets every peer', () => {
    const { switcher, did, shown } = meshToSfu();
    switcher.reset();
    expect(did).toEqual(['finished null']);
    expect(switcher.shown('A')).toBeUndefined();
    vi.advanceTimersByTime(SWITCH_TIMEOUT_MS);
    expect(did).toEqual(['finished null']);
    expect(shown.size).toBe(2);
  });

  it.each<Topology>(['mesh', 'sfu'])('a fresh start on %s switches nothing', (topology) => {
    const { switcher, did } = room(['A']);
    switcher.start(topology);
    switcher.mediaArrived('A', topology, 'A');
    expect(did).toEqual([`tell A ${topology}`]);
    expect(switcher.topology).toBe(topology);
  });
});
