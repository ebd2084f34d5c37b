import type { Ack, Knock, Logger, PeerInfo } from '@confer/shared';
import { closedMidJoin, refuse } from './refusals.js';
import type { RoomAccess } from './RoomAccess.js';
import type { RoomStore } from './RoomStore.js';
import { peerRoom, type PeerSocket, type SignalingIo } from './ServerContext.js';

/** People waiting to enter one room at most: a flood of knocks cannot fill the host's screen or the store. */
export const MAX_WAITING = 16;

export const waitForHost = refuse('WAITING', 'Waiting for the host to let you in');

export interface WaitingRoomDeps {
  io: SignalingIo;
  rooms: RoomStore;
  access: RoomAccess;
}

/**
 * Newcomers of a locked room (or of any room with ADMISSION=knock) wait here, each in the store's list of its
 * room, until the host admits them (they get a ticket to join again with) or denies them. Their connection
 * sits in its peer's Socket.IO room, so the answer reaches it from any server of a cluster.
 */
export class WaitingRoom {
  constructor(private readonly deps: WaitingRoomDeps) {}

  async knock(socket: PeerSocket, peer: PeerInfo, roomId: string, log: Logger): Promise<Ack<never>> {
    const { rooms } = this.deps;
    const waiting = await rooms.knock(roomId, { peerId: peer.peerId, displayName: peer.displayName, since: Date.now() }, MAX_WAITING);
    if (waiting === 'full') return refuse('ROOM_FULL', `${MAX_WAITING} people already wait to enter room ${roomId}; try again later`);
    // Gone while we wrote it down: nobody would ever take it off the list.
    if (socket.disconnected) {
      await rooms.unknock(roomId, peer.peerId);
      return closedMidJoin;
    }
    socket.data.knocking = roomId;
    await socket.join(peerRoom(peer.peerId));
    // The knock may have made a host (the last one never came back after a restart): the room learns who.
    const controls = await rooms.controls(roomId);
    this.deps.io.to(roomId).emit('room:controls', controls);
    await this.tellHost(roomId, waiting, controls.hostId ?? undefined);
    log.info({ roomId }, 'waiting for the host');
    return waitForHost;
  }

  /** The connection stopped waiting (it closed, left, or came in). */
  async leave(socket: PeerSocket): Promise<void> {
    const roomId = socket.data.knocking;
    if (!roomId) return;
    socket.data.knocking = undefined;
    if (await this.deps.rooms.unknock(roomId, socket.data.peerId)) await this.tellHost(roomId);
  }

  /** The host's answer to one who waits; false when nobody by that id waits. */
  async decide(roomId: string, peerId: string, admit: boolean): Promise<boolean> {
    if (!(await this.deps.rooms.unknock(roomId, peerId))) return false;
    const answer = admit ? { admitted: true as const, ticket: this.deps.access.admissionTicket(peerId, roomId) } : { admitted: false as const };
    this.deps.io.to(peerRoom(peerId)).emit('room:admission', answer);
    await this.tellHost(roomId);
    return true;
  }

  /** The meeting ended: nobody who waits for it will come in. */
  denyAll(roomId: string, waiting: Knock[]): void {
    for (const { peerId } of waiting) this.deps.io.to(peerRoom(peerId)).emit('room:admission', { admitted: false });
  }

  /** Tells the host (the room's, or `hostId`, who just became it) who waits now. */
  async tellHost(roomId: string, waiting?: Knock[], hostId?: string): Promise<void> {
    const host = hostId ?? (await this.deps.rooms.controls(roomId)).hostId;
    if (!host) return;
    this.deps.io.to(peerRoom(host)).emit('room:waiting', { waiting: waiting ?? (await this.deps.rooms.waiting(roomId)) });
  }
}
