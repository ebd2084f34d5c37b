import type { Signal } from '@confer/shared';
import { linkStats } from '../media/linkStats';
import { toRawStats } from '../stats/buildStats';
import { IceRecovery } from '../net/IceRecovery';
import type { StatsTarget } from '../stats/StatsCollector';
import type { LinkState, LinkStats, LocalTracks, MediaKind, TrackSource } from '../media/mediaTypes';

/** The signals a peer connection negotiates with (not the room-level "receiving" notices nor MeshSession's relinks). */
export type LinkSignal = Extract<Signal, { description: unknown } | { candidate: unknown }>;

export interface PeerLinkOptions {
  remoteId: string;
  /** Perfect negotiation: the polite side yields when offers collide. */
  polite: boolean;
  /** The newcomer creates the transceivers and makes the first offer; the other side answers. */
  initiator: boolean;
  rtcConfig: RTCConfiguration;
  tracks: LocalTracks;
  send(signal: LinkSignal): void;
  onState(state: LinkState): void;
  onStream(stream: MediaStream): void;
  /** The peer's shared screen started arriving (a new stream each time it starts). */
  onScreen(stream: MediaStream): void;
  /** The chat data channel to this peer is open. */
  onChatChannel(channel: RTCDataChannel): void;
}

/** ICE restarts tried before the link gives up ('failed': MeshSession then replaces the whole link). */
const MAX_ICE_RESTARTS = 3;
/** A link 'disconnected' this long gets an ICE restart instead of waiting for ICE to recover by itself. */
const DISCONNECTED_RESTART_MS = 4000;
/** A restart not 'connected' again within this counts as failed (Chromium may not report 'failed' for half a minute). */
const RESTART_TIMEOUT_MS = 8000;

/** Polite/impolite is decided from the two peer ids, so both sides agree without asking. */
export const isPolite = (localId: string, remoteId: string) => localId < remoteId;

/** Video codecs in our order of preference: VP8 first, H264 accepted, the rest (and RTX/FEC) after. */
export function preferCodecs<C extends { mimeType: string }>(codecs: C[]): C[] {
  const rank = (c: C) => (/vp8/i.test(c.mimeType) ? 0 : /h264/i.test(c.mimeType) ? 1 : 2);
  return [...codecs].sort((a, b) => rank(a) - rank(b));
}

