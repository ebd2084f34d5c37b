import type { Topology } from '@confer/shared';
import { MEDIA_WAIT_MS } from '../media/decodeWaiter';

/** Longest a tile waits for its peer's screen on the new path before moving without it. */
export const SCREEN_WAIT_MS = 5000;
/**
 * How long a switch may take before the old path is dropped anyway: as long as a tile waits for media on
 * the new path, since until then the old one is all it has.
 */
export const SWITCH_TIMEOUT_MS = MEDIA_WAIT_MS;

/** Where a remote peer stands in a switch; one record, so leaving or resetting clears it all at once. */
interface PeerPaths<S> {
  /** The path this peer's tile shows. */
  shown?: Topology;
  /** The path the peer says it receives our media through. */
  theirs?: Topology;
  /** The peer's shared screen by the path it arrived on (during a switch, on both). */
  screens: Partial<Record<Topology, S>>;
  /** A move to a new path that waits for the peer's screen to decode there too. */
  waiting?: { path: Topology; stream: S; timer: ReturnType<typeof setTimeout> };
}

/** What the switcher reads from and does to the room around it. */
export interface PathSwitcherHost<S> {
  /** The remote peers in the room. */
  roster(): string[];
  isSharing(peerId: string): boolean;
  /** Peers with a mesh link open, and whether the SFU session is. */
  meshPeers(): string[];
  sfuOpen(): boolean;
  /** The peer's tile now shows `stream`, which arrives via `path`. */
  show(peerId: string, path: Topology, stream: S): void;
  /** The peer's screen to show; null: none arrived on either path (the host may keep a last frame). */
  showScreen(peerId: string, screen: S | null): void;
  /** Tell the peer which path we receive it through (it closes its old path to us on that). */
  tellPeer(peerId: string, path: Topology): void;
  /** Close the mesh links to these peers, and the mesh itself once it has none left. */
  closeMesh(peerIds: string[]): void;
  closeSfu(): void;
  /** The switch is over on this side; `switchId` is the server's id of it (null: nothing to report). */
  finished(switchId: string | null): void;
  log(peerId: string, event: 'show' | 'close', path: Topology): void;
}

/**
 * The make-before-break mesh ⇄ SFU state machine. A peer's tile moves to the new path once media from it
 * decodes there (and its screen, if it presents, or after SCREEN_WAIT_MS); the old path to a peer closes once
 * both sides show each other on the new one; the SFU is left once every pair is back on mesh. A switch that
 * takes longer than SWITCH_TIMEOUT_MS drops the old paths anyway. No WebRTC here: streams are opaque.
 */
export class PathSwitcher<S> {
  private current: Topology = 'mesh';
  private switchId: string | null = null;
  private switching = false;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private readonly peers = new Map<string, PeerPaths<S>>();

  constructor(private readonly host: PathSwitcherHost<S>) {}

  get topology(): Topology {
    return this.current;
  }

  /** The path a peer's tile shows (undefined: none yet). */
  shown(peerId: string): Topology | undefined {
    return this.peers.get(peerId)?.shown;
  }

  /** A fresh start on `topology` (joined, or joined afresh): nothing to switch from. */
  start(topology: Topology): void {
    this.reset();
    this.current = topology;
  }

