import type { JoinRequest, JoinResponse, Logger, PeerInfo, Ack, RoomControls } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { HeldSeats } from './HeldSeats.js';
import { closedMidJoin, passwordRequired, refuse, roomLimitReached } from './refusals.js';
import type { ResumeClaims, RoomAccess, RoomSeal } from './RoomAccess.js';
import type { RoomStore, SeatRefusal, SeatRules } from './RoomStore.js';
import type { RoomTopology, TopologyView } from './RoomTopology.js';
import type { Call } from './rpc/RequestRouter.js';
import { peerRoom, statsRoom, type PeerSocket, type ServerConfig, type SignalingIo } from './ServerContext.js';
import type { StatsHub } from './StatsHub.js';
import type { TurnService } from './TurnService.js';
import type { WaitingRoom } from './WaitingRoom.js';

/** A peer that left for good cannot come back with its resume token for this long (its token's lifetime). */
const RETIRE_MS = 24 * 3600_000;

export interface SeatsDeps {
  config: Pick<ServerConfig, 'roomCapacity' | 'reconnectGraceMs'>;
  io: SignalingIo;
  rooms: RoomStore;
  held: HeldSeats;
  access: RoomAccess;
  turn: TurnService;
  sfu: Sfu;
  topology: RoomTopology;
  stats: StatsHub;
  waiting: WaitingRoom;
  log: Logger;
}

/**
 * Who sits where: a new seat, a seat taken back with a resume token (held through a dropped connection,
 * taken over from a connection not yet seen to drop, or restored after a restart), leaving, and the grace
 * period of a dropped connection. Membership is in the RoomStore and held seats in HeldSeats; the socket
 * of each peer seated through this server is the one thing that stays local.
 */
export class Seats {
  private readonly sockets = new Map<string, PeerSocket>();

  constructor(private readonly deps: SeatsDeps) {
    deps.held.onExpire((peerId, roomId) => {
      const log = deps.log.child({ peerId });
      void this.leave(roomId, peerId, log).catch((err: Error) => log.error({ err: err.message }, 'leave on disconnect failed'));
    });
  }

  /** Whether the peer sits in the room through this server: known without asking the store. */
  seatedHere(peerId: string, roomId: string): boolean {
    return this.sockets.get(peerId)?.data.roomId === roomId;
  }

  peerInfo(peerId: string, req: JoinRequest, displayName: string): PeerInfo {
    return { peerId, displayName, audioMuted: req.audioMuted ?? false, videoMuted: req.videoMuted ?? false, screenSharing: false, handRaisedAt: null, joinedAt: Date.now() };
  }

  /**
   * Seats a peer that is new to the room (a fresh join, or a seat restored after a restart). The seat, this
   * server's claim on it and the room's topology record are asked for at once (in a cluster, one round trip):
   * the claim is dropped again if the seat is refused, and the topology sees who the seat's answer says is in.
   */
  async seat(call: Call<PeerSocket>, peer: PeerInfo, roomId: string, seal: RoomSeal, resumed: false | 'restored', fixedName: string | undefined, rules: SeatRules = {}): Promise<Ack<JoinResponse>> {
    const { socket, log } = call;
    const { peerId } = peer;
    const capacity = this.deps.config.roomCapacity;
    const adding = this.deps.rooms.addPeer(roomId, peer, capacity, seal, rules);
    const claimed = this.deps.held.seated(peerId, roomId);
    // The room's new topology before the others hear of the newcomer: a room this join moves to the SFU must
    // not open mesh links to it.
    const people = adding.then((added) => (typeof added === 'string' ? null : { participants: [...added.others.map((p) => p.peerId), peerId], sharing: added.others.filter((p) => p.screenSharing).length }));
    const evaluated = this.deps.topology.evaluate(roomId, peerId, people);
    // Each is awaited below; a rejection meanwhile is not an unhandled one.
    for (const pending of [claimed, evaluated]) pending.catch(() => undefined);
    // No seat after all: this server's claim on it goes too.
    const unclaim = async () => {
      await Promise.allSettled([evaluated, claimed]);
      await this.deps.held.release(peerId, roomId);
    };
    const added = await adding.catch(async (error: unknown) => {
      await unclaim();
      throw error;
    });
    if (typeof added === 'string') {
      await unclaim();
      return this.refused(call, roomId, peer, added, rules);
    }
    // The connection closed while the join awaited (a password's scrypt, the store): its disconnect found no
    // seat to free, so the seat just taken would be a ghost. Give it back.
    if (socket.disconnected) {
      await unclaim();
      await this.deps.rooms.removePeer(roomId, peerId);
      await this.deps.topology.peerLeft(roomId, peerId);
      log.info({ roomId }, 'join abandoned: the connection closed');
      return closedMidJoin;
    }
    await this.occupy(socket, peerId, roomId, fixedName);
    const [view] = await Promise.all([evaluated, claimed]);
    socket.to(roomId).emit('room:peer-joined', peer);
    // The room had no host seated (or the joiner's token makes it host): the others, and the host, learn of it.
    if (added.hostChanged && added.others.length > 0) {
      socket.to(roomId).emit('room:controls', added.controls);
      if (added.controls.hostId) await this.deps.waiting.tellHost(roomId, undefined, added.controls.hostId);
    }
    this.deps.stats.roomChanged(roomId);
    log.info({ roomId, peers: added.others.length + 1, resumed }, resumed ? 'peer restored its seat' : 'peer joined');
    return { ok: true, data: await this.joinResponse(socket, roomId, added.others, added.seal, resumed, added.controls, view) };
  }

