import {
  pushBounded,
  scoreSample,
  STATS_HISTORY_SAMPLES,
  STATS_INTERVAL_MS,
  type Logger,
  type RoomStatsSnapshot,
  type ScoredSample,
  type SfuStatsSample,
  type StatsSample,
  type StatsUpdate,
  type Topology,
} from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { RoomStore } from './RoomStore.js';
import type { RoomTopology } from './RoomTopology.js';

/** A stored sample and its size as JSON, so history and snapshots are bounded in bytes, not only in count. */
interface Entry<T> {
  value: T;
  bytes: number;
}
interface RoomHistory {
  samples: Map<string, Entry<ScoredSample>[]>;
  sfu: Entry<SfuStatsSample>[];
}

/**
 * Byte bounds: what one participant's history may hold (~4 min of a real 4-person call's samples), and what
 * a snapshot carries of each participant and of the SFU. A full room's snapshot stays under 2.5 MB however
 * large its samples are, so a viewer (or a flood of subscriptions) cannot make the server hold more.
 */
export const HISTORY_BYTES_PER_PEER = 512 * 1024;
export const SNAPSHOT_BYTES_PER_PEER = 128 * 1024;
export const SNAPSHOT_BYTES_SFU = 512 * 1024;

const entry = <T>(value: T): Entry<T> => ({ value, bytes: JSON.stringify(value).length });

/** Appends, then drops the oldest entries beyond `maxCount` or `maxBytes`. */
function pushWithin<T>(entries: Entry<T>[], item: Entry<T>, maxCount: number, maxBytes: number): void {
  pushBounded(entries, item, maxCount);
  let bytes = entries.reduce((n, e) => n + e.bytes, 0);
  let drop = 0;
  while (drop < entries.length - 1 && bytes > maxBytes) bytes -= entries[drop++]!.bytes;
  entries.splice(0, drop);
}

/** The newest entries whose sizes add up to at most `maxBytes`, oldest first. */
function newestWithin<T>(entries: Entry<T>[], maxBytes: number): T[] {
  let bytes = 0;
  let from = entries.length;
  while (from > 0 && bytes + entries[from - 1]!.bytes <= maxBytes) bytes += entries[--from]!.bytes;
  return entries.slice(from).map((e) => e.value);
}

export interface StatsHubDeps {
  sfu: Sfu;
  rooms: RoomStore;
  topology: RoomTopology;
  /** Sends an update to the room's dashboard viewers (a Socket.IO room, so it fans out across servers). */
  publish(roomId: string, update: StatsUpdate): void;
  /** Each scored sample, for /metrics and the topology rule. */
  onSample(roomId: string, peerId: string, sample: ScoredSample): void;
  log: Logger;
  sfuIntervalMs?: number;
}

/** What /metrics needs of one room. */
export interface RoomMetrics {
  roomId: string;
  participants: number;
  topology: Topology;
  /** Sums over the participants' latest samples. */
  clientSendBitrate: number;
  clientRecvBitrate: number;
  sfu: SfuStatsSample | null;
}

/**
 * The server's side of the dashboard: participants' samples (scored with the shared quality function,
 * never trusting a client's own verdict), the SFU's stats sampled once a second for SFU rooms, and a
 * bounded history of both per room, streamed to viewers as it grows.
 */
export class StatsHub {
  private readonly history = new Map<string, RoomHistory>();
  private readonly timer: NodeJS.Timeout;
  private sampling = false;

  constructor(private readonly deps: StatsHubDeps) {
    this.timer = setInterval(() => void this.sampleSfu(), deps.sfuIntervalMs ?? STATS_INTERVAL_MS);
    this.timer.unref();
  }

  private room(roomId: string): RoomHistory {
    let room = this.history.get(roomId);
    if (!room) this.history.set(roomId, (room = { samples: new Map(), sfu: [] }));
    return room;
  }

