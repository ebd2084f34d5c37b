import type { ScoredSample, SfuStatsSample, StreamStats } from '@confer/shared';
import type { StatsKey } from './format';

/** One line of a chart: how to read its value from a sample (null leaves a gap). */
export interface ChartSeries<T> {
  label: StatsKey;
  color: string;
  value(sample: T): number | null;
}

export interface ChartSpec<T> {
  /** Stable name, also the chart's data-metric. */
  metric: string;
  title: StatsKey;
  /** A unit's symbol, or a text to translate. */
  unit: string | { text: StatsKey };
  series: ChartSeries<T>[];
  /** A fixed y range (the 1–5 quality score); otherwise 0..max, with the top at least `minTop` so noise near 0 stays flat. */
  range?: [number, number];
  minTop?: number;
}

/** A participant's figures at one moment, summed over its streams and connections. */
export interface ParticipantPoint {
  inKbps: number;
  outKbps: number;
  inLossPct: number | null;
  outLossPct: number | null;
  inJitterMs: number | null;
  outJitterMs: number | null;
  rttMs: number | null;
  /** Camera frame rates: the worst received tile, the best layer sent. */
  inFps: number | null;
  outFps: number | null;
  score: number;
}

const max = (values: (number | null)[]): number | null => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
const min = (values: (number | null)[]): number | null => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.min(m, v)), null);

/** Loss of a direction weighted by packets, so a quiet audio stream does not outweigh video. */
function lossPct(streams: StreamStats[]): number | null {
  const packets = streams.reduce((n, s) => n + s.packets, 0);
  return packets === 0 ? null : streams.reduce((sum, s) => sum + s.lossPct * s.packets, 0) / packets;
}

function computePoint(sample: ScoredSample): ParticipantPoint {
  const inbound = sample.streams.filter((s) => s.direction === 'in');
  const outbound = sample.streams.filter((s) => s.direction === 'out');
  const camera = (streams: StreamStats[]) => streams.filter((s) => s.kind === 'video' && s.source === 'camera').map((s) => s.fps);
  return {
    inKbps: inbound.reduce((n, s) => n + s.bitrate, 0) / 1000,
    outKbps: outbound.reduce((n, s) => n + s.bitrate, 0) / 1000,
    inLossPct: lossPct(inbound),
    outLossPct: lossPct(outbound),
    inJitterMs: max(inbound.map((s) => s.jitterMs)),
    outJitterMs: max(outbound.map((s) => s.jitterMs)),
    rttMs: max(sample.connections.map((c) => c.rttMs)),
    inFps: min(camera(inbound)),
    outFps: max(camera(outbound)),
    score: sample.quality.score,
  };
}

// Samples never change once stored, so each is reduced once however many charts and redraws read it.
const points = new WeakMap<ScoredSample, ParticipantPoint>();
export function participantPoint(sample: ScoredSample): ParticipantPoint {
  let point = points.get(sample);
  if (!point) points.set(sample, (point = computePoint(sample)));
  return point;
}

const IN = '#2a7de1';
const OUT = '#e0782a';
const pick =
  (key: keyof ParticipantPoint) =>
  (sample: ScoredSample): number | null =>
    participantPoint(sample)[key];

export const participantCharts: ChartSpec<ScoredSample>[] = [
  { metric: 'bitrate', title: 'chartBitrate', unit: 'kbps', minTop: 100, series: [{ label: 'seriesIn', color: IN, value: pick('inKbps') }, { label: 'seriesOut', color: OUT, value: pick('outKbps') }] },
  { metric: 'loss', title: 'chartLoss', unit: '%', minTop: 5, series: [{ label: 'seriesIn', color: IN, value: pick('inLossPct') }, { label: 'seriesOut', color: OUT, value: pick('outLossPct') }] },
  { metric: 'jitter', title: 'chartJitter', unit: 'ms', minTop: 30, series: [{ label: 'seriesIn', color: IN, value: pick('inJitterMs') }, { label: 'seriesOut', color: OUT, value: pick('outJitterMs') }] },
  { metric: 'rtt', title: 'chartRtt', unit: 'ms', minTop: 100, series: [{ label: 'seriesRtt', color: '#8a4fd1', value: pick('rttMs') }] },
  { metric: 'fps', title: 'chartFps', unit: 'fps', minTop: 30, series: [{ label: 'seriesInWorst', color: IN, value: pick('inFps') }, { label: 'seriesOut', color: OUT, value: pick('outFps') }] },
  { metric: 'quality', title: 'chartQuality', unit: '1–5', range: [1, 5], series: [{ label: 'seriesScore', color: '#1f9d55', value: pick('score') }] },
];

export const sfuCharts: ChartSpec<SfuStatsSample>[] = [
  { metric: 'sfu-cpu', title: 'chartWorkerCpu', unit: { text: 'unitCore' }, minTop: 10, series: [{ label: 'seriesCpu', color: '#c0392b', value: (s) => s.workerCpuPct }] },
  {
    metric: 'sfu-bitrate',
    title: 'chartSfuBitrate',
    unit: 'kbps',
    minTop: 100,
    series: [
      { label: 'seriesReceived', color: IN, value: (s) => s.recvBitrate / 1000 },
      { label: 'seriesSent', color: OUT, value: (s) => s.sendBitrate / 1000 },
    ],
  },
];

/**
 * uPlot's columns (x in Unix seconds, one column per series). x must ascend: a sample stamped no later
 * than the one before (the sender's clock stepped back) is left out of the chart, not of the history.
 */
export function alignedData<T extends { at: number }>(samples: readonly T[], series: readonly ChartSeries<T>[]): [number[], ...(number | null)[][]] {
  const xs: number[] = [];
  const ys = series.map(() => [] as (number | null)[]);
  let last = -Infinity;
  for (const sample of samples) {
    if (sample.at <= last) continue;
    last = sample.at;
    xs.push(sample.at / 1000);
    series.forEach((s, i) => ys[i]?.push(s.value(sample)));
  }
  return [xs, ...ys];
}
