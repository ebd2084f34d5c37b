import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScoredSample, SwitchRecord } from '@confer/shared';
import type { RoomMetrics } from './StatsHub.js';

/**
 * Prometheus metrics for GET /metrics. Room-level gauges are read at scrape time from `source()`, so
 * nothing has to be kept in step with joins and leaves; events (errors, switches, scores) are counted
 * as they happen.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly errors: Counter<'event' | 'code'>;
  private readonly switches: Histogram<'to'>;
  private readonly quality: Histogram;

  private readonly rooms: Record<'total' | 'participants' | 'transports' | 'clientBitrate' | 'sfuBitrate' | 'workerCpu', Gauge<string>>;

  /** `clusterServers`: how many servers the cluster has now (absent for a single server). */
  constructor(
    private readonly source: () => Promise<RoomMetrics[]>,
    clusterServers?: () => Promise<number>,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'confer_' });
    this.errors = new Counter({ name: 'confer_signaling_errors_total', help: 'Signaling requests answered with an error, by event and code', labelNames: ['event', 'code'], registers });
    this.switches = new Histogram({
      name: 'confer_switch_duration_seconds',
      help: 'Mesh ⇄ SFU switches, from start to the last participant done',
      labelNames: ['to'],
      buckets: [0.5, 1, 2, 5, 10, 20, 30],
      registers,
    });
    this.quality = new Histogram({ name: 'confer_quality_score', help: 'Participant quality scores (1..5) of every stats sample', buckets: [1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5], registers });

    // Totals by topology, never per room: a room's name is what lets someone in, so it is no label.
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers });
    this.rooms = {
      total: gauge('confer_rooms', 'Rooms with someone in them, by topology', ['topology']),
      participants: gauge('confer_participants', 'Participants in all rooms, by topology', ['topology']),
      transports: gauge('confer_sfu_transports', 'SFU transports of all rooms', []),
      clientBitrate: gauge('confer_client_bitrate_bps', 'What the participants of all rooms report sending and receiving', ['direction']),
      sfuBitrate: gauge('confer_sfu_bitrate_bps', 'What the SFU receives from and sends to all rooms', ['direction']),
      workerCpu: gauge('confer_sfu_worker_cpu_max_percent', 'CPU of the busiest mediasoup worker hosting a room, % of one core', []),
    };
    if (clusterServers) {
      new Gauge({
        name: 'confer_cluster_servers',
        help: 'Servers of the cluster announcing themselves (0: Redis unreachable)',
        registers,
        async collect() {
          this.set(await clusterServers().catch(() => 0));
        },
      });
    }
  }

  /** Room gauges are rebuilt from the rooms there are now at each scrape (rooms that ended disappear). */
  private async fillRooms(): Promise<void> {
    const all = await this.source();
    const g = this.rooms;
    const sum = (f: (r: RoomMetrics) => number, rooms = all) => rooms.reduce((n, r) => n + f(r), 0);
    for (const topology of ['mesh', 'sfu'] as const) {
      const rooms = all.filter((r) => r.topology === topology);
      g.total.set({ topology }, rooms.length);
      g.participants.set({ topology }, sum((r) => r.participants, rooms));
    }
    g.clientBitrate.set({ direction: 'send' }, sum((r) => r.clientSendBitrate));
    g.clientBitrate.set({ direction: 'recv' }, sum((r) => r.clientRecvBitrate));
    g.transports.set(sum((r) => r.sfu?.transports ?? 0));
    g.sfuBitrate.set({ direction: 'recv' }, sum((r) => r.sfu?.recvBitrate ?? 0));
    g.sfuBitrate.set({ direction: 'send' }, sum((r) => r.sfu?.sendBitrate ?? 0));
    g.workerCpu.set(Math.max(0, ...all.map((r) => r.sfu?.workerCpuPct ?? 0)));
  }

  signalingError(event: string, code: string): void {
    this.errors.inc({ event, code });
  }

  switchCompleted(record: SwitchRecord): void {
    if (record.durationMs !== null) this.switches.observe({ to: record.to }, record.durationMs / 1000);
  }

  sampleScored(sample: ScoredSample): void {
    if (sample.quality.level !== 'unknown') this.quality.observe(sample.quality.score);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.fillRooms();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
