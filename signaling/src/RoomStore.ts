import type { PeerInfo } from '@confer/shared';

/**
 * Room membership. In memory by default; a Redis implementation lets several signaling servers
 * share rooms (fan-out already goes through Socket.IO rooms, so the Redis adapter slots in).
 */
export interface RoomStore {
  /** Adds the peer and returns everyone else already in the room. */
  addPeer(roomId: string, peer: PeerInfo): Promise<PeerInfo[]>;
  /** Removes the peer and returns how many remain. */
  removePeer(roomId: string, peerId: string): Promise<number>;
  roomCount(): Promise<number>;
}

export class InMemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();

  async addPeer(roomId: string, peer: PeerInfo): Promise<PeerInfo[]> {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
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

  async roomCount(): Promise<number> {
    return this.rooms.size;
  }
}