  /** The server moved the room; the deadline of a switch still under way is replaced by this one's. */
  begin(topology: Topology, switchId: string | null): void {
    this.current = topology;
    this.switchId = switchId;
    this.switching = true;
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.closeOldPaths(true), SWITCH_TIMEOUT_MS);
  }

  /** Media from a peer decodes on `path`. */
  mediaArrived(peerId: string, path: Topology, stream: S): void {
    // Late news of a peer that left must not bring its record back.
    if (this.host.roster().includes(peerId)) this.move(peerId, path, stream, false);
  }

  /** A peer's screen started (a stream) or stopped (null) arriving on `path`. */
  screenArrived(peerId: string, path: Topology, stream: S | null): void {
    // A screen that stopped needs no record (a peer that left must not get one back).
    const peer = stream ? this.peer(peerId) : this.peers.get(peerId);
    if (stream && peer) peer.screens[path] = stream;
    else delete peer?.screens[path];
    if (stream && peer?.waiting?.path === path) this.moveWaiting(peerId);
    this.showScreen(peerId);
  }

  /** The peer says it receives us through `path`. */
  peerReceiving(peerId: string, path: Topology): void {
    this.peer(peerId).theirs = path;
    this.closeOldPaths();
  }

  /** A peer stopped presenting: a tile waiting for its screen need not wait, nor keep its last frame. */
  sharingStopped(peerId: string): void {
    this.moveWaiting(peerId);
    this.showScreen(peerId);
  }

  /** Call after the peer left the roster. */
  peerLeft(peerId: string): void {
    clearTimeout(this.peers.get(peerId)?.waiting?.timer);
    this.peers.delete(peerId);
    this.closeOldPaths();
  }

  /** Both paths are gone (left, or joining afresh): forget every peer, end any switch without a report. */
  reset(): void {
    clearTimeout(this.deadline);
    for (const { waiting } of this.peers.values()) clearTimeout(waiting?.timer);
    this.peers.clear();
    if (this.switching) {
      this.switching = false;
      this.switchId = null;
      this.host.finished(null);
    }
  }

  private peer(peerId: string): PeerPaths<S> {
    let peer = this.peers.get(peerId);
    if (!peer) this.peers.set(peerId, (peer = { screens: {} }));
    return peer;
  }

  private move(peerId: string, path: Topology, stream: S, screenWaited: boolean): void {
    const peer = this.peer(peerId);
    const changed = peer.shown !== path;
    // A peer that presents moves once its screen decodes on the new path too, so the old path (which the
    // peer closes when we say we receive on the new one) keeps the share on screen until then.
    if (changed && !screenWaited && peer.shown && this.host.isSharing(peerId) && !peer.screens[path]) {
      if (peer.waiting?.path === path) {
        peer.waiting.stream = stream;
        return;
      }
      clearTimeout(peer.waiting?.timer);
      peer.waiting = { path, stream, timer: setTimeout(() => this.moveWaiting(peerId), SCREEN_WAIT_MS) };
      return;
    }
    peer.shown = path;
    if (changed) this.host.log(peerId, 'show', path);
    this.host.show(peerId, path, stream);
    if (changed) this.host.tellPeer(peerId, path);
    this.showScreen(peerId);
    this.closeOldPaths();
  }

  /** Moves a tile that waited for its peer's screen (it arrived, or waiting longer would stall the switch). */
  private moveWaiting(peerId: string): void {
    const peer = this.peers.get(peerId);
    const waiting = peer?.waiting;
    if (!peer || !waiting) return;
    clearTimeout(waiting.timer);
    delete peer.waiting;
    if (this.current === waiting.path) this.move(peerId, waiting.path, waiting.stream, true);
  }

  /** A peer's screen follows the path its tile shows; until it arrives there, the other path's stays. */
  private showScreen(peerId: string): void {
    const peer = this.peers.get(peerId);
    const path = peer?.shown ?? this.current;
    this.host.showScreen(peerId, peer?.screens[path] ?? peer?.screens[path === 'sfu' ? 'mesh' : 'sfu'] ?? null);
  }

  private closeOldPaths(timedOut = false): void {
    const topology = this.current;
    const settled = (id: string) => this.peers.get(id)?.shown === topology && this.peers.get(id)?.theirs === topology;
    const roster = this.host.roster();
    if (topology === 'sfu') {
      const done = this.host.meshPeers().filter((id) => settled(id) || timedOut || !roster.includes(id));
      this.host.closeMesh(done);
      for (const id of done) {
        this.screenArrived(id, 'mesh', null);
        this.host.log(id, 'close', 'mesh');
      }
    }
    if (topology === 'mesh' && this.host.sfuOpen() && (timedOut || roster.every(settled))) {
      this.host.closeSfu();
      for (const id of roster) this.screenArrived(id, 'sfu', null);
      this.host.log('*', 'close', 'sfu');
    }
    if (this.switching && (timedOut || roster.every((id) => this.peers.get(id)?.shown === topology))) {
      this.switching = false;
      const switchId = this.switchId;
      this.switchId = null;
      this.host.finished(switchId);
    }
  }
}