/**
 * One RTCPeerConnection to one remote peer, negotiated with the W3C "perfect negotiation" pattern
 * (makingOffer / ignoreOffer / implicit rollback), so simultaneous offers and ICE restarts from both
 * sides never deadlock. Signals are applied strictly in arrival order.
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  private readonly remoteStream = new MediaStream();
  private makingOffer = false;
  private ignoreOffer = false;
  private queue: Promise<void> = Promise.resolve();
  /**
   * Media that arrived during the negotiation step being applied, told once that step is done: a new tile
   * renders after our answer has left, not while the peer waits for it (tracks arrive inside setRemoteDescription).
   */
  private arrived: (() => void)[] = [];
  private tracks: LocalTracks;
  private readonly recovery: IceRecovery;
  private state: LinkState = 'connecting';
  /** Settles once the newcomer's first offer has been sent (at once for the answering side). */
  readonly offered: Promise<void> = Promise.resolve();
  /** Our own screen's transceiver, once we have shared on this link (reused for later shares). */
  private screenTransceiver: RTCRtpTransceiver | null = null;

  constructor(private readonly o: PeerLinkOptions) {
    this.tracks = { ...o.tracks };
    const pc = (this.pc = new RTCPeerConnection(o.rtcConfig));
    // The ICE restart's new offer goes through the same perfect-negotiation path as any other. Only the
    // impolite side restarts: both sides see an outage at once, and the polite side rolling back its own
    // restart offer for the other's left Chromium's camera sender encoding nothing, now and then. The
    // polite side follows the other's restart offer, and still gives up on its own deadlines.
    this.recovery = new IceRecovery({
      maxRestarts: MAX_ICE_RESTARTS,
      disconnectedWaitMs: DISCONNECTED_RESTART_MS,
      restartTimeoutMs: RESTART_TIMEOUT_MS,
      restart: () => (o.polite ? undefined : pc.restartIce()),
      onRestart: () => this.setState('reconnecting'),
      onGiveUp: () => this.setState('failed'),
    });
    pc.ontrack = ({ track, transceiver }) => {
      // The first audio and video transceivers carry microphone and camera; any other is a shared screen.
      if (!isMainTransceiver(pc, transceiver)) return this.arrived.push(() => o.onScreen(new MediaStream([track])));
      this.remoteStream.addTrack(track);
      this.arrived.push(() => o.onStream(this.remoteStream));
    };
    pc.ondatachannel = ({ channel }) => this.watchChatChannel(channel);
    pc.onicecandidate = ({ candidate }) => o.send({ candidate: candidate ? toCandidateInit(candidate) : null });
    // Skipped while an offer is out: the browser asks again on returning to 'stable' if still needed.
    pc.onnegotiationneeded = () => {
      if (pc.signalingState === 'stable' && !this.makingOffer) void this.makeOffer();
    };
    pc.onconnectionstatechange = () => this.onConnectionState();
    if (o.initiator) {
      for (const kind of ['audio', 'video'] as const) {
        const transceiver = pc.addTransceiver(this.tracks[kind] ?? kind, { direction: 'sendrecv' });
        if (kind === 'video') preferVideoCodecs(transceiver);
      }
      // Ordered and reliable: chat messages arrive once, in order (the answering side gets it via ondatachannel).
      this.watchChatChannel(pc.createDataChannel('chat', { ordered: true }));
      this.syncScreen();
      // At once, not on 'negotiationneeded': that event waits behind whatever the page does next.
      this.offered = this.makeOffer();
    }
  }

  private watchChatChannel(channel: RTCDataChannel): void {
    if (channel.readyState === 'open') this.o.onChatChannel(channel);
    else channel.addEventListener('open', () => this.o.onChatChannel(channel), { once: true });
  }

  /** Applies a signal from the remote peer, after every signal that came before it. */
  handle(signal: LinkSignal): Promise<void> {
    this.queue = this.queue
      .then(() => this.apply(signal))
      .catch((error: unknown) => console.warn(`signal from ${this.o.remoteId} failed`, error))
      .then(() => this.announceArrived());
    return this.queue;
  }

  /** One listener's failure neither hides the others' news nor stops the signals queued after it. */
  private announceArrived(): void {
    for (const announce of this.arrived.splice(0)) {
      try {
        announce();
      } catch (error) {
        console.warn(`media from ${this.o.remoteId} not shown`, error);
      }
    }
  }

  private async apply(signal: LinkSignal): Promise<void> {
    const { pc } = this;
    if (pc.signalingState === 'closed') return;
    if ('description' in signal) {
      const description = signal.description;
      const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.o.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description); // rolls back our own offer on collision
      if (description.type === 'offer') {
        this.attachTracksToNewTransceivers();
        await pc.setLocalDescription();
        if (pc.localDescription) this.o.send({ description: { type: 'answer', sdp: pc.localDescription.sdp } });
        // The answering side could not add its screen before the first offer set up the camera m-lines.
        this.syncScreen();
      }
    } else {
      try {
        // null = end of candidates (RTCPeerConnection takes it as an empty candidate).
        await pc.addIceCandidate(signal.candidate ?? undefined);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  private async makeOffer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      if (local && local.type === 'offer') this.o.send({ description: { type: 'offer', sdp: local.sdp } });
    } catch (error) {
      console.warn(`offer to ${this.o.remoteId} failed`, error);
    } finally {
      this.makingOffer = false;
    }
  }

  /** The answering side sends its microphone and camera on the transceivers the offer created for them. */
  private attachTracksToNewTransceivers(): void {
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind as MediaKind;
      if (t.direction === 'recvonly' && !t.sender.track && isMainTransceiver(this.pc, t)) {
        t.direction = 'sendrecv';
        if (kind === 'video') preferVideoCodecs(t);
        void t.sender.replaceTrack(this.tracks[kind]);
      }
    }
  }

  /** New TURN credentials for future ICE work (restarts, relay refreshes). */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.pc.signalingState !== 'closed') this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
  }

  /**
   * Swaps the outgoing track of one kind (device switch, camera on/off): no renegotiation. A screen
   * share starting or stopping does renegotiate (its own m-line, perfect negotiation as usual).
   */
  async replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[kind] = track;
    if (kind === 'screen') return this.syncScreen();
    const sender = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && t.direction === 'sendrecv')?.sender;
    await sender?.replaceTrack(track);
  }

  /**
   * Makes our screen transceiver match the screen track: sendonly with it, inactive without it. Waits
   * until the camera/microphone m-lines exist, so the screen never takes their place.
   */
  private syncScreen(): void {
    const track = this.tracks.screen;
    const { pc } = this;
    if (pc.signalingState === 'closed' || pc.getTransceivers().length === 0) return;
    const transceiver = this.screenTransceiver;
    if (!transceiver) {
      if (!track) return;
      this.screenTransceiver = pc.addTransceiver(track, { direction: 'sendonly' });
      preferVideoCodecs(this.screenTransceiver);
      return;
    }
    void transceiver.sender.replaceTrack(track);
    transceiver.direction = track ? 'sendonly' : 'inactive';
  }

  private onConnectionState(): void {
    const s = this.pc.connectionState;
    if (s === 'connected') this.setState('connected');
    else if (s === 'disconnected') this.setState('reconnecting');
    else if (s === 'closed') this.setState('closed');
    else if (s !== 'failed' && this.state !== 'reconnecting' && this.state !== 'failed') this.setState('connecting');
    // 'failed' shows as reconnecting (a restart begins) or failed (restarts used up), both set by the recovery.
    this.recovery.update(s);
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.o.onState(state);
  }

  async stats(): Promise<LinkStats> {
    // A closed connection has no stats: report zeros rather than fail the caller.
    const report = await this.pc.getStats().catch(() => null);
    const raw = report ? toRawStats(report) : [];
    const label = this.statsTarget().context.label;
    return linkStats(
      raw.map((stats) => ({ stats, source: label({ kind: stats.kind === 'audio' ? 'audio' : 'video', direction: 'in', mid: typeof stats.mid === 'string' ? stats.mid : null, trackIdentifier: null })?.source ?? null })),
      raw,
    );
  }

  /** This link for the stats collector: the first audio/video transceivers are mic and camera, any other a screen. */
  statsTarget(): StatsTarget {
    const { pc } = this;
    return {
      context: {
        id: `mesh:${this.o.remoteId}`,
        path: 'mesh',
        peerId: this.o.remoteId,
        direction: 'both',
        label: ({ kind, mid }) => {
          const transceiver = pc.getTransceivers().find((t) => t.mid !== null && t.mid === mid);
          if (!transceiver) return null;
          const source = !isMainTransceiver(pc, transceiver) ? 'screen' : kind === 'audio' ? 'mic' : 'camera';
          return { source, peerId: this.o.remoteId };
        },
      },
      getStats: () => pc.getStats(),
    };
  }

  close(): void {
    this.recovery.dispose();
    this.pc.close();
    this.setState('closed');
  }
}

/** A transceiver created for the microphone or camera: the first of its kind on the connection. */
function isMainTransceiver(pc: RTCPeerConnection, transceiver: RTCRtpTransceiver): boolean {
  const kind = transceiver.receiver.track.kind;
  return pc.getTransceivers().find((t) => t.receiver.track.kind === kind) === transceiver;
}

function preferVideoCodecs(transceiver: RTCRtpTransceiver): void {
  const codecs = RTCRtpReceiver.getCapabilities?.('video')?.codecs;
  if (codecs && 'setCodecPreferences' in transceiver) transceiver.setCodecPreferences(preferCodecs(codecs));
}

function toCandidateInit(c: RTCIceCandidate) {
  return { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment };
}
