import { test, type Page } from '@playwright/test';
import { cpuMs, processesOf } from './processCpu.js';
import { joinRoom, expectMediaFlowing, closeAll } from './participants.js';

/**
 * What a filter (enhanced noise suppression, background blur) costs the page that runs it: in one 2-person call,
 * Ada's filter alternates off (the baseline) and on, WINDOWS times each; over every window the CPU of the whole
 * browser (renderers, audio service, GPU process) is read from /proc, and the video frames Ada encodes per
 * second. The difference of the medians is the filter's cost. Prints numbers; asserts nothing.
 */
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const WINDOWS = Number(process.env.BENCH_FILTER_WINDOWS ?? 3);
/** Where Debian's launcher script starts the real binary: every Chromium process has it first on its command line. */
const BROWSER_BINARY = process.env.BENCH_BROWSER_BINARY ?? '/usr/lib/chromium/chromium';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Video frames Ada's connections have encoded so far. */
const framesEncoded = (page: Page): Promise<number> =>
  page.evaluate(async () => {
    let frames = 0;
    for (const connection of window.__confer.room.diagnostics.connections()) {
      for (const s of (await connection.getStats()).values()) if (s.type === 'outbound-rtp' && s.kind === 'video') frames += (s as { framesEncoded?: number }).framesEncoded ?? 0;
    }
    return frames;
  });

/** The browser's CPU (% of a core) and the page's sent frame rate over one window. */
async function window_(page: Page): Promise<{ cpu: number; fps: number }> {
  const pids = processesOf(BROWSER_BINARY);
  const before = pids.map(cpuMs);
  const frames = await framesEncoded(page);
  const started = performance.now();
  await page.waitForTimeout(WINDOW_MS);
  const elapsed = performance.now() - started;
  const used = pids.reduce((n, pid, i) => n + cpuMs(pid) - before[i]!, 0);
  return { cpu: (used / elapsed) * 100, fps: ((await framesEncoded(page)) - frames) / (elapsed / 1000) };
}

export interface FilterBench {
  /** The toggle's label in Devices. */
  label: string;
  /** What is measured, for the printout. */
  what: string;
  /** Call options in the room URL (camera size and rate). */
  query: string;
}

/** Registers the benchmark as a test of the calling file. */
export function benchFilter({ label, what, query }: FilterBench): void {
  test(`${label}: CPU and sent frame rate, off and on`, async ({ browser }) => {
    test.setTimeout(60_000 + WINDOWS * 2 * (WINDOW_MS + 5_000));
    const room = `bench-filter-${Date.now()}`;
    const pages = [await joinRoom(browser, room, 'Ada', { query }), await joinRoom(browser, room, 'Bo', { query })];
    try {
      await expectMediaFlowing(pages, 1);
      const ada = pages[0]!;
      await ada.locator('summary', { hasText: 'Devices' }).click();
      const toggle = ada.getByLabel(label);
      const runs = { off: [] as { cpu: number; fps: number }[], on: [] as { cpu: number; fps: number }[] };
      for (let i = 0; i < WINDOWS; i++) {
        for (const on of [false, true]) {
          await toggle.setChecked(on);
          // Let the device reopen and the filter settle before measuring.
          await ada.waitForTimeout(3_000);
          runs[on ? 'on' : 'off'].push(await window_(ada));
        }
      }
      const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
      const line = (name: string, xs: { cpu: number; fps: number }[]) =>
        `  ${name}: CPU ${list(xs.map((x) => x.cpu))} (median ${median(xs.map((x) => x.cpu)).toFixed(1)}); sent fps ${list(xs.map((x) => x.fps))} (median ${median(xs.map((x) => x.fps)).toFixed(1)})`;
      const cpu = (xs: { cpu: number }[]) => median(xs.map((x) => x.cpu));
      const fps = (xs: { fps: number }[]) => median(xs.map((x) => x.fps));
      console.log(`\n${label}, ${what}, whole browser CPU (% of a core) and Ada's sent video fps over ${WINDOW_MS / 1000} s windows:`);
      console.log(line('off (baseline)', runs.off));
      console.log(line('on            ', runs.on));
      console.log(`  on costs ≈ ${(cpu(runs.on) - cpu(runs.off)).toFixed(1)} % of a core; sent fps on/off = ${(fps(runs.on) / fps(runs.off)).toFixed(2)}`);
    } finally {
      await closeAll(pages);
    }
  });
}
