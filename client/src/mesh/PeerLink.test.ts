import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Signal } from '@confer/shared';
import { PeerLink, type LinkState } from './PeerLink';

/** Just enough of RTCPeerConnection to drive PeerLink's recovery logic (jsdom has no WebRTC). */
class FakePeerConnection {
  static last: FakePeerConnection;
  connectionState: RTCPeerConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  restartIce = vi.fn(() => void this.onnegotiationneeded?.());
  onconnectionstatechange: (() => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  ontrack = null;
  ondatachannel = null;
  onicecandidate = null;
  constructor() {
    FakePeerConnection.last = this;
  }
  addTransceiver() {
    return { setCodecPreferences: () => undefined };
  }
  createDataChannel() {
    return { readyState: 'connecting', addEventListener: () => undefined };
  }
  async setLocalDescription() {
    this.localDescription = { type: 'offer', sdp: `v=0 restart` };
  }
  getTransceivers() {
    return [];
  }
  close() {
    this.connectionState = 'closed';
  }
  set(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

describe('PeerLink recovery', () => {
  let states: LinkState[];
  let signals: Signal[];
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpReceiver', { getCapabilities: () => null });
    vi.stubGlobal('MediaStream', class {});
    states = [];
    signals = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const link = () =>
    new PeerLink({
      remoteId: 'b',
      polite: true,
      initiator: true,
      rtcConfig: {},
      tracks: { audio: null, video: null, screen: null },
      send: (s) => signals.push(s),
      onState: (s) => states.push(s),
      onStream: () => undefined,
      onScreen: () => undefined,
      onChatChannel: () => undefined,
    });

  it('restarts ICE when the connection fails, and sends the new offer', async () => {
    link();
    const pc = FakePeerConnection.last;
    pc.set('connecting');
    pc.set('connected');
    pc.set('failed');
    expect(pc.restartIce).toHaveBeenCalledTimes(1);
    await vi.runAllTimersAsync();
    expect(signals).toContainEqual({ description: { type: 'offer', sdp: 'v=0 restart' } });
    expect(states).toEqual(['connected', 'reconnecting']);
    pc.set('connected');
    expect(states.at(-1)).toBe('connected');
  });

  it('restarts ICE when a disconnection does not heal by itself', () => {
    link();
    const pc = FakePeerConnection.last;
    pc.set('connected');
    pc.set('disconnected');
    expect(states.at(-1)).toBe('reconnecting');
    expect(pc.restartIce).not.toHaveBeenCalled();
    vi.advanceTimersByTime(4000);
    expect(pc.restartIce).toHaveBeenCalledTimes(1);
  });

  it('shows the peer as failed after three restarts that did not recover', () => {
    link();
    const pc = FakePeerConnection.last;
    for (let i = 0; i < 4; i++) pc.set('failed');
    expect(pc.restartIce).toHaveBeenCalledTimes(3);
    expect(states.at(-1)).toBe('failed');
  });
});
