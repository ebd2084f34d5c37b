import type { PeerInfo } from '@confer/shared';
import type { RoomSeal } from './RoomAccess.js';
import { StateJournal } from './StateJournal.js';

export interface AddedPeer {
  others: PeerInfo[];
  seal: RoomSeal;
}
export type SeatRefusal = 'full' | 'locked' | 'rooms';
export interface SeatRules {
  unlockedOnly?: boolean;
  maxRooms?: number;
}

/**
 * Room membership. In memory by default; a Redis implementation lets several signaling servers
 * share rooms (fan-out already goes through Socket.IO rooms, so the Redis adapter slots in).
 * Each method is one atomic step, so an implementation over Redis can keep that promise.
 */
export interface RoomStore {
  /**
   * Adds the peer and returns everyone else and the room's seal, unless the room already holds `capacity`
   * peers ('full'). A room without a seal is created with `seal` (or refused, 'rooms', when `rules.maxRooms`
   * rooms exist); an existing one keeps its own, and with `rules.unlockedOnly` one with a password is refused
   * ('locked'): a joiner who gave none needs no separate read of the seal first.
   */
  addPeer(roomId: string, peer: PeerInfo, capacity: number, seal: RoomSeal, rules?: SeatRules): Promise<AddedPeer | SeatRefusal>;
  /** The room's seal (epoch and lock); null for a room that does not exist. */
  roomSeal(roomId: string): Promise<RoomSeal | null>;
  /** Remembers that a peer left for good until `untilMs`, so its resume token cannot bring it back. */
  retirePeer(peerId: string, untilMs: number): Promise<void>;
  isRetired(peerId: string): Promise<boolean>;
  /** Removes the peer and returns how many remain. */
  removePeer(roomId: string, peerId: string): Promise<number>;
  getPeer(roomId: string, peerId: string): Promise<PeerInfo | null>;
  peers(roomId: string): Promise<PeerInfo[]>;
  /** Applies `patch` to the peer and returns the result, or null when it is not in the room. */
  updatePeer(roomId: string, peerId: string, patch: Partial<Omit<PeerInfo, 'peerId'>>): Promise<PeerInfo | null>;
  roomCount(): Promise<number>;
  /** Every room with someone in it (for metrics and the operator's room list). */
  roomIds(): Promise<string[]>;
}

/** Retired peer ids kept at most (oldest dropped first); a dropped one could only resume a seat that is gone. */
const MAX_RETIRED = 100_000;

/**
 * One server's rooms, in memory. Seals and retired peers also go to the journal (when it has a file), so
 * after a restart a room comes back with its password and epoch for its peers' resume tokens, and a peer
 * that left stays out. Seals read back but never claimed again are dropped after `restoreWindowMs`.
 */
export class InMemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();
  private readonly seals: Map<string, RoomSeal>;
  /** Insertion-ordered, so the oldest entries are pruned first. */
  private readonly retired: Map<string, number>;

  constructor(
    private readonly journal = StateJournal.open(null),
    restoreWindowMs = 5 * 60_000,
  ) {
    ({ seals: this.seals, retired: this.retired } = journal.state);
    if (this.seals.size === 0) return;
    const restored = [...this.seals.keys()];
    setTimeout(() => {
      for (const roomId of restored) if (!this.rooms.has(roomId) && this.seals.has(roomId)) this.unseal(roomId);
    }, restoreWindowMs).unref();
  }

  async addPeer(roomId: string, peer: PeerInfo, capacity: number, seal: RoomSeal, rules: SeatRules = {}): Promise<AddedPeer | SeatRefusal> {
    const room = this.rooms.get(roomId) ?? new Map<string, PeerInfo>();
    if (room.size >= capacity) return 'full';
    let kept = this.seals.get(roomId);
    if (kept?.lock && rules.unlockedOnly) return 'locked';
    if (!kept && rules.maxRooms !== undefined && this.rooms.size >= rules.maxRooms) return 'rooms';
    if (!kept) this.journal.sealed(roomId, (kept = seal));
    this.rooms.set(roomId, room);
    const others = [...room.values()];
    room.set(peer.peerId, peer);
    return { others, seal: kept };
  }

  private unseal(roomId: string): void {
    this.seals.delete(roomId);
    this.journal.sealed(roomId, null);
  }

  async removePeer(roomId: string, peerId: string): Promise<number> {
    const room = this.rooms.get(roomId);
    if (!room) return 0;
    room.delete(peerId);
    if (room.size === 0) {
      this.rooms.delete(roomId);
      this.unseal(roomId);
    }
    return room.size;
  }

  async roomSeal(roomId: string): Promise<RoomSeal | null> {
    return this.seals.get(roomId) ?? null;
  }

  async retirePeer(peerId: string, untilMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.retired) {
      if (until > now && this.retired.size < MAX_RETIRED) break;
      this.retired.delete(id);
    }
    this.journal.retired(peerId, untilMs);
  }

  async isRetired(peerId: string): Promise<boolean> {
    return (this.retired.get(peerId) ?? 0) > Date.now();
  }

  async getPeer(roomId: string, peerId: string): Promise<PeerInfo | null> {
    return this.rooms.get(roomId)?.get(peerId) ?? null;
  }

  async peers(roomId: string): Promise<PeerInfo[]> {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }

  async updatePeer(roomId: string, peerId: string, patch: Partial<Omit<PeerInfo, 'peerId'>>): Promise<PeerInfo | null> {
    const peer = this.rooms.get(roomId)?.get(peerId);
    if (!peer) return null;
    const updated = { ...peer, ...patch };
    this.rooms.get(roomId)?.set(peerId, updated);
    return updated;
  }

  async roomCount(): Promise<number> {
    return this.rooms.size;
  }

  async roomIds(): Promise<string[]> {
    return [...this.rooms.keys()];
  }
}
