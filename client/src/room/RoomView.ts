import { combineQuality, connectionOf, inboundQuality, streamQuality, type PeerInfo, type Quality, type StatsSample, type Topology } from '@confer/shared';
import type { LinkState } from '../media/mediaTypes';
import { useRoomStore } from '../state/roomStore';

const sameQuality = (a: Quality | null, b: Quality) => a?.score === b.score && a.level === b.level && a.reasons.join() === b.reasons.join();

/**
 * What the user sees of the room, kept in the room store: the roster, each tile's stream, screen, link
 * state and quality. Every write is skipped when nothing changed, so a tile re-renders only for news.
 */
export class RoomView {
  constructor(private readonly store = useRoomStore) {}

  private get state() {
    return this.store.getState();
  }

  get roster(): string[] {
    return this.state.order;
  }

  get reactions() {
    return this.state.reactions;
  }

  get notice(): string | null {
    return this.state.notice;
  }

  peer(peerId: string): PeerInfo | null {
    return this.state.peers[peerId]?.info ?? null;
  }

  /** A new seat's room: ourselves and everyone already there (`fresh`: the old roster is gone); shown by show(). */
  entered(self: PeerInfo, topology: Topology, peers: PeerInfo[], fresh: boolean): void {
    if (fresh) this.state.set({ peers: {}, order: [] });
    this.state.set({ topology, self });
    this.upsert(peers);
  }

  /** The room replaces the lobby (unless we left meanwhile). */
  show(): void {
    const { phase } = this.state;
    if (phase !== 'in-room' && phase !== 'left') this.state.set({ phase: 'in-room' });
  }

  upsert(peers: PeerInfo[]): void {
    for (const peer of peers) this.state.upsertPeer(peer);
  }

  removePeer(peerId: string): void {
    this.state.removePeer(peerId);
  }

  /** A tile shows the stream of the path it moved to (SFU media only arrives over a connected transport). */
  showStream(peerId: string, path: Topology, stream: MediaStream): void {
    this.state.patchPeer(peerId, { stream, ...(path === 'sfu' ? { link: 'connected' as const } : {}) });
  }

  /** Null: arrived on neither path yet (the old one closed first); the last frame stays until the peer stops presenting. */
  showScreen(peerId: string, screen: MediaStream | null): void {
    const peer = this.state.peers[peerId];
    const next = screen ?? (peer?.info.screenSharing ? peer.screen : null);
    if (peer && peer.screen !== next) this.state.patchPeer(peerId, { screen: next });
  }

  setLink(peerId: string, link: LinkState): void {
    const peer = this.state.peers[peerId];
    if (peer && peer.link !== link) this.state.patchPeer(peerId, { link });
  }

  /** Each tile's quality indicator: how a peer's media reaches us, and how ours leaves us. */
  showQuality(sample: StatsSample): void {
    for (const peerId of this.state.order) {
      const quality = inboundQuality(sample, peerId);
      if (!sameQuality(this.state.peers[peerId]?.quality ?? null, quality)) this.state.patchPeer(peerId, { quality });
    }
    const outbound = sample.streams.filter((s) => s.direction === 'out');
    const selfQuality = combineQuality(outbound.map((s) => streamQuality(s, connectionOf(sample, s))));
    if (!sameQuality(this.state.selfQuality, selfQuality)) this.state.set({ selfQuality });
  }

  updateSelf(update: Partial<PeerInfo>): void {
    const self = this.state.self;
    if (self) this.state.set({ self: { ...self, ...update } });
  }

  switching(topology: Topology): void {
    this.state.set({ topology, switching: true, activeSpeakerId: null, audiblePeerIds: [] });
  }

  set: ReturnType<typeof useRoomStore.getState>['set'] = (partial) => this.state.set(partial);
}