  /** Stores a participant's samples and passes them on to viewers. */
  report(roomId: string, peerId: string, samples: StatsSample[]): void {
    const room = this.room(roomId);
    let history = room.samples.get(peerId);
    if (!history) room.samples.set(peerId, (history = []));
    const receivedAt = Date.now();
    for (const sample of samples) {
      const scored: ScoredSample = { ...sample, receivedAt, ...scoreSample(sample) };
      pushWithin(history, entry(scored), STATS_HISTORY_SAMPLES, HISTORY_BYTES_PER_PEER);
      this.deps.onSample(roomId, peerId, scored);
      this.deps.publish(roomId, { type: 'sample', roomId, peerId, sample: scored });
    }
  }

  async snapshot(roomId: string): Promise<RoomStatsSnapshot> {
    const room = this.history.get(roomId);
    return {
      ...(await this.outline(roomId)),
      samples: Object.fromEntries([...(room?.samples ?? [])].map(([peerId, entries]) => [peerId, newestWithin(entries, SNAPSHOT_BYTES_PER_PEER)])),
      sfu: newestWithin(room?.sfu ?? [], SNAPSHOT_BYTES_SFU),
    };
  }

  /** Someone joined or left, or the topology changed: viewers get the room's new outline. */
  async roomChanged(roomId: string): Promise<void> {
    const outline = await this.outline(roomId);
    const { participants } = outline;
    const room = this.history.get(roomId);
    if (room) for (const peerId of room.samples.keys()) if (!participants.some((p) => p.peerId === peerId)) room.samples.delete(peerId);
    if (participants.length === 0) this.history.delete(roomId);
    this.deps.publish(roomId, { type: 'room', ...outline });
  }

  async metrics(): Promise<RoomMetrics[]> {
    const result: RoomMetrics[] = [];
    for (const roomId of await this.deps.rooms.roomIds()) {
      const room = this.history.get(roomId);
      const latest = [...(room?.samples.values() ?? [])].map((h) => h.at(-1)?.value).filter((s) => s !== undefined);
      const sum = (pick: (c: StatsSample['connections'][number]) => number) => latest.reduce((total, s) => total + s.connections.reduce((t, c) => t + pick(c), 0), 0);
      const topology = await this.deps.topology.topology(roomId);
      result.push({
        roomId,
        participants: (await this.deps.rooms.peers(roomId)).length,
        topology,
        clientSendBitrate: sum((c) => c.sendBitrate),
        clientRecvBitrate: sum((c) => c.recvBitrate),
        sfu: topology === 'sfu' ? (room?.sfu.at(-1)?.value ?? null) : null,
      });
    }
    return result;
  }

  /** What a viewer sees of a room besides its samples: who is in it, its topology and its switches. */
  private async outline(roomId: string) {
    const topology = await this.deps.topology.history(roomId);
    const participants = (await this.deps.rooms.peers(roomId)).map((p) => ({ peerId: p.peerId, displayName: p.displayName }));
    return { roomId, topology: topology?.topology ?? ('mesh' as const), switches: topology?.switches ?? [], participants };
  }

  /** One SFU sample per SFU room; a slow round is skipped rather than stacked. */
  private async sampleSfu(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      for (const roomId of await this.deps.rooms.roomIds()) {
        if ((await this.deps.topology.topology(roomId)) !== 'sfu') continue;
        const stats = await this.deps.sfu.roomStats(roomId).catch((error: Error) => {
          this.deps.log.warn({ roomId, err: error.message }, 'SFU stats failed');
          return null;
        });
        if (!stats) continue;
        const sample: SfuStatsSample = { ...stats, at: Date.now() };
        // Our own SFU's figures: their size follows the room's (bounded by its capacity and per-peer SFU limits).
        pushWithin(this.room(roomId).sfu, entry(sample), STATS_HISTORY_SAMPLES, Infinity);
        this.deps.publish(roomId, { type: 'sfu', roomId, sample });
      }
    } finally {
      this.sampling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
