import { z } from 'zod';
import { KeyedQueue, type StandbyState, type SwitchRecord, type TopologyState } from '@confer/shared';

/** One room's topology as RoomTopology keeps it: the rule's state, the switch under way, the past ones. */
export interface TopologyRecord extends TopologyState {
  standby: StandbyState;
  current: (SwitchRecord & { pending: string[] }) | null;
  history: SwitchRecord[];
  /** When the room must be looked at again (a hold time, the standby delay, a switch's timeout), else null. */
  dueAt: number | null;
}

/**
 * Where room topologies live: in this process for one server, in Redis for a cluster. `update`s of one room
 * take effect one at a time across all servers, so two evaluations never both start a switch.
 */
export interface TopologyStore {
  get(roomId: string): Promise<TopologyRecord | null>;
  /**
   * `fn` returns the record to keep (null forgets the room) and a result for the caller. It may be run again
   * on a newer record (another server's update came first), so it must have no effect of its own.
   */
  update<T>(roomId: string, fn: (record: TopologyRecord | null) => Promise<[TopologyRecord | null, T]>): Promise<T>;
  /** Rooms whose `dueAt` is before `before`: their timer was on a server that is gone. */
  due(before: number): Promise<string[]>;
  /** Rooms on the SFU now (the dashboard samples their SFU stats), without reading every room's record. */
  sfuRooms(): Promise<string[]>;
}

const topology = z.enum(['mesh', 'sfu']);
const switchRecord = z.object({
  switchId: z.string(),
  from: topology,
  to: topology,
  reason: z.enum(['participants', 'screen-share', 'strain', 'below-threshold']),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  durationMs: z.number().nullable(),
  unfinished: z.number(),
});
/** A record read back from Redis is checked like any input: a bad one is a fault, not a crash later. */
export const topologyRecordSchema: z.ZodType<TopologyRecord> = z.object({
  topology,
  belowSince: z.number().nullable(),
  strainedAt: z.number().nullable(),
  standby: z.object({ standby: z.boolean(), belowSince: z.number().nullable() }),
  current: switchRecord.extend({ pending: z.array(z.string()) }).nullable(),
  history: z.array(switchRecord),
  dueAt: z.number().nullable(),
});

export class InMemoryTopologyStore implements TopologyStore {
  private readonly rooms = new Map<string, TopologyRecord>();
  private readonly queue = new KeyedQueue();

  async get(roomId: string): Promise<TopologyRecord | null> {
    return this.rooms.get(roomId) ?? null;
  }

  update<T>(roomId: string, fn: (record: TopologyRecord | null) => Promise<[TopologyRecord | null, T]>): Promise<T> {
    return this.queue.run(roomId, async () => {
      // A copy: a throwing `fn` must leave the stored record as it was.
      const current = this.rooms.get(roomId);
      const [next, result] = await fn(current ? structuredClone(current) : null);
      if (next) this.rooms.set(roomId, next);
      else this.rooms.delete(roomId);
      return result;
    });
  }

  async due(before: number): Promise<string[]> {
    return [...this.rooms].filter(([, r]) => r.dueAt !== null && r.dueAt < before).map(([roomId]) => roomId);
  }

  async sfuRooms(): Promise<string[]> {
    return [...this.rooms].filter(([, r]) => r.topology === 'sfu').map(([roomId]) => roomId);
  }
}
