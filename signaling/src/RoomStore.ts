import type { Knock, PeerInfo, RoomControls } from '@confer/shared';
import type { RoomSeal } from './RoomAccess.js';
import { StateJournal, type Retirement } from './StateJournal.js';

export interface AddedPeer {
  others: PeerInfo[];
  seal: RoomSeal;
  /** The room's controls with this seat taken (the first one in, or a host's token, made it host). */
  controls: RoomControls;
  /** This seat changed the host (others in the room must hear of it). */
  hostChanged: boolean;
}
export type SeatRefusal = 'full' | 'locked' | 'rooms' | 'knock';
export interface SeatRules {
  unlockedOnly?: boolean;
  maxRooms?: number;
  /** Newcomers of every room wait for the host (ADMISSION=knock), not only of a locked one. */
  knock?: boolean;
  /** The host let this joiner in, or its token makes it host: no waiting room. */
  admitted?: boolean;
  /** A join token's `role: "host"`: the joiner becomes the room's host. */
  claimHost?: boolean;
  /** A seat re-created after a restart: the host it had may still come back, so nobody takes its place. */
  restoring?: boolean;
}
export interface RemovedPeer {
  remaining: number;
  /** The host left and this peer (the longest present) is host now. */
  newHost: string | null;
}

export const openControls: RoomControls = { hostId: null, locked: false };

