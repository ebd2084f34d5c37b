import { randomUUID } from 'node:crypto';
import { initialTopology, nextStandby, nextTopology, pushBounded, type Logger, type RoomLoad, type StandbyState, type StatsSample, type SwitchRecord, type Topology, type SwitchReason, type TopologyState } from '@confer/shared';
import type { ServerTopologyPolicy } from './config.js';
import { MeshStrain } from './MeshStrain.js';

/** A switch gives up waiting for stragglers after this long, and is recorded with how many never finished. */
const SWITCH_TIMEOUT_MS = 30_000;
const noStandby: StandbyState = { standby: false, belowSince: null };
const HISTORY = 20;

interface RoomState extends TopologyState {
  standby: StandbyState;
  timer?: NodeJS.Timeout;
  current?: SwitchRecord & { pending: Set<string>; timeout: NodeJS.Timeout };
  history: SwitchRecord[];
}

export interface RoomTopologyDeps {
  policy: ServerTopologyPolicy;
  /** Everyone in the room now, and how many of them share a screen. */
  load(roomId: string): Promise<Omit<RoomLoad, 'participants' | 'strained'> & { participants: string[] }>;
  announce(roomId: string, event: { topology: Topology; switchId: string; startedAt: number; reason: SwitchReason }): void;
  /** The room's warm standby started or ended. */
  standby(roomId: string, standby: boolean): void;
  complete(roomId: string, record: SwitchRecord): void;
  log: Logger;
}

/**
 * Each room's topology (the pure rule in shared/topology.ts plus its hold-time timer) and its switches:
 * a switch starts when the topology changes and ends when every participant that had to move reports it
 * is done (a participant who joins straight onto the new topology has nothing to switch).
 */
export class RoomTopology {
  private readonly rooms = new Map<string, RoomState>();
  private readonly strain: MeshStrain;

  constructor(private readonly deps: RoomTopologyDeps) {
    this.strain = new MeshStrain(deps.policy.strainMs);
  }

  topology(roomId: string): Topology {
    return this.rooms.get(roomId)?.topology ?? 'mesh';
  }

  /** Whether the room's clients keep an idle SFU session (warm standby). */
  standby(roomId: string): boolean {
    return this.rooms.get(roomId)?.standby.standby ?? false;
  }

  history(roomId: string): { topology: Topology; switching: boolean; switches: SwitchRecord[] } | null {
    const room = this.rooms.get(roomId);
    if (!room) return null;
    const strip = ({ pending: _p, timeout: _t, ...record }: NonNullable<RoomState['current']>) => record;
    return { topology: room.topology, switching: Boolean(room.current), switches: [...room.history, ...(room.current ? [strip(room.current)] : [])] };
  }

  /**
   * A room re-created after a server restart starts on the topology it had (not mesh), so its first
   * returning participants do not switch it back and forth; the usual rule (with its hold time) then applies.
   */
  seed(roomId: string, topology: Topology): void {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, { ...initialTopology, topology, standby: noStandby, history: [] });
  }

  /** Applies the rule after a join (`joiner`), a leave, or the end of a hold time. */
  async evaluate(roomId: string, joiner?: string): Promise<void> {
    const room = this.rooms.get(roomId) ?? { ...initialTopology, standby: noStandby, history: [] };
    clearTimeout(room.timer);
    const { participants, sharing } = await this.deps.load(roomId);
    const now = Date.now();
    const strained = this.strain.count(roomId, now);
    const next = nextTopology(room, { participants: participants.length, sharing, strained }, now, this.deps.policy);
    if (participants.length === 0) {
      if (room.current) clearTimeout(room.current.timeout);
      this.rooms.delete(roomId);
      return;
    }
    const from = room.topology;
    room.topology = next.topology;
    room.belowSince = next.belowSince;
    room.strainedAt = next.strainedAt;
    const { recheckAt: standbyRecheck, ...standby } = nextStandby(room.standby, participants.length, now, this.deps.policy);
    const standbyChanged = standby.standby !== room.standby.standby;
    room.standby = standby;
    const recheckAt = Math.min(next.recheckAt ?? Infinity, standbyRecheck ?? Infinity);
    room.timer = recheckAt === Infinity ? undefined : setTimeout(() => this.reevaluate(roomId), recheckAt - now);
    this.rooms.set(roomId, room);
    if (standbyChanged) this.deps.standby(roomId, standby.standby);
    if (next.topology === from) return;

    if (room.current) this.finish(roomId, room); // a switch overtaken by the next one ends here
    const switchId = randomUUID();
    const pending = new Set(participants.filter((id) => id !== joiner));
    room.current = {
      switchId,
      from,
      to: next.topology,
      reason: next.reason,
      startedAt: now,
      endedAt: null,
      durationMs: null,
      unfinished: 0,
      pending,
      timeout: setTimeout(() => this.finish(roomId, room), SWITCH_TIMEOUT_MS),
    };
    this.deps.log.info({ roomId, switchId, from, to: next.topology, reason: next.reason, participants: participants.length, sharing, strained }, 'room topology switch started');
    this.deps.announce(roomId, { topology: next.topology, switchId, startedAt: now, reason: next.reason });
    if (pending.size === 0) this.finish(roomId, room);
  }

  /** A participant finished moving; false when no such switch is under way. */
  switched(roomId: string, peerId: string, switchId: string): boolean {
    const room = this.rooms.get(roomId);
    if (!room?.current || room.current.switchId !== switchId) return false;
    room.current.pending.delete(peerId);
    if (room.current.pending.size === 0) this.finish(roomId, room);
    return true;
  }

  /** A participant's stats sample: a mesh that has held its sending back long enough moves the room. */
  sampled(roomId: string, peerId: string, sample: StatsSample): void {
    if (this.strain.observe(roomId, peerId, sample, Date.now()) && this.topology(roomId) === 'mesh') this.reevaluate(roomId);
  }

  /** An evaluation nobody awaits (a timer, a sample): its failure is logged, never thrown at the process. */
  private reevaluate(roomId: string): void {
    this.evaluate(roomId).catch((err: unknown) => this.deps.log.warn({ err, roomId }, 'room topology evaluation failed'));
  }

  /** Someone who left no longer holds a switch up, nor counts as strained. */
  peerLeft(roomId: string, peerId: string): void {
    this.strain.forget(roomId, peerId);
    const room = this.rooms.get(roomId);
    if (room?.current) this.switched(roomId, peerId, room.current.switchId);
  }

  private finish(roomId: string, room: RoomState): void {
    const current = room.current;
    if (!current) return;
    clearTimeout(current.timeout);
    room.current = undefined;
    const endedAt = Date.now();
    const { pending, timeout: _t, ...rest } = current;
    const record: SwitchRecord = { ...rest, endedAt, durationMs: endedAt - current.startedAt, unfinished: pending.size };
    pushBounded(room.history, record, HISTORY);
    this.deps.log.info({ roomId, ...record }, 'room topology switch complete');
    this.deps.complete(roomId, record);
  }

  close(): void {
    for (const room of this.rooms.values()) {
      clearTimeout(room.timer);
      if (room.current) clearTimeout(room.current.timeout);
    }
    this.rooms.clear();
  }
}
