import type { PeerInfo } from '@confer/shared';
import type { RoomLock } from './RoomAccess.js';

/**
 * Room membership. In memory by default; a Redis implementation lets several signaling servers
 * share rooms (fan-out already goes through Socket.IO rooms, so the Redis adapter slots in).
 * Each method is one atomic step, so an implementation over Redis can keep that promise.
 */
export interface RoomStore {
  /**
   * Adds the peer unless the room already holds `capacity` peers; returns everyone else, or null when full.
   * A room is created by its first peer, with `lock` (its password) if given; later locks are ignored.
   */
  addPeer(roomId: string, peer: PeerInfo, capacity: number, lock?: RoomLock | null): Promise<PeerInfo[] | null>;
  /** The room's password lock; null for an open or unknown room. */
  roomLock(roomId: string): Promise<RoomLock | null>;
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

export class InMemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();
  private readonly locks = new Map<string, RoomLock>();
  /** Insertion-ordered, so the oldest entries are pruned first. */
  private readonly retired = new Map<string, number>();

  async addPeer(roomId: string, peer: PeerInfo, capacity: number, lock?: RoomLock | null): Promise<PeerInfo[] | null> {
    let room = this.rooms.get(roomId);
    if (!room) {
      this.rooms.set(roomId, (room = new Map()));
      if (lock) this.locks.set(roomId, lock);
    }
    if (room.size >= capacity) return null;
    const others = [...room.values()];
    room.set(peer.peerId, peer);
    return others;
  }

  async removePeer(roomId: string, peerId: string): Promise<number> {
    const room = this.rooms.get(roomId);
    if (!room) return 0;
    room.delete(peerId);
    if (room.size === 0) {
      this.rooms.delete(roomId);
      this.locks.delete(roomId);
    }
    return room.size;
  }

  async roomLock(roomId: string): Promise<RoomLock | null> {
    return this.locks.get(roomId) ?? null;
  }

  async retirePeer(peerId: string, untilMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.retired) {
      if (until > now && this.retired.size < MAX_RETIRED) break;
      this.retired.delete(id);
    }
    this.retired.set(peerId, untilMs);
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
