import type { PeerInfo } from '@confer/shared';

/**
 * Room membership. In memory by default; a Redis implementation lets several signaling servers
 * share rooms (fan-out already goes through Socket.IO rooms, so the Redis adapter slots in).
 * Each method is one atomic step, so an implementation over Redis can keep that promise.
 */
export interface RoomStore {
  /** Adds the peer unless the room already holds `capacity` peers; returns everyone else, or null when full. */
  addPeer(roomId: string, peer: PeerInfo, capacity: number): Promise<PeerInfo[] | null>;
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

export class InMemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();

  async addPeer(roomId: string, peer: PeerInfo, capacity: number): Promise<PeerInfo[] | null> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
    if (room.size >= capacity) return null;
    const others = [...room.values()];
    room.set(peer.peerId, peer);
    return others;
  }

  async removePeer(roomId: string, peerId: string): Promise<number> {
    const room = this.rooms.get(roomId);
    if (!room) return 0;
    room.delete(peerId);
    if (room.size === 0) this.rooms.delete(roomId);
    return room.size;
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
