import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { Reporter, TestCase } from '@playwright/test/reporter';

/**
 * Prints what each spec file cost the machine: cores busy on average and at the busiest 5 s, from
 * /proc/stat (the whole machine: browsers, servers, mediasoup workers and coturn together). It measures,
 * it never fails a run: the box is shared, so a figure is a guide, and the capacity notes say what it carries.
 */
const WINDOW_S = 5;
/**
 * A spec that keeps the machine busier than this on average leaves its pages no headroom: a page that falls
 * behind then builds a backlog (mesh RTTs of 16 s were seen) instead of catching up. Joins and switches fill
 * both cores for a few seconds in any spec, so the busiest 5 s is shown but not judged.
 */
const HEAVY_SHARE = 0.85;

interface Sample {
  at: number;
  busy: number;
  total: number;
}

/** Jiffies of the whole machine: busy (all but idle and iowait) and total. */
function readCpu(): Sample {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { at: Date.now(), busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** Cores busy between two samples. */
const cores = (a: Sample, b: Sample, ncpu: number) => (b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * ncpu : 0);

interface SpecCost {
  file: string;
  seconds: number;
  mean: number;
  peak: number;
}

export default class CpuReporter implements Reporter {
  private readonly ncpu = availableParallelism();
  private samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private file: string | null = null;
  private readonly costs: SpecCost[] = [];

  onBegin(): void {
    this.timer = setInterval(() => this.samples.push(readCpu()), 1000);
  }

  onTestBegin(test: TestCase): void {
    const file = basename(test.location.file);
    if (file === this.file) return;
    this.closeFile();
    this.file = file;
    this.samples = [readCpu()];
  }

  onEnd(): void {
    this.closeFile();
    if (this.timer) clearInterval(this.timer);
    const heaviest = [...this.costs].sort((a, b) => b.mean - a.mean)[0];
    if (heaviest) console.log(`[cpu] heaviest: ${heaviest.file}, ${heaviest.mean.toFixed(2)} of ${this.ncpu} cores on average`);
  }

  private closeFile(): void {
    if (!this.file) return;
    this.samples.push(readCpu());
    const s = this.samples;
    const first = s[0]!;
    const last = s.at(-1)!;
    // The busiest window: for each sample, the latest one at least WINDOW_S before it.
    let peak = cores(first, last, this.ncpu);
    for (let i = 0, j = 0; i < s.length; i++) {
      while (j + 1 < i && s[i]!.at - s[j + 1]!.at >= WINDOW_S * 1000) j++;
      if (s[i]!.at - s[j]!.at >= WINDOW_S * 1000) peak = Math.max(peak, cores(s[j]!, s[i]!, this.ncpu));
    }
    const cost = { file: this.file, seconds: (last.at - first.at) / 1000, mean: cores(first, last, this.ncpu), peak };
    this.costs.push(cost);
    const heavy = cost.mean > HEAVY_SHARE * this.ncpu ? `  (HEAVY: over ${HEAVY_SHARE * 100} % of the machine on average, pages may starve)` : '';
    console.log(`[cpu] ${cost.file}: ${cost.mean.toFixed(2)} cores on average over ${cost.seconds.toFixed(0)} s, ${peak.toFixed(2)} at its busiest ${WINDOW_S} s${heavy}`);
    this.file = null;
  }
}
