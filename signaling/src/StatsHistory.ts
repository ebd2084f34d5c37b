import { pushBounded, STATS_HISTORY_SAMPLES, type ScoredSample, type SfuStatsSample } from '@confer/shared';

/**
 * Byte bounds: what one participant's history may hold (~4 min of a real 4-person call's samples), and what
 * a snapshot carries of each participant and of the SFU. A full room's snapshot stays under 2.5 MB however
 * large its samples are, so a viewer (or a flood of subscriptions) cannot make the server hold more.
 */
export const HISTORY_BYTES_PER_PEER = 512 * 1024;
export const SNAPSHOT_BYTES_PER_PEER = 128 * 1024;
export const SNAPSHOT_BYTES_SFU = 512 * 1024;
/** Our own SFU's figures: their size follows the room's (bounded by its capacity and per-peer SFU limits). */
export const HISTORY_BYTES_SFU = 4 * 1024 * 1024;

/** A room's history as a dashboard viewer first gets it: the newest entries within the snapshot bounds. */
export interface HistorySnapshot {
  /** Participants that reported, each oldest first. */
  samples: Record<string, ScoredSample[]>;
  sfu: SfuStatsSample[];
}

/** Each room's latest figures, for /metrics. */
export interface LatestStats {
  samples: ScoredSample[];
  sfu: SfuStatsSample | null;
}

/**
 * The dashboard's bounded history per room: each participant's scored samples and the SFU's samples. In
 * memory for one server; in Redis for a cluster, so that a viewer on any server sees the whole room.
 */
export interface StatsHistory {
  addSamples(roomId: string, peerId: string, samples: ScoredSample[]): Promise<void>;
  addSfu(roomId: string, sample: SfuStatsSample): Promise<void>;
  /** What there is of these participants and of the SFU. */
  snapshot(roomId: string, peerIds: string[]): Promise<HistorySnapshot>;
  latest(roomId: string, peerIds: string[]): Promise<LatestStats>;
  /** Drops the history of anyone not in `peerIds`; all of the room's once it is empty. */
  keepOnly(roomId: string, peerIds: string[]): Promise<void>;
}

/** A stored value and its size as JSON, so history and snapshots are bounded in bytes, not only in count. */
export interface Entry<T> {
  value: T;
  bytes: number;
}

export const entry = <T>(value: T): Entry<T> => ({ value, bytes: Buffer.byteLength(JSON.stringify(value)) });

/** Appends, then drops the oldest entries beyond `maxCount` or `maxBytes` (the newest always stays). */
function pushWithin<T>(entries: Entry<T>[], item: Entry<T>, maxCount: number, maxBytes: number): void {
  pushBounded(entries, item, maxCount);
  let bytes = entries.reduce((n, e) => n + e.bytes, 0);
  let drop = 0;
  while (drop < entries.length - 1 && bytes > maxBytes) bytes -= entries[drop++]!.bytes;
  entries.splice(0, drop);
}

/** The newest entries whose sizes add up to at most `maxBytes`, oldest first. */
export function newestWithin<T>(entries: Entry<T>[], maxBytes: number): T[] {
  let bytes = 0;
  let from = entries.length;
  while (from > 0 && bytes + entries[from - 1]!.bytes <= maxBytes) bytes += entries[--from]!.bytes;
  return entries.slice(from).map((e) => e.value);
}

interface RoomHistory {
  samples: Map<string, Entry<ScoredSample>[]>;
  sfu: Entry<SfuStatsSample>[];
}

export class InMemoryStatsHistory implements StatsHistory {
  private readonly rooms = new Map<string, RoomHistory>();

  private room(roomId: string): RoomHistory {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { samples: new Map(), sfu: [] }));
    return room;
  }

  async addSamples(roomId: string, peerId: string, samples: ScoredSample[]): Promise<void> {
    const room = this.room(roomId);
    let history = room.samples.get(peerId);
    if (!history) room.samples.set(peerId, (history = []));
    for (const sample of samples) pushWithin(history, entry(sample), STATS_HISTORY_SAMPLES, HISTORY_BYTES_PER_PEER);
  }

  async addSfu(roomId: string, sample: SfuStatsSample): Promise<void> {
    pushWithin(this.room(roomId).sfu, entry(sample), STATS_HISTORY_SAMPLES, HISTORY_BYTES_SFU);
  }

  async snapshot(roomId: string, peerIds: string[]): Promise<HistorySnapshot> {
    const room = this.rooms.get(roomId);
    const samples: Record<string, ScoredSample[]> = {};
    for (const peerId of peerIds) {
      const history = room?.samples.get(peerId);
      if (history) samples[peerId] = newestWithin(history, SNAPSHOT_BYTES_PER_PEER);
    }
    return { samples, sfu: newestWithin(room?.sfu ?? [], SNAPSHOT_BYTES_SFU) };
  }

  async latest(roomId: string, peerIds: string[]): Promise<LatestStats> {
    const room = this.rooms.get(roomId);
    const samples = peerIds.map((id) => room?.samples.get(id)?.at(-1)?.value).filter((s) => s !== undefined);
    return { samples, sfu: room?.sfu.at(-1)?.value ?? null };
  }

  async keepOnly(roomId: string, peerIds: string[]): Promise<void> {
    const room = this.rooms.get(roomId);
    if (!room) return;
    if (peerIds.length === 0) {
      this.rooms.delete(roomId);
      return;
    }
    for (const peerId of room.samples.keys()) if (!peerIds.includes(peerId)) room.samples.delete(peerId);
  }
}