/** Who becomes host when the room has none: the longest present (ties by peer id, so every store agrees). */
export function longestPresent(peers: Iterable<PeerInfo>): string | null {
  let first: PeerInfo | null = null;
  for (const p of peers) if (!first || p.joinedAt < first.joinedAt || (p.joinedAt === first.joinedAt && p.peerId < first.peerId)) first = p;
  return first?.peerId ?? null;
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
  // The room's controls: a room without a host seated gets one at the next seat change (longestPresent);
  // one that ends forgets them with its seal. A newcomer of a room with someone in it waits ('knock') while
  // it is locked (or with rules.knock), unless rules.admitted.
  /** The room's seal (epoch and lock); null for a room that does not exist. */
  roomSeal(roomId: string): Promise<RoomSeal | null>;
  /** Remembers that a peer left for good until `untilMs`, so its resume token cannot bring it back. */
  retirePeer(peerId: string, untilMs: number, why?: Retirement['why']): Promise<void>;
  /** Why a peer is retired ('removed': by the host), or null when it is not. */
  retiredWhy(peerId: string): Promise<Retirement['why'] | null>;
  /** Removes the peer: how many remain, and who took over as host if it was the host. */
  removePeer(roomId: string, peerId: string): Promise<RemovedPeer>;
  controls(roomId: string): Promise<RoomControls>;
  /**
   * Changes the controls if `byHost` is the room's host (and a new `hostId` is seated): the result, or null
   * when either is not so (nothing changes).
   */
  updateControls(roomId: string, byHost: string, patch: Partial<RoomControls>): Promise<RoomControls | null>;
  /** Into the waiting room (again: the entry is replaced); 'full' when `max` others wait already. Returns who waits. */
  knock(roomId: string, knock: Knock, max: number): Promise<Knock[] | 'full'>;
  /** Out of the waiting room: the entry, or null when it was not there. */
  unknock(roomId: string, peerId: string): Promise<Knock | null>;
  /** Who waits, oldest first. */
  waiting(roomId: string): Promise<Knock[]>;
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
  private readonly retired: Map<string, Retirement>;
  /** Journaled with the seals, so a restarted server keeps each room's host and lock. */
  private readonly controlsOf: Map<string, RoomControls>;
  private readonly waitingIn = new Map<string, Map<string, Knock>>();

  constructor(
    private readonly journal = StateJournal.open(null),
    restoreWindowMs = 5 * 60_000,
  ) {
    ({ seals: this.seals, retired: this.retired, controls: this.controlsOf } = journal.state);
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
    const controls = this.controlsOf.get(roomId) ?? openControls;
    if (room.size > 0 && (controls.locked || rules.knock) && !rules.admitted && !rules.claimHost) {
      // Someone must be there to let the newcomer in: a host who never came back after a restart hands over.
      this.seatChanged(roomId, room, controls, null);
      return 'knock';
    }
    if (!kept) this.journal.sealed(roomId, (kept = seal));
    this.rooms.set(roomId, room);
    const others = [...room.values()];
    room.set(peer.peerId, peer);
    const after = this.seatChanged(roomId, room, controls, rules.claimHost ? peer.peerId : null, rules.restoring);
    return { others, seal: kept, controls: after, hostChanged: after.hostId !== controls.hostId };
  }

  /** The room's controls after a seat change: a host is made when there is none seated (or `claimed`). */
  private seatChanged(roomId: string, room: Map<string, PeerInfo>, controls: RoomControls, claimed: string | null, restoring = false): RoomControls {
    const absent = controls.hostId === null || (!room.has(controls.hostId) && !restoring);
    const hostId = claimed ?? (absent ? longestPresent(room.values()) : controls.hostId);
    if (hostId === controls.hostId) return controls;
    return this.setControls(roomId, { ...controls, hostId });
  }

  private setControls(roomId: string, controls: RoomControls | null): RoomControls {
    if (controls) this.controlsOf.set(roomId, controls);
    else this.controlsOf.delete(roomId);
    this.journal.controlled(roomId, controls);
    return controls ?? openControls;
  }

  private unseal(roomId: string): void {
    this.seals.delete(roomId);
    this.journal.sealed(roomId, null);
    if (this.controlsOf.has(roomId)) this.setControls(roomId, null);
    this.waitingIn.delete(roomId);
  }

  async removePeer(roomId: string, peerId: string): Promise<RemovedPeer> {
    const room = this.rooms.get(roomId);
    if (!room) return { remaining: 0, newHost: null };
    room.delete(peerId);
    if (room.size === 0) {
      this.rooms.delete(roomId);
      this.unseal(roomId);
      return { remaining: 0, newHost: null };
    }
    const before = this.controlsOf.get(roomId) ?? openControls;
    const after = before.hostId === peerId ? this.seatChanged(roomId, room, before, null) : before;
    return { remaining: room.size, newHost: after.hostId !== before.hostId ? after.hostId : null };
  }

  async controls(roomId: string): Promise<RoomControls> {
    return this.controlsOf.get(roomId) ?? openControls;
  }

  async updateControls(roomId: string, byHost: string, patch: Partial<RoomControls>): Promise<RoomControls | null> {
    const controls = this.controlsOf.get(roomId);
    const room = this.rooms.get(roomId);
    if (!controls || !room || controls.hostId !== byHost) return null;
    if (patch.hostId !== undefined && (patch.hostId === null || !room.has(patch.hostId))) return null;
    return this.setControls(roomId, { ...controls, ...patch });
  }

  async knock(roomId: string, knock: Knock, max: number): Promise<Knock[] | 'full'> {
    const waiting = this.waitingIn.get(roomId) ?? new Map<string, Knock>();
    if (waiting.size >= max && !waiting.has(knock.peerId)) return 'full';
    this.waitingIn.set(roomId, waiting.set(knock.peerId, knock));
    return this.waiting(roomId);
  }

  async unknock(roomId: string, peerId: string): Promise<Knock | null> {
    const waiting = this.waitingIn.get(roomId);
    const knock = waiting?.get(peerId) ?? null;
    waiting?.delete(peerId);
    if (waiting?.size === 0) this.waitingIn.delete(roomId);
    return knock;
  }

  async waiting(roomId: string): Promise<Knock[]> {
    return [...(this.waitingIn.get(roomId)?.values() ?? [])].sort((a, b) => a.since - b.since);
  }

  async roomSeal(roomId: string): Promise<RoomSeal | null> {
    return this.seals.get(roomId) ?? null;
  }

  async retirePeer(peerId: string, untilMs: number, why: Retirement['why'] = 'left'): Promise<void> {
    const now = Date.now();
    for (const [id, { until }] of this.retired) {
      if (until > now && this.retired.size < MAX_RETIRED) break;
      this.retired.delete(id);
    }
    // A removal is never softened by a leave that follows it.
    if (why === 'left' && (await this.retiredWhy(peerId)) === 'removed') return;
    this.journal.retired(peerId, { until: untilMs, why });
  }

  async retiredWhy(peerId: string): Promise<Retirement['why'] | null> {
    const retired = this.retired.get(peerId);
    return retired && retired.until > Date.now() ? retired.why : null;
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
