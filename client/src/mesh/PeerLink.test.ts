import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Signal } from '@confer/shared';
import { IceRecovery } from '../net/IceRecovery';
import { defaultRetryPolicies } from '../net/RetryPolicy';
import { MAX_RELINKS_SHOWN, MeshSession, relinkAction, shownState, type MeshSignal } from './MeshSession';
import type { LinkState } from '../media/mediaTypes';
import { PeerLink } from './PeerLink';

/** Just enough of RTCPeerConnection to drive PeerLink's recovery logic (jsdom has no WebRTC). */
class FakePeerConnection {
  static last: FakePeerConnection;
  static all: FakePeerConnection[] = [];
  connectionState: RTCPeerConnectionState = 'new';
  signalingState: RTCSignalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  restartIce = vi.fn(() => void this.onnegotiationneeded?.());
  onconnectionstatechange: (() => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  ontrack: ((event: unknown) => void) | null = null;
  ondatachannel = null;
  onicecandidate = null;
  constructor() {
    FakePeerConnection.last = this;
    FakePeerConnection.all.push(this);
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
  getTransceivers(): unknown[] {
    return [];
  }
  async setRemoteDescription() {}
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

  const link = (polite = false) =>
    new PeerLink({
      remoteId: 'b',
      polite,
      initiator: true,
      rtcConfig: {},
      tracks: { audio: null, video: null, screen: null },
      send: (s) => signals.push(s),
      onState: (s) => states.push(s),
      onStream: () => undefined,
      onScreen: () => undefined,
      onChatChannel: () => undefined,
    });

  it('the newcomer offers at once, without waiting for negotiationneeded, and only once while that offer is out', async () => {
    link();
    const pc = FakePeerConnection.last;
    await vi.advanceTimersByTimeAsync(0);
    expect(signals).toEqual([{ description: { type: 'offer', sdp: 'v=0 restart' } }]);
    // The browser's own event for the same transceivers comes while the offer awaits its answer.
    pc.signalingState = 'have-local-offer';
    pc.onnegotiationneeded?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(signals).toHaveLength(1);
  });

  it("tells of the peer's media once our answer has left, not while the peer waits for it", async () => {
    vi.stubGlobal('MediaStream', class { addTrack() {} });
    const events: string[] = [];
    const transceiver = { receiver: { track: { kind: 'video' } }, direction: 'sendrecv', sender: { track: {} } };
    const answering = new PeerLink({
      remoteId: 'b',
      polite: true,
      initiator: false,
      rtcConfig: {},
      tracks: { audio: null, video: null, screen: null },
      send: (s) => events.push('description' in s ? `sent ${s.description.type}` : 'sent other'),
      onState: () => undefined,
      onStream: () => events.push('stream shown'),
      onScreen: () => undefined,
      onChatChannel: () => undefined,
    });
    const pc = FakePeerConnection.last;
    pc.getTransceivers = () => [transceiver];
    // Tracks arrive inside setRemoteDescription, as in the browser.
    pc.setRemoteDescription = async () => pc.ontrack?.({ track: transceiver.receiver.track, transceiver });
    pc.setLocalDescription = async () => {
      pc.localDescription = { type: 'answer', sdp: 'v=0 answer' };
    };
    await answering.handle({ description: { type: 'offer', sdp: 'v=0 offer' } });
    expect(events).toEqual(['sent answer', 'stream shown']);
  });

  it('restarts ICE when the connection fails, and sends the new offer', async () => {
    link();
    const pc = FakePeerConnection.last;
    pc.set('connecting');
    pc.set('connected');
    pc.set('failed');
    expect(pc.restartIce).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(0);
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

  it('on the polite side, follows the restart of the other side instead of making one (no restart offers crossing), and still gives up', () => {
    link(true);
    const pc = FakePeerConnection.last;
    pc.set('connected');
    pc.set('failed');
    expect(states.at(-1)).toBe('reconnecting');
    for (let i = 0; i < 3; i++) pc.set('failed');
    expect(pc.restartIce).not.toHaveBeenCalled();
    expect(states.at(-1)).toBe('failed');
  });
});

describe('IceRecovery (the policy of mesh links and SFU transports)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('moves on to the next restart when one does not reconnect in time, then gives up once', async () => {
    const restart = vi.fn(() => Promise.reject(new Error('SFU unreachable')));
    const onGiveUp = vi.fn();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const recovery = new IceRecovery({ maxRestarts: 2, disconnectedWaitMs: 2000, restartTimeoutMs: 10_000, restart, onGiveUp });
    recovery.update('connected');
    recovery.update('disconnected');
    await vi.advanceTimersByTimeAsync(1999);
    expect(restart).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(restart).toHaveBeenCalledTimes(1);
    // Still disconnected: that must not postpone the running restart's deadline.
    recovery.update('disconnected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(restart).toHaveBeenCalledTimes(2);
    expect(onGiveUp).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    recovery.update('failed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restart).toHaveBeenCalledTimes(2);
    expect(onGiveUp).toHaveBeenCalledTimes(1);
  });

  it('is reset by a reconnection', async () => {
    const restart = vi.fn();
    const onGiveUp = vi.fn();
    const recovery = new IceRecovery({ maxRestarts: 1, disconnectedWaitMs: 2000, restartTimeoutMs: 10_000, restart, onGiveUp });
    recovery.update('failed');
    expect(restart).toHaveBeenCalledTimes(1);
    recovery.update('connected');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(onGiveUp).not.toHaveBeenCalled();
    recovery.update('failed');
    expect(restart).toHaveBeenCalledTimes(2);
  });
});

describe('mesh relink decisions', () => {
  it('replaces a link once per generation: the impolite side initiates, the polite side follows', () => {
    expect(relinkAction(0, 1, false)).toBe('initiate');
    expect(relinkAction(0, 1, true)).toBe('answer');
    // Both sides gave up at once: the impolite side already is at generation 1 when the polite side's request arrives.
    expect(relinkAction(1, 1, false)).toBe('ignore');
    expect(relinkAction(2, 1, true)).toBe('ignore');
  });

  it('backs off, and shows failed only after a bounded number of relinks', () => {
    const { relink } = defaultRetryPolicies();
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => relink.nextDelayMs(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(shownState('connecting', 0)).toBe('connecting');
    expect(shownState('connecting', 1)).toBe('reconnecting');
    expect(shownState('failed', MAX_RELINKS_SHOWN)).toBe('reconnecting');
    expect(shownState('connecting', MAX_RELINKS_SHOWN + 1)).toBe('failed');
    expect(shownState('connected', MAX_RELINKS_SHOWN + 1)).toBe('connected');
  });
});

describe('MeshSession relink', () => {
  const tracks = { audio: null, video: null, screen: null };
  let states: Record<'a' | 'b', LinkState[]>;
  let relinks: { from: string; signal: MeshSignal }[];
  let sessions: Record<string, MeshSession>;
  /** Relink attempts after which the policy gives up (null: never). */
  let giveUpAfter: number | null;
  beforeEach(() => {
    giveUpAfter = null;
    vi.useFakeTimers();
    vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
    vi.stubGlobal('RTCRtpReceiver', { getCapabilities: () => null });
    vi.stubGlobal('MediaStream', class {});
    FakePeerConnection.all = [];
    states = { a: [], b: [] };
    relinks = [];
    // 'a' < 'b': a is the polite side, b the impolite one. Relink notices are delivered between them
    // (asynchronously, like signaling); the fake connections cannot negotiate, so SDP is not.
    const session = (self: 'a' | 'b', other: 'a' | 'b') =>
      new MeshSession({
        selfId: self,
        relinkPolicy: { nextDelayMs: (attempt) => (giveUpAfter !== null && attempt >= giveUpAfter ? null : defaultRetryPolicies().relink.nextDelayMs(attempt)) },
        rtcConfig: {},
        tracks,
        send: (_to, signal) => {
          if (!('relink' in signal)) return;
          relinks.push({ from: self, signal });
          queueMicrotask(() => void sessions[other]!.handleSignal(self, signal));
        },
        onPeerState: (_peer, state) => states[self].push(state),
        onPeerStream: () => undefined,
        onPeerScreen: () => undefined,
        onChatChannel: () => undefined,
      });
    sessions = { a: session('a', 'b'), b: session('b', 'a') };
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  const open = (self: 'a' | 'b', peer: string, initiator: boolean) => sessions[self]!.connect(peer, initiator);
  const fail = (pc: FakePeerConnection) => {
    for (let i = 0; i < 4; i++) pc.set('failed');
  };

  it('replaces both sides\' links exactly once when both give up at the same time, and recovers', async () => {
    open('a', 'b', true);
    open('b', 'a', false);
    for (const pc of FakePeerConnection.all) pc.set('connected');
    const [pcA, pcB] = FakePeerConnection.all as [FakePeerConnection, FakePeerConnection];
    fail(pcA);
    fail(pcB);
    // A tile whose link gave up says reconnecting, not failed.
    expect(states.a.at(-1)).toBe('reconnecting');
    expect(states.b.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(relinks).toEqual([
      { from: 'a', signal: { relink: 1 } },
      { from: 'b', signal: { relink: 1 } },
    ]);
    expect(FakePeerConnection.all).toHaveLength(4);
    expect(pcA.connectionState).toBe('closed');
    expect(pcB.connectionState).toBe('closed');
    const fresh = FakePeerConnection.all.slice(2);
    for (const pc of fresh) pc.set('connected');
    expect(states.a.at(-1)).toBe('connected');
    expect(states.b.at(-1)).toBe('connected');
    // Settled: no further relinks, and the replaced links' 'closed' never reached the tiles.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakePeerConnection.all).toHaveLength(4);
    expect(relinks).toHaveLength(2);
    expect([...states.a, ...states.b]).not.toContain('closed');
    expect([...states.a, ...states.b]).not.toContain('failed');
  });

  it('stops relinking when the policy gives up (null), and the tile says failed', async () => {
    giveUpAfter = 0;
    open('a', 'b', true);
    open('b', 'a', false);
    for (const pc of FakePeerConnection.all) pc.set('connected');
    fail(FakePeerConnection.all[1]!);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakePeerConnection.all).toHaveLength(2);
    expect(relinks).toEqual([]);
    expect(states.b.at(-1)).toBe('failed');
  });

  it('keeps relinking with backoff while the peer is there, shows failed after a bounded number, and stops when it leaves', async () => {
    open('a', 'b', true);
    open('b', 'a', false);
    for (const pc of FakePeerConnection.all) pc.set('connected');
    fail(FakePeerConnection.all[1]!);
    // Relinked connections never connect (the network stays down): each is given up after its timeout.
    const made = () => FakePeerConnection.all.length;
    for (let s = 0; s < 200; s++) await vi.advanceTimersByTimeAsync(1000);
    // b (impolite) made a fresh connection per attempt, and a followed each one.
    expect(relinks.filter((r) => r.from === 'b').map((r) => r.signal)).toEqual(
      Array.from({ length: relinks.filter((r) => r.from === 'b').length }, (_, i) => ({ relink: i + 1 })),
    );
    const attempts = relinks.filter((r) => r.from === 'b').length;
    expect(attempts).toBeGreaterThan(MAX_RELINKS_SHOWN + 1);
    expect(made()).toBe(2 + 2 * attempts);
    expect(states.b.at(-1)).toBe('failed');
    expect(states.b.slice(0, states.b.indexOf('failed'))).toContain('reconnecting');
    sessions.b!.disconnect('a');
    sessions.a!.disconnect('b');
    const after = made();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(made()).toBe(after);
  });
});
