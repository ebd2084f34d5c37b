import { MAX_SAMPLES_PER_REPORT, STATS_INTERVAL_MS, type StatsSample, type Topology } from '@confer/shared';
import { buildStats, toRawStats, type ConnectionContext, type RawStat } from './buildStats';

/** One connection to sample: a mesh link's peer connection or an SFU transport. */
export interface StatsTarget {
  context: ConnectionContext;
  getStats(): Promise<RTCStatsReport>;
}

export interface StatsCollectorOptions {
  /** The connections there are now (they change with joins, leaves and switches). */
  targets(): StatsTarget[];
  topology(): Topology;
  /** Sends samples to the server; false when they did not get there (kept and sent with the next). */
  send(samples: StatsSample[]): Promise<boolean>;
  /** Each sample, for this page's own indicators. */
  onSample(sample: StatsSample): void;
  intervalMs?: number;
}

/**
 * Samples getStats() on every connection once a second into one compact StatsSample, and ships it.
 * Samples that could not be sent (signaling down) wait and go with the next batch, newest kept.
 */
export class StatsCollector {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly previous = new Map<string, RawStat[]>();
  private unsent: StatsSample[] = [];
  private stopped = true;

  constructor(private readonly o: StatsCollectorOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    // A timeout after each round (not an interval): a slow getStats never stacks rounds.
    this.timer = setTimeout(() => void this.tick().finally(() => !this.stopped && this.schedule()), this.o.intervalMs ?? STATS_INTERVAL_MS);
  }

  /** Takes one sample now (also used by tests). */
  async sample(): Promise<StatsSample> {
    const sample: StatsSample = { at: Date.now(), topology: this.o.topology(), connections: [], streams: [] };
    const seen = new Set<string>();
    await Promise.all(
      this.o.targets().map(async ({ context, getStats }) => {
        // A connection closing under us has no stats; it is simply absent from this sample.
        const report = await getStats().catch(() => null);
        if (!report) return;
        const current = toRawStats(report);
        const built = buildStats(current, this.previous.get(context.id) ?? null, context);
        this.previous.set(context.id, current);
        seen.add(context.id);
        sample.connections.push(built.connection);
        sample.streams.push(...built.streams);
      }),
    );
    for (const id of this.previous.keys()) if (!seen.has(id)) this.previous.delete(id);
    return sample;
  }

  private async tick(): Promise<void> {
    const sample = await this.sample();
    if (this.stopped) return;
    this.o.onSample(sample);
    this.unsent = [...this.unsent, sample].slice(-MAX_SAMPLES_PER_REPORT);
    const batch = this.unsent;
    if (await this.o.send(batch).catch(() => false)) this.unsent = this.unsent.filter((s) => !batch.includes(s));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.previous.clear();
    this.unsent = [];
  }
}
