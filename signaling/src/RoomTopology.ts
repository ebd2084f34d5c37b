import { randomUUID } from 'node:crypto';
import { initialTopology, nextStandby, nextTopology, pushBounded, type Logger, type RoomLoad, type StatsSample, type SwitchRecord, type Topology, type SwitchReason } from '@confer/shared';
import type { ServerTopologyPolicy } from './config.js';
import { MeshStrain } from './MeshStrain.js';
import type { TopologyRecord, TopologyStore } from './TopologyStore.js';

/** A switch gives up waiting for stragglers after this long, and is recorded with how many never finished. */
const SWITCH_TIMEOUT_MS = 30_000;
const HISTORY = 20;
/** How often a server looks for rooms whose timer was lost with another server, and how late they must be. */
const SWEEP_MS = 1000;
const SWEEP_LATE_MS = 2000;

/** What a participant needs to know of its room's topology: its path, and whether the SFU is on standby. */
export interface TopologyView {
  topology: Topology;
  standby: boolean;
}

/** Everyone in a room now, and how many of them share a screen. */
export type RoomPeople = Omit<RoomLoad, 'participants' | 'strained'> & { participants: string[] };

export interface RoomTopologyDeps {
  policy: ServerTopologyPolicy;
  store: TopologyStore;
  load(roomId: string): Promise<RoomPeople>;
  announce(roomId: string, event: { topology: Topology; switchId: string; startedAt: number; reason: SwitchReason }): void;
  /** The room's warm standby started or ended. */
  standby(roomId: string, standby: boolean): void;
  complete(roomId: string, record: SwitchRecord): void;
  log: Logger;
}

const fresh = (topology: Topology): TopologyRecord => ({ ...initialTopology, topology, standby: { standby: false, belowSince: null }, current: null, history: [], dueAt: null });
const viewOf = (record: TopologyRecord | null): TopologyView => ({ topology: record?.topology ?? 'mesh', standby: record?.standby.standby ?? false });
const minOf = (...times: (number | null)[]): number | null => times.reduce<number | null>((a, t) => (t === null ? a : a === null ? t : Math.min(a, t)), null);

/**
 * Each room's topology (the pure rule in shared/topology.ts plus its hold-time timer) and its switches:
 * a switch starts when the topology changes and ends when every participant that had to move reports it
 * is done (a participant who joins straight onto the new topology has nothing to switch). The state lives
 * in the store, so any server of a cluster may evaluate a room; what follows a change (announcements,
 * timers) runs only once the change is stored.
 */
export class RoomTopology {
  private readonly strain: MeshStrain;
  /** This server's timers for the rooms it evaluated last; any server's sweep takes over a lost one. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: RoomTopologyDeps) {
    this.strain = new MeshStrain(deps.policy.strainMs);
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The room's topology and whether its clients keep an idle SFU session (warm standby). */
  async view(roomId: string): Promise<TopologyView> {
    return viewOf(await this.deps.store.get(roomId));
  }

  /** The rooms on the SFU now. */
  sfuRooms(): Promise<string[]> {
    return this.deps.store.sfuRooms();
  }

  async topology(roomId: string): Promise<Topology> {
    return (await this.view(roomId)).topology;
  }

  async history(roomId: string): Promise<{ topology: Topology; switching: boolean; switches: SwitchRecord[] } | null> {
    const record = await this.deps.store.get(roomId);
    if (!record) return null;
    const current = record.current ? [(({ pending: _p, ...r }) => r)(record.current)] : [];
    return { topology: record.topology, switching: record.current !== null, switches: [...record.history, ...current] };
  }

  /**
   * A room re-created after a server restart starts on the topology it had (not mesh), so its first
   * returning participants do not switch it back and forth; the usual rule (with its hold time) then applies.
   */
  async seed(roomId: string, topology: Topology): Promise<void> {
    await this.deps.store.update(roomId, async (record) => [record ?? fresh(topology), undefined]);
  }

  /**
   * Applies the rule after a join (`joiner`), a share starting or stopping, or the end of a hold time; resolves
   * with the room's topology as it now is (a join's answer carries it). A join passes who is in the room as its
   * seat's answer will tell (`people`, null when the seat was refused: nothing changes), so the record is read
   * while the seat is taken: in a cluster, one round trip for both.
   */
  evaluate(roomId: string, joiner?: string, people?: Promise<RoomPeople | null>): Promise<TopologyView> {
    return this.run(roomId, { joiner, people });
  }

  /** Someone left: they no longer hold a switch up nor count as strained, and the room may change. */
  async peerLeft(roomId: string, peerId: string): Promise<void> {
    this.strain.forget(roomId, peerId);
    await this.run(roomId, { leaver: peerId });
  }

  /** A participant finished moving; false when no such switch is under way. */
  switched(roomId: string, peerId: string, switchId: string): Promise<boolean> {
    return this.change(roomId, (room, now, effects) => {
      if (room?.current?.switchId !== switchId) return [room, false];
      this.moved(roomId, room, peerId, now, effects);
      return [room, true];
    });
  }

  /** A participant's stats sample: a mesh that has held its sending back long enough moves the room. */
  sampled(roomId: string, peerId: string, sample: StatsSample): void {
    if (!this.strain.observe(roomId, peerId, sample, Date.now())) return;
    this.topology(roomId)
      .then((topology) => (topology === 'mesh' ? this.run(roomId, {}) : undefined))
      .catch((err: unknown) => this.deps.log.warn({ err, roomId }, 'room topology evaluation failed'));
  }

