import type { Signal } from '@confer/shared';
import type { RetryPolicy } from '../net/RetryPolicy';
import type { LinkState, LinkStats, LocalTracks, TrackSource } from '../media/mediaTypes';
import { isPolite, PeerLink } from './PeerLink';

/** What a mesh pair exchanges: the link's own negotiation, plus "replace the link" (relink) notices. */
export type MeshSignal = Exclude<Signal, { receiving: unknown }>;

export interface MeshSessionOptions {
  selfId: string;
  /** When to replace a failed link again; null: stop trying (the tile stays 'failed'). */
  relinkPolicy: RetryPolicy;
  rtcConfig: RTCConfiguration;
  tracks: LocalTracks;
  send(to: string, signal: MeshSignal): void;
  onPeerState(peerId: string, state: LinkState): void;
  onPeerStream(peerId: string, stream: MediaStream): void;
  onPeerScreen(peerId: string, stream: MediaStream): void;
  onChatChannel(peerId: string, channel: RTCDataChannel): void;
}

/** Relinks after which the tile says "Connection failed" (retries go on, at the longest backoff). */
export const MAX_RELINKS_SHOWN = 3;
/** A relinked connection not 'connected' within this is given up and relinked again. */
const RELINK_TIMEOUT_MS = 15_000;


/**
 * What a `{ relink: generation }` signal asks of this side. Only the impolite side replaces links on its
 * own initiative; the polite side's notice is a request that the impolite side answers with a relink of
 * its own. A generation no newer than ours is already done (both sides gave up at once, or an echo), so
 * each side replaces its link exactly once per generation and two failing sides cannot ping-pong.
 */
export function relinkAction(current: number, incoming: number, polite: boolean): 'ignore' | 'initiate' | 'answer' {
  if (incoming <= current) return 'ignore';
  return polite ? 'answer' : 'initiate';
}

/** What a tile shows: the link's own state, except while relinking, when it is reconnecting (or failed, after too many). */
export function shownState(linkState: LinkState, relinks: number): LinkState {
  if (linkState === 'connected' || relinks === 0) return linkState;
  return relinks > MAX_RELINKS_SHOWN ? 'failed' : 'reconnecting';
}

interface MeshPeer {
  link: PeerLink;
  polite: boolean;
  /** Replacements of this pair's link so far; both sides agree on it (see relinkAction). */
  generation: number;
  /** Relink attempts since the link was last connected. */
  relinks: number;
  linkState: LinkState;
  retry?: ReturnType<typeof setTimeout>;
  watchdog?: ReturnType<typeof setTimeout>;
}

/**
 * Full mesh: one PeerLink per remote peer. A link whose ICE restarts all failed is replaced by a fresh
 * one (a relink), coordinated with the peer by generation, retried with backoff while the peer is in the room.
 */
export class MeshSession {
  private readonly peers = new Map<string, MeshPeer>();
  private tracks: LocalTracks;
  private rtcConfig: RTCConfiguration;

  constructor(private readonly o: MeshSessionOptions) {
    this.tracks = { ...o.tracks };
    this.rtcConfig = o.rtcConfig;
  }

  /** Opens the link to `peerId`; `initiator` when we are the newcomer and offer first. */
  connect(peerId: string, initiator: boolean): PeerLink {
    const existing = this.peers.get(peerId);
    if (existing) return existing.link;
    const polite = isPolite(this.o.selfId, peerId);
    const link = this.newLink(peerId, polite, initiator);
    this.peers.set(peerId, { link, polite, generation: 0, relinks: 0, linkState: 'connecting' });
    this.o.onPeerState(peerId, 'connecting');
    return link;
  }

  private newLink(peerId: string, polite: boolean, initiator: boolean): PeerLink {
    // Callbacks of a replaced link are dropped: its late candidates or 'closed' must not reach the peer or the tile.
    const current = () => this.peers.get(peerId)?.link === link;
    const link: PeerLink = new PeerLink({
      remoteId: peerId,
      polite,
      initiator,
      rtcConfig: this.rtcConfig,
      tracks: this.tracks,
      send: (signal) => current() && this.o.send(peerId, signal),
      onState: (state) => {
        const peer = this.peers.get(peerId);
        if (peer?.link === link) this.onLinkState(peerId, peer, state);
      },
      onStream: (stream) => current() && this.o.onPeerStream(peerId, stream),
      onScreen: (stream) => current() && this.o.onPeerScreen(peerId, stream),
      onChatChannel: (channel) => current() && this.o.onChatChannel(peerId, channel),
    });
    return link;
  }

