import { isPolite, PeerLink, type LinkSignal, type LinkState, type LinkStats, type LocalTracks, type TrackSource } from './PeerLink';

export interface MeshSessionOptions {
  selfId: string;
  rtcConfig: RTCConfiguration;
  tracks: LocalTracks;
  send(to: string, signal: LinkSignal): void;
  onPeerState(peerId: string, state: LinkState): void;
  onPeerStream(peerId: string, stream: MediaStream): void;
  onPeerScreen(peerId: string, stream: MediaStream): void;
  onChatChannel(peerId: string, channel: RTCDataChannel): void;
}

/** Full mesh: one PeerLink per remote peer. */
export class MeshSession {
  private readonly links = new Map<string, PeerLink>();
  private tracks: LocalTracks;
  private rtcConfig: RTCConfiguration;

  constructor(private readonly o: MeshSessionOptions) {
    this.tracks = { ...o.tracks };
    this.rtcConfig = o.rtcConfig;
  }

  /** Opens the link to `peerId`; `initiator` when we are the newcomer and offer first. */
  connect(peerId: string, initiator: boolean): PeerLink {
    let link = this.links.get(peerId);
    if (link) return link;
    link = new PeerLink({
      remoteId: peerId,
      polite: isPolite(this.o.selfId, peerId),
      initiator,
      rtcConfig: this.rtcConfig,
      tracks: this.tracks,
      send: (signal) => this.o.send(peerId, signal),
      onState: (state) => this.o.onPeerState(peerId, state),
      onStream: (stream) => this.o.onPeerStream(peerId, stream),
      onScreen: (stream) => this.o.onPeerScreen(peerId, stream),
      onChatChannel: (channel) => this.o.onChatChannel(peerId, channel),
    });
    this.links.set(peerId, link);
    this.o.onPeerState(peerId, 'connecting');
    return link;
  }

  /** A signal from a peer we have no link to yet (its join raced ours) opens one as the answering side. */
  handleSignal(from: string, signal: LinkSignal): Promise<void> {
    return this.connect(from, false).handle(signal);
  }

  disconnect(peerId: string): void {
    this.links.get(peerId)?.close();
    this.links.delete(peerId);
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    this.rtcConfig = { ...this.rtcConfig, iceServers };
    for (const link of this.links.values()) link.setIceServers(iceServers);
  }

  async replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[kind] = track;
    await Promise.all([...this.links.values()].map((l) => l.replaceTrack(kind, track)));
  }

  async stats(): Promise<Record<string, LinkStats>> {
    const entries = await Promise.all([...this.links].map(async ([id, link]) => [id, await link.stats()] as const));
    return Object.fromEntries(entries);
  }

  statsTargets() {
    return [...this.links.values()].map((link) => link.statsTarget());
  }

  has(peerId: string): boolean {
    return this.links.has(peerId);
  }

  peerIds(): string[] {
    return [...this.links.keys()];
  }

  close(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }
}