  private run(roomId: string, { joiner, leaver, people }: { joiner?: string; leaver?: string; people?: Promise<RoomPeople | null> }): Promise<TopologyView> {
    // Who is in the room is read alongside the store's read of the record (in a cluster, one round trip less);
    // a second run (another server's update came first) reads it again.
    let loading: Promise<RoomPeople | null> | null = people ?? this.deps.load(roomId);
    loading.catch(() => undefined); // awaited below; a rejection meanwhile is not an unhandled one
    return this.change(roomId, async (record, now, effects): Promise<[TopologyRecord | null, TopologyView]> => {
      const load = await (loading ?? this.deps.load(roomId));
      loading = null;
      if (!load) return [record, viewOf(record)];
      const { participants, sharing } = load;
      if (participants.length === 0) return [null, { topology: 'mesh', standby: false }];
      const room = record ?? fresh('mesh');
      if (leaver) this.moved(roomId, room, leaver, now, effects);
      if (room.current && room.current.startedAt + SWITCH_TIMEOUT_MS <= now) this.finish(roomId, room, now, effects);
      const strained = this.strain.count(roomId, now);
      const next = nextTopology(room, { participants: participants.length, sharing, strained }, now, this.deps.policy);
      const from = room.topology;
      room.topology = next.topology;
      room.belowSince = next.belowSince;
      room.strainedAt = next.strainedAt;
      const { recheckAt: standbyRecheck, ...standby } = nextStandby(room.standby, participants.length, now, this.deps.policy);
      if (standby.standby !== room.standby.standby) effects.push(() => this.deps.standby(roomId, standby.standby));
      room.standby = standby;
      room.dueAt = minOf(next.recheckAt, standbyRecheck);
      if (next.topology !== from) {
        if (room.current) this.finish(roomId, room, now, effects); // a switch overtaken by the next one ends here
        const announced = { topology: next.topology, switchId: randomUUID(), startedAt: now, reason: next.reason };
        const pending = participants.filter((id) => id !== joiner);
        room.current = { switchId: announced.switchId, from, to: next.topology, reason: next.reason, startedAt: now, endedAt: null, durationMs: null, unfinished: 0, pending };
        effects.push(() => {
          this.deps.log.info({ roomId, switchId: announced.switchId, from, to: next.topology, reason: next.reason, participants: participants.length, sharing, strained }, 'room topology switch started');
          this.deps.announce(roomId, announced);
        });
        if (pending.length === 0) this.finish(roomId, room, now, effects);
      }
      return [room, viewOf(room)];
    });
  }

  /**
   * One stored change of a room. `fn` mutates the record and queues what follows it (`effects`), which
   * runs once the change is stored; then the room's timer is set for its next due time.
   */
  private async change<T>(roomId: string, fn: (record: TopologyRecord | null, now: number, effects: (() => void)[]) => Promise<[TopologyRecord | null, T]> | [TopologyRecord | null, T]): Promise<T> {
    const effects: (() => void)[] = [];
    let dueAt: number | null = null;
    const result = await this.deps.store.update(roomId, async (record) => {
      effects.length = 0;
      const now = Date.now();
      const [next, value] = await fn(record, now, effects);
      if (next) next.dueAt = minOf(next.dueAt, next.current ? next.current.startedAt + SWITCH_TIMEOUT_MS : null);
      dueAt = next?.dueAt ?? null;
      return [next, value];
    });
    this.arm(roomId, dueAt);
    for (const effect of effects) effect();
    return result;
  }

  private arm(roomId: string, dueAt: number | null): void {
    clearTimeout(this.timers.get(roomId));
    this.timers.delete(roomId);
    if (dueAt === null) return;
    const timer = setTimeout(() => {
      this.timers.delete(roomId);
      this.reevaluate(roomId);
    }, Math.max(0, dueAt - Date.now()));
    this.timers.set(roomId, timer);
  }

  /** Takes `peerId` off the switch under way; the last one to move ends it. */
  private moved(roomId: string, room: TopologyRecord, peerId: string, now: number, effects: (() => void)[]): void {
    if (!room.current) return;
    room.current.pending = room.current.pending.filter((id) => id !== peerId);
    if (room.current.pending.length === 0) this.finish(roomId, room, now, effects);
  }

  private finish(roomId: string, room: TopologyRecord, now: number, effects: (() => void)[]): void {
    const current = room.current;
    if (!current) return;
    room.current = null;
    const { pending, ...rest } = current;
    const record: SwitchRecord = { ...rest, endedAt: now, durationMs: now - current.startedAt, unfinished: pending.length };
    pushBounded(room.history, record, HISTORY);
    effects.push(() => {
      this.deps.log.info({ roomId, ...record }, 'room topology switch complete');
      this.deps.complete(roomId, record);
    });
  }

  /** An evaluation nobody awaits (a timer, a sample, the sweep): its failure is logged, never thrown at the process. */
  private reevaluate(roomId: string): void {
    this.run(roomId, {}).catch((err: unknown) => this.deps.log.warn({ err, roomId }, 'room topology evaluation failed'));
  }

  private async sweep(): Promise<void> {
    try {
      for (const roomId of await this.deps.store.due(Date.now() - SWEEP_LATE_MS)) this.reevaluate(roomId);
    } catch (err) {
      this.deps.log.warn({ err }, 'room topology sweep failed');
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