  private onLinkState(peerId: string, peer: MeshPeer, state: LinkState): void {
    peer.linkState = state;
    if (state === 'connected') {
      peer.relinks = 0;
      clearTimeout(peer.watchdog);
    }
    // 'failed' from a link means its ICE restarts are used up: replace it rather than show a dead tile.
    if (state === 'failed') return this.recover(peerId, peer);
    this.o.onPeerState(peerId, shownState(state, peer.relinks));
  }

  /** Schedules the next relink (backoff), unless one is already on its way. */
  private recover(peerId: string, peer: MeshPeer): void {
    if (peer.retry !== undefined || this.peers.get(peerId) !== peer) return;
    clearTimeout(peer.watchdog);
    peer.relinks++;
    const delay = this.o.relinkPolicy.nextDelayMs(peer.relinks - 1);
    this.o.onPeerState(peerId, delay === null ? 'failed' : shownState('failed', peer.relinks));
    if (delay === null) return;
    peer.retry = setTimeout(() => {
      peer.retry = undefined;
      this.relink(peerId, peer, peer.generation + 1);
    }, delay);
  }

  /** The impolite side replaces its link and tells the peer to follow; the polite side asks it to. */
  private relink(peerId: string, peer: MeshPeer, generation: number): void {
    if (!peer.polite) this.replace(peerId, peer, generation, true);
    this.o.send(peerId, { relink: generation });
    this.watch(peerId, peer);
  }

  private replace(peerId: string, peer: MeshPeer, generation: number, initiator: boolean): void {
    const old = peer.link;
    peer.generation = generation;
    peer.linkState = 'connecting';
    peer.link = this.newLink(peerId, peer.polite, initiator);
    old.close();
    this.o.onPeerState(peerId, shownState('connecting', peer.relinks));
  }

  /** A relink that has not connected in bounded time is given up like a failed link. */
  private watch(peerId: string, peer: MeshPeer): void {
    clearTimeout(peer.watchdog);
    peer.watchdog = setTimeout(() => peer.linkState !== 'connected' && this.recover(peerId, peer), RELINK_TIMEOUT_MS);
  }

  private handleRelink(peerId: string, generation: number): void {
    const peer = this.peers.get(peerId) ?? (this.connect(peerId, false), this.peers.get(peerId));
    if (!peer) return;
    const action = relinkAction(peer.generation, generation, peer.polite);
    if (action === 'ignore') return;
    clearTimeout(peer.retry);
    peer.retry = undefined;
    // The peer noticed first: this side is recovering too from now on.
    peer.relinks = Math.max(peer.relinks, 1);
    if (action === 'initiate') return this.relink(peerId, peer, generation);
    this.replace(peerId, peer, generation, false);
    this.watch(peerId, peer);
  }

  /** A signal from a peer we have no link to yet (its join raced ours) opens one as the answering side. */
  async handleSignal(from: string, signal: MeshSignal): Promise<void> {
    if ('relink' in signal) return this.handleRelink(from, signal.relink);
    return this.connect(from, false).handle(signal);
  }

  disconnect(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    clearTimeout(peer.retry);
    clearTimeout(peer.watchdog);
    peer.link.close();
    this.peers.delete(peerId);
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    this.rtcConfig = { ...this.rtcConfig, iceServers };
    for (const { link } of this.peers.values()) link.setIceServers(iceServers);
  }

  async replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[kind] = track;
    await Promise.all([...this.peers.values()].map(({ link }) => link.replaceTrack(kind, track)));
  }

  async stats(): Promise<Record<string, LinkStats>> {
    const entries = await Promise.all([...this.peers].map(async ([id, { link }]) => [id, await link.stats()] as const));
    return Object.fromEntries(entries);
  }

  statsTargets() {
    return [...this.peers.values()].map(({ link }) => link.statsTarget());
  }

  has(peerId: string): boolean {
    return this.peers.has(peerId);
  }

  peerIds(): string[] {
    return [...this.peers.keys()];
  }

  close(): void {
    for (const peerId of [...this.peers.keys()]) this.disconnect(peerId);
  }
}
