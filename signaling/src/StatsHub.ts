import {
  scoreSample,
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
import type { StatsHistory } from './StatsHistory.js';

/** Changes of a room within this long of its first are announced to its viewers in one outline. */
export const OUTLINE_DELAY_MS = 100;

export interface StatsHubDeps {
  sfu: Sfu;
  rooms: RoomStore;
  topology: RoomTopology;
  history: StatsHistory;
  /** Of these SFU rooms, the ones this server samples (in a cluster each room is sampled by one server). */
  sfuSampledHere(roomIds: string[]): Promise<string[]>;
  /** Sends an update to the room's dashboard viewers (a Socket.IO room, so it fans out across servers). */
  publish(roomId: string, update: StatsUpdate): void;
  /** Whether the room has a viewer anywhere: updates for the others are not built nor sent. */
  watched(roomId: string): boolean;
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
  private readonly timer: NodeJS.Timeout;
  private sampling = false;
  /** Rooms whose outline is due (one timer per changed room), and whether someone left meanwhile. */
  private readonly outlines = new Map<string, { timer: NodeJS.Timeout; left: boolean }>();

  constructor(private readonly deps: StatsHubDeps) {
    this.timer = setInterval(() => void this.sampleSfu(), deps.sfuIntervalMs ?? STATS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Scores a participant's samples and passes them on to viewers; settles once they are stored. */
  async report(roomId: string, peerId: string, samples: StatsSample[]): Promise<void> {
    const receivedAt = Date.now();
    const scored = samples.map((sample): ScoredSample => ({ ...sample, receivedAt, ...scoreSample(sample) }));
    for (const sample of scored) {
      this.deps.onSample(roomId, peerId, sample);
      this.publish(roomId, { type: 'sample', roomId, peerId, sample });
    }
    await this.deps.history.addSamples(roomId, peerId, scored);
  }

  async snapshot(roomId: string): Promise<RoomStatsSnapshot> {
    const outline = await this.outline(roomId);
    return { ...outline, ...(await this.deps.history.snapshot(roomId, outline.participants.map((p) => p.peerId))) };
  }

  /**
   * Someone joined or left (`left`), or the topology changed: viewers get the room's new outline, once for a
   * burst of changes (a room filling up, a switch), OUTLINE_DELAY_MS later. Each outline costs a few store
   * reads and a message to every server of a cluster, so a room nobody watches gets none; its history still
   * forgets who left.
   */
  roomChanged(roomId: string, left = false): void {
    const pending = this.outlines.get(roomId);
    if (pending) {
      pending.left ||= left;
      return;
    }
    if (!left && !this.deps.watched(roomId)) return;
    const timer = setTimeout(() => {
      const due = this.outlines.get(roomId);
      this.outlines.delete(roomId);
      void this.sendOutline(roomId, due?.left ?? left);
    }, OUTLINE_DELAY_MS);
    this.outlines.set(roomId, { timer, left });
  }

  /** The room's outline as an update, for a viewer that may have missed the last one. */
  async outlineUpdate(roomId: string): Promise<StatsUpdate> {
    return { type: 'room', ...(await this.outline(roomId)) };
  }

  /** Never rejects: with the store unreachable the viewers get the next change's outline instead. */
  private async sendOutline(roomId: string, left: boolean): Promise<void> {
    const watched = this.deps.watched(roomId);
    if (!watched && !left) return;
    try {
      const outline = await this.outline(roomId);
      if (left) await this.deps.history.keepOnly(roomId, outline.participants.map((p) => p.peerId));
      if (watched) this.deps.publish(roomId, { type: 'room', ...outline });
    } catch (error) {
      this.deps.log.warn({ roomId, err: (error as Error).message }, 'dashboard outline not updated');
    }
  }

  private publish(roomId: string, update: StatsUpdate): void {
    if (this.deps.watched(roomId)) this.deps.publish(roomId, update);
  }

  async metrics(): Promise<RoomMetrics[]> {
    const result: RoomMetrics[] = [];
    for (const roomId of await this.deps.rooms.roomIds()) {
      const peers = await this.deps.rooms.peers(roomId);
      const latest = await this.deps.history.latest(roomId, peers.map((p) => p.peerId));
      const sum = (pick: (c: StatsSample['connections'][number]) => number) => latest.samples.reduce((total, s) => total + s.connections.reduce((t, c) => t + pick(c), 0), 0);
      const topology = await this.deps.topology.topology(roomId);
      result.push({
        roomId,
        participants: peers.length,
        topology,
        clientSendBitrate: sum((c) => c.sendBitrate),
        clientRecvBitrate: sum((c) => c.recvBitrate),
        sfu: topology === 'sfu' ? latest.sfu : null,
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
      // One read for all of them: a cluster's rooms are many, and this runs every second on every server.
      for (const roomId of await this.deps.sfuSampledHere(await this.deps.topology.sfuRooms())) {
        const stats = await this.deps.sfu.roomStats(roomId).catch((error: Error) => {
          this.deps.log.warn({ roomId, err: error.message }, 'SFU stats failed');
          return null;
        });
        if (!stats) continue;
        const sample: SfuStatsSample = { ...stats, at: Date.now() };
        await this.deps.history.addSfu(roomId, sample);
        this.publish(roomId, { type: 'sfu', roomId, sample });
      }
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, 'SFU stats round failed');
    } finally {
      this.sampling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const { timer } of this.outlines.values()) clearTimeout(timer);
    this.outlines.clear();
  }
}
