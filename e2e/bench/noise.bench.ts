import { test, type Page } from '@playwright/test';
import { cpuMs, processesOf } from '../support/processCpu.js';
import { LIGHT_VIDEO, joinRoom, expectMediaFlowing, closeAll } from '../support/participants.js';

/**
 * `npm run bench:noise`: what enhanced noise suppression (RNNoise in an AudioWorklet) costs a page. In one
 * 2-person call, Ada's microphone alternates between the browser's own suppression (the baseline) and RNNoise,
 * WINDOWS times each; over every window the CPU of the whole browser (renderers, audio service, GPU process) is
 * read from /proc. The difference of the medians is RNNoise's cost on that page. Prints numbers; asserts nothing.
 */
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const WINDOWS = Number(process.env.BENCH_NOISE_WINDOWS ?? 3);
/** Where Debian's launcher script starts the real binary: every Chromium process has it first on its command line. */
const BROWSER_BINARY = process.env.BENCH_BROWSER_BINARY ?? '/usr/lib/chromium/chromium';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The browser's CPU over one window, as % of a core. */
async function browserCpu(page: Page): Promise<number> {
  const pids = processesOf(BROWSER_BINARY);
  const before = pids.map(cpuMs);
  const started = performance.now();
  await page.waitForTimeout(WINDOW_MS);
  const used = pids.reduce((n, pid, i) => n + cpuMs(pid) - before[i]!, 0);
  return (used / (performance.now() - started)) * 100;
}

test('enhanced noise suppression: CPU per page', async ({ browser }) => {
  test.setTimeout(60_000 + WINDOWS * 2 * (WINDOW_MS + 5_000));
  const room = `bench-noise-${Date.now()}`;
  const pages = [await joinRoom(browser, room, 'Ada', { query: LIGHT_VIDEO }), await joinRoom(browser, room, 'Bo', { query: LIGHT_VIDEO })];
  try {
    await expectMediaFlowing(pages, 1);
    const ada = pages[0]!;
    await ada.locator('summary', { hasText: 'Devices' }).click();
    const toggle = ada.getByLabel('Enhanced noise suppression');
    const cpu = { standard: [] as number[], enhanced: [] as number[] };
    for (let i = 0; i < WINDOWS; i++) {
      for (const on of [false, true]) {
        await toggle.setChecked(on);
        // Let the microphone reopen and the audio graph settle before measuring.
        await ada.waitForTimeout(2_000);
        cpu[on ? 'enhanced' : 'standard'].push(await browserCpu(ada));
      }
    }
    const [base, rnnoise] = [median(cpu.standard), median(cpu.enhanced)];
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(`\nnoise suppression, 2-person mesh at 160x120, whole browser CPU over ${WINDOW_MS / 1000} s windows (% of a core):`);
    console.log(`  browser's own (baseline): ${list(cpu.standard)}; median ${base.toFixed(1)}`);
    console.log(`  RNNoise on Ada's page:    ${list(cpu.enhanced)}; median ${rnnoise.toFixed(1)}`);
    console.log(`  RNNoise costs ≈ ${(rnnoise - base).toFixed(1)} % of a core on the page that runs it`);
  } finally {
    await closeAll(pages);
  }
});