  private refused(call: Call<PeerSocket>, roomId: string, peer: PeerInfo, refusal: SeatRefusal, rules: SeatRules): Promise<Ack<JoinResponse>> | Ack<JoinResponse> {
    const { log } = call;
    const capacity = this.deps.config.roomCapacity;
    if (refusal === 'full') {
      log.info({ roomId, capacity }, 'join refused: room full');
      return refuse('ROOM_FULL', `room ${roomId} is full (${capacity} participants)`);
    }
    if (refusal === 'locked') {
      log.info({ roomId, code: 'PASSWORD_REQUIRED' }, 'join refused');
      return passwordRequired(roomId);
    }
    if (refusal === 'rooms') {
      log.warn({ roomId, maxRooms: rules.maxRooms }, 'join refused: room limit reached');
      return roomLimitReached(rules.maxRooms ?? 0);
    }
    return this.deps.waiting.knock(call.socket, peer, roomId, log);
  }

  /**
   * A join with a valid resume token takes its seat back. Null when the peer left for good or sits on
   * another server: the join then proceeds as a fresh one.
   */
  async reseat(call: Call<PeerSocket>, claims: ResumeClaims, req: JoinRequest): Promise<Ack<JoinResponse> | null> {
    const { socket } = call;
    const { sub: peerId, room: roomId } = claims;
    const log = this.deps.log.child({ peerId });
    // Only into the life of the room the token was issued in: not into one emptied and created again.
    const seal = await this.deps.rooms.roomSeal(roomId);
    // Gone while we looked: taking its held seat now would leave a seat nobody frees.
    if (socket.disconnected) return closedMidJoin;
    if (seal?.epoch !== claims.epoch) return null;
    const held = await this.deps.held.take(peerId, roomId);
    if (socket.disconnected) {
      if (held) await this.hold(peerId, roomId, log);
      return closedMidJoin;
    }
    // Its old connection lives on another server (not yet seen to drop): that server lets it go.
    // (Not this connection, which may be in the peer's room by the time that reaches this server.)
    if (held === 'elsewhere') this.deps.io.in(peerRoom(peerId)).except(socket.id).disconnectSockets(true);
    const stale = this.sockets.get(peerId);
    if (held || stale?.data.roomId === roomId) {
      if (stale) {
        // Its owner reconnected before we noticed the old connection die (laptop sleep): retire it quietly.
        stale.data.roomId = undefined;
        stale.disconnect(true);
        log.info({ roomId }, 'stale connection replaced');
      }
      call.log = log;
      await this.occupy(socket, peerId, roomId, claims.name);
      const [everyone, controls] = await Promise.all([this.deps.rooms.peers(roomId), this.deps.rooms.controls(roomId), this.deps.held.seated(peerId, roomId)]);
      log.info({ roomId }, 'peer resumed its seat');
      return { ok: true, data: await this.joinResponse(socket, roomId, everyone.filter((p) => p.peerId !== peerId), seal, 'held', controls) };
    }
    if (await this.deps.rooms.getPeer(roomId, peerId)) return null;
    const retired = await this.deps.rooms.retiredWhy(peerId);
    if (retired === 'removed') return refuse('FORBIDDEN', 'the host removed you from this meeting');
    if (retired) return null;
    // A restarted server (the room's seal came back from its journal): re-create the seat, on the topology the room had.
    call.log = log;
    const peer = this.peerInfo(peerId, req, claims.name ?? req.displayName);
    if (req.resume?.topology && (await this.deps.rooms.peers(roomId)).length === 0) await this.deps.topology.seed(roomId, req.resume.topology);
    // It was in the room: no waiting room, and the host it had may still come back.
    return this.seat(call, peer, roomId, seal, 'restored', claims.name, { admitted: true, restoring: true });
  }

