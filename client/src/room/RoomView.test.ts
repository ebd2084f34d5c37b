import { beforeEach, describe, expect, it } from 'vitest';
import type { PeerInfo, StatsSample } from '@confer/shared';
import { useRoomStore } from '../state/roomStore';
import { RoomView } from './RoomView';
import { peerInfo } from '../../test-support/fixtures';

const peer = (peerId: string, extra: Partial<PeerInfo> = {}): PeerInfo => peerInfo(peerId, peerId, extra);
const sample = (lossPct: number): StatsSample => ({
  at: 0,
  topology: 'mesh',
  connections: [{ id: 'c', path: 'mesh', peerId: null, direction: 'both', localCandidateType: 'host', remoteCandidateType: 'host', protocol: 'udp', rttMs: 20, availableOutgoingBitrate: null, sendBitrate: 0, recvBitrate: 100_000 }],
  streams: [
    { id: 'in', direction: 'in', kind: 'video', source: 'camera', path: 'mesh', peerId: 'b', bitrate: 100_000, packets: 100, packetsLost: lossPct, lossPct, jitterMs: 5, rttMs: 20, fps: 10, width: 160, height: 120, framesDropped: 0, freezes: 0, qualityLimitation: null, codec: 'video/VP8', rid: null, audioLevel: null, capture: null },
  ],
});

describe('RoomView', () => {
  beforeEach(() => useRoomStore.getState().reset());

  it('enters a room with its roster, and a fresh seat forgets the old one', () => {
    const view = new RoomView();
    view.entered(peer('me'), 'mesh', [peer('b'), peer('c')], false);
    expect(view.roster).toEqual(['b', 'c']);
    view.entered(peer('me'), 'sfu', [peer('d')], true);
    expect(view.roster).toEqual(['d']);
    // Entered is not yet shown: the lobby stays until show() (our first offers are out).
    expect(useRoomStore.getState()).toMatchObject({ phase: 'lobby', topology: 'sfu', self: { peerId: 'me' } });
    view.show();
    expect(useRoomStore.getState().phase).toBe('in-room');
  });

  it('does not show a room we have left meanwhile', () => {
    const view = new RoomView();
    view.entered(peer('me'), 'mesh', [], false);
    view.set({ phase: 'left' });
    view.show();
    expect(useRoomStore.getState().phase).toBe('left');
  });

  it('writes a tile only when something changed (a link state, a quality)', () => {
    const view = new RoomView();
    view.entered(peer('me'), 'mesh', [peer('b')], false);
    const writes: unknown[] = [];
    const stop = useRoomStore.subscribe((s, before) => s.peers.b !== before.peers.b && writes.push(s.peers.b));
    view.setLink('b', 'connected');
    view.setLink('b', 'connected');
    view.showQuality(sample(0));
    view.showQuality(sample(0));
    expect(writes).toHaveLength(2);
    view.showQuality(sample(30));
    expect(writes).toHaveLength(3);
    expect(useRoomStore.getState().peers.b?.quality?.level).not.toBe('good');
    stop();
  });

  it('keeps the last screen frame while the peer still presents, and drops it once it stops', () => {
    const view = new RoomView();
    const frame = {} as MediaStream;
    view.entered(peer('me'), 'mesh', [peer('b', { screenSharing: true })], false);
    view.showScreen('b', frame);
    view.showScreen('b', null);
    expect(useRoomStore.getState().peers.b?.screen).toBe(frame);
    view.upsert([peer('b', { screenSharing: false })]);
    view.showScreen('b', null);
    expect(useRoomStore.getState().peers.b?.screen).toBeNull();
  });
});
