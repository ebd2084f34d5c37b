import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_SAMPLES_PER_REPORT, statsSampleSchema, type StatsSample } from '@confer/shared';
import type { RawStat } from './buildStats';
import { StatsCollector, type StatsTarget } from './StatsCollector';
// A real mesh getStats pair from Chromium (fixtures/README.md).
import meshJson from './fixtures/mesh.json';

const mesh = meshJson as unknown as { context: { peerId: string }; labels: { mid: string | null; source: 'mic' | 'camera' | 'screen' }[]; previous: RawStat[]; current: RawStat[] };
const asReport = (stats: RawStat[]) => new Map(stats.map((s) => [s.id, s])) as unknown as RTCStatsReport;

/** The mesh link of the fixture, answering its two recorded samples in turn (then the last one again). */
function meshTarget(): StatsTarget {
  const answers = [mesh.previous, mesh.current];
  return {
    context: {
      id: 'mesh:bo',
      path: 'mesh',
      peerId: mesh.context.peerId,
      direction: 'both',
      label: ({ mid }) => {
        const hit = mesh.labels.find((l) => l.mid === mid);
        return hit ? { source: hit.source, peerId: mesh.context.peerId } : null;
      },
    },
    getStats: async () => asReport(answers.length > 1 ? answers.shift()! : answers[0]!),
  };
}

afterEach(() => vi.useRealTimers());

describe('StatsCollector', () => {
  it('turns every connection into one sample, with rates from the previous sample of the same connection', async () => {
    const target = meshTarget();
    const closing: StatsTarget = { ...meshTarget(), context: { ...meshTarget().context, id: 'mesh:gone' }, getStats: () => Promise.reject(new Error('closed')) };
    const collector = new StatsCollector({ targets: () => [target, closing], topology: () => 'mesh', send: async () => true, onSample: () => undefined });
    const first = await collector.sample();
    const second = await collector.sample();
    statsSampleSchema.parse(second);
    // A connection that fails getStats (closing) is left out rather than failing the sample.
    expect(second.connections.map((c) => c.id)).toEqual(['mesh:bo']);
    expect(first.streams.every((s) => s.bitrate === 0)).toBe(true);
    expect(second.streams.find((s) => s.direction === 'in' && s.source === 'camera')?.bitrate).toBeGreaterThan(0);
  });

  it('sends a sample a second, and keeps what could not be sent for the next batch (at most MAX_SAMPLES_PER_REPORT)', async () => {
    vi.useFakeTimers();
    const sent: StatsSample[][] = [];
    let online = false;
    const shown: StatsSample[] = [];
    const collector = new StatsCollector({
      targets: () => [meshTarget()],
      topology: () => 'mesh',
      send: async (samples) => {
        if (online) sent.push(samples);
        return online;
      },
      onSample: (s) => shown.push(s),
    });
    collector.start();
    for (let i = 0; i < 7; i++) await vi.advanceTimersByTimeAsync(1000);
    expect(shown).toHaveLength(7);
    expect(sent).toHaveLength(0);
    online = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(MAX_SAMPLES_PER_REPORT);
    expect(sent[0]!.at(-1)).toBe(shown.at(-1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent[1]).toHaveLength(1);
    collector.stop();
    await vi.advanceTimersByTimeAsync(3000);
    expect(shown).toHaveLength(9);
  });
});