  /** The socket is the peer's, in its room: it joins the room's Socket.IO rooms (this server's only). */
  private async occupy(socket: PeerSocket, peerId: string, roomId: string, fixedName: string | undefined): Promise<void> {
    socket.data.peerId = peerId;
    socket.data.roomId = roomId;
    socket.data.fixedName = fixedName;
    socket.data.knocking = undefined;
    this.sockets.set(peerId, socket);
    await socket.join([roomId, peerRoom(peerId)]);
  }

  /** The answer to a join; `view` when the join just evaluated the room's topology (one Redis read fewer). */
  private async joinResponse(socket: PeerSocket, roomId: string, peers: PeerInfo[], seal: RoomSeal, resumed: JoinResponse['resumed'], controls: RoomControls, view?: TopologyView): Promise<JoinResponse> {
    const { peerId } = socket.data;
    const { iceServers, expiresAt } = this.deps.turn.iceServersFor(peerId);
    const { topology, standby } = view ?? (await this.deps.topology.view(roomId));
    const resumeToken = this.deps.access.resumeToken(peerId, roomId, seal, socket.data.fixedName);
    return { peerId, roomId, peers, topology, standby, capacity: this.deps.config.roomCapacity, controls, iceServers, iceCredentialsExpireAt: expiresAt, resumeToken, resumed };
  }

  async leave(roomId: string, peerId: string, log: Logger, why: 'left' | 'removed' = 'left'): Promise<void> {
    const { io, rooms, sfu, topology, stats } = this.deps;
    // Its connection, if it is still open, is here (a leave on purpose): a disconnected one left its rooms already.
    const socket = this.sockets.get(peerId);
    this.sockets.delete(peerId);
    await this.deps.held.release(peerId, roomId);
    await rooms.retirePeer(peerId, Date.now() + RETIRE_MS, why);
    const { remaining, newHost } = await rooms.removePeer(roomId, peerId);
    // Locally: asking every server of a cluster to look for the socket would cost each of them a message per leave.
    await socket?.leave(roomId);
    io.to(roomId).emit('room:peer-left', { peerId });
    if (newHost) {
      io.to(roomId).emit('room:controls', await rooms.controls(roomId));
      await this.deps.waiting.tellHost(roomId, undefined, newHost);
      log.info({ roomId, hostId: newHost }, 'host left: the longest present is host now');
    }
    sfu.leavePeer(roomId, peerId);
    if (remaining === 0) sfu.closeRoom(roomId);
    await topology.peerLeft(roomId, peerId);
    // A participant watched its room's stats as a participant only: that ends with its seat.
    await socket?.leave(statsRoom(roomId));
    stats.roomChanged(roomId, true);
    log.info({ roomId, remaining }, 'peer left');
  }

  /**
   * The host removed the peer, or ended the meeting for all (`peers`): each is told why, loses its seat for
   * good (its resume token no longer brings it back), and its connection, on whichever server, is closed.
   */
  async close(roomId: string, peerIds: string[], reason: 'removed' | 'ended', log: Logger): Promise<void> {
    const { io, rooms, waiting } = this.deps;
    const theirRooms = peerIds.map(peerRoom);
    if (reason === 'ended') waiting.denyAll(roomId, await rooms.waiting(roomId));
    io.to(theirRooms).emit('room:closed', { reason });
    for (const peerId of peerIds) await this.leave(roomId, peerId, log.child({ peerId }), reason === 'removed' ? 'removed' : 'left');
    // Once the request that asked for it is answered (the host's own connection closes too when it ends the meeting).
    setImmediate(() => io.in(theirRooms).disconnectSockets(true));
    log.info({ roomId, peers: peerIds.length, reason }, reason === 'ended' ? 'the host ended the meeting' : 'the host removed a participant');
  }

  /** A client that left on purpose goes at once; a dropped one keeps its seat for the grace period. */
  async disconnected(socket: PeerSocket, onPurpose: boolean, log: Logger): Promise<void> {
    const { roomId, peerId } = socket.data;
    // A connection taken over by a resume (or never seated) frees nothing.
    if (!roomId || this.sockets.get(peerId) !== socket) return;
    this.sockets.delete(peerId);
    if (onPurpose || this.deps.config.reconnectGraceMs === 0) {
      // A seat its peer took back on another server (a resume there) is not ours to free.
      if (!(await this.deps.held.owns(peerId, roomId))) return;
      return this.leave(roomId, peerId, log);
    }
    await this.hold(peerId, roomId, log);
  }

  private async hold(peerId: string, roomId: string, log: Logger): Promise<void> {
    if (!(await this.deps.held.hold(peerId, roomId, this.deps.config.reconnectGraceMs))) log.info({ roomId }, 'seat already taken back on another server');
  }

  shutdown(): Promise<void> {
    return this.deps.held.close();
  }
}
