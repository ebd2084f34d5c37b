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

  private readonly rooms: Record<'total' | 'participants' | 'roomParticipants' | 'transports' | 'clientBitrate' | 'sfuBitrate' | 'workerCpu', Gauge<string>>;

  constructor(private readonly source: () => Promise<RoomMetrics[]>) {
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

    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers });
    this.rooms = {
      total: gauge('confer_rooms', 'Rooms with someone in them, by topology', ['topology']),
      participants: gauge('confer_participants', 'Participants in all rooms', []),
      roomParticipants: gauge('confer_room_participants', 'Participants per room', ['room', 'topology']),
      transports: gauge('confer_sfu_transports', 'SFU transports per room', ['room']),
      clientBitrate: gauge('confer_client_bitrate_bps', 'What the participants report sending and receiving, per room', ['room', 'direction']),
      sfuBitrate: gauge('confer_sfu_bitrate_bps', 'What the SFU receives from and sends to a room', ['room', 'direction']),
      workerCpu: gauge('confer_sfu_worker_cpu_percent', 'CPU of the mediasoup worker hosting a room, % of one core', ['room']),
    };
  }

  /** Room gauges are rebuilt from the rooms there are now at each scrape (rooms that ended disappear). */
  private async fillRooms(): Promise<void> {
    const all = await this.source();
    const g = this.rooms;
    for (const gauge of Object.values(g)) gauge.reset();
    g.total.set({ topology: 'mesh' }, all.filter((r) => r.topology === 'mesh').length);
    g.total.set({ topology: 'sfu' }, all.filter((r) => r.topology === 'sfu').length);
    g.participants.set(all.reduce((n, r) => n + r.participants, 0));
    for (const r of all) {
      g.roomParticipants.set({ room: r.roomId, topology: r.topology }, r.participants);
      g.clientBitrate.set({ room: r.roomId, direction: 'send' }, r.clientSendBitrate);
      g.clientBitrate.set({ room: r.roomId, direction: 'recv' }, r.clientRecvBitrate);
      if (!r.sfu) continue;
      g.transports.set({ room: r.roomId }, r.sfu.transports);
      g.sfuBitrate.set({ room: r.roomId, direction: 'recv' }, r.sfu.recvBitrate);
      g.sfuBitrate.set({ room: r.roomId, direction: 'send' }, r.sfu.sendBitrate);
      if (r.sfu.workerCpuPct !== null) g.workerCpu.set({ room: r.roomId }, r.sfu.workerCpuPct);
    }
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
