import { test, type Browser, type Page } from '@playwright/test';
import { callContext, joinFromPage, joinRoom, servers } from '../support/participants.js';
import { startBareRelay } from './bare/relay.js';

/**
 * `npm run bench:join`: time from the Join click to the first remote video frame presented on the page for two peers,
 * next to the same measure for two pages with bare RTCPeerConnections signaling through a bare Socket.IO
 * relay (the newcomer offers in both), so the ratio shows what our signaling, TURN credentials and client
 * add; and the bare pair once more with our STUN/TURN servers, to tell what ICE servers alone cost.
 * BENCH_RUNS (15) runs of each, interleaved. Prints medians and p90s; asserts nothing.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const [WIDTH, HEIGHT, FPS] = [320, 240, 15];
const VIDEO = `video=${WIDTH}x${HEIGHT}&fps=${FPS}`;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
const median = (xs: number[]) => quantile(xs, 0.5);
const p90 = (xs: number[]) => quantile(xs, 0.9);
/**
 * Both kinds of pair get the same pause between being ready (in the room / lobby, camera open) and the
 * call: a person reads the lobby and types a name, so nobody clicks Join within milliseconds of it
 * appearing. Without it, ours measured the tail of the pages' own start-up as well.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
interface Bare {
  bare: { open(w: number, h: number, fps: number): Promise<void>; useIceServers(servers: RTCIceServer[]): void; enter(room: string): Promise<void>; call(): Promise<number> };
}

/** The STUN and TURN servers our server hands a joining peer, from a real join answer (fresh credentials). */
async function appIceServers(browser: Browser): Promise<RTCIceServer[]> {
  const context = await callContext(browser, servers.default());
  try {
    return (await joinFromPage(await context.newPage(), `bench-ice-${Date.now()}`)).iceServers;
  } finally {
    await context.close();
  }
}

/**
 * Clicks Join in the page and waits there for the first frame a remote tile's <video> presents
 * (requestVideoFrameCallback: what the user sees), so both ends of the interval use the page's clock and
 * nothing is polled while the call sets up.
 */
function clickJoinAndWaitForFrame(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join');
        if (!button) throw new Error('no Join button');
        const hooked = new WeakSet<HTMLVideoElement>();
        const start = performance.now();
        const timer = setTimeout(() => reject(new Error('no frame within 20 s')), 20_000);
        const watch = () => {
          for (const video of document.querySelectorAll<HTMLVideoElement>('[data-testid=tile]:not([data-link=local]) video')) {
            if (hooked.has(video)) continue;
            hooked.add(video);
            video.requestVideoFrameCallback(() => {
              clearTimeout(timer);
              observer.disconnect();
              resolve(performance.now() - start);
            });
          }
        };
        const observer = new MutationObserver(watch);
        observer.observe(document.body, { childList: true, subtree: true });
        button.click();
      }),
  );
}

/** The baseline: two pages with bare RTCPeerConnections, signaling through a bare Socket.IO relay (bare/relay.ts). */
async function bareCall(browser: Browser, relay: string, room: string, iceServers: RTCIceServer[] = []): Promise<number> {
  const [host, guest] = await Promise.all([0, 1].map(async () => {
    const page = await (await callContext(browser, relay)).newPage();
    await page.goto(`${relay}/bare.html`);
    await page.waitForFunction(() => 'bare' in window);
    await page.evaluate(([w, h, fps]) => (window as unknown as Bare).bare.open(w, h, fps), [WIDTH, HEIGHT, FPS] as const);
    await page.evaluate((servers) => (window as unknown as Bare).bare.useIceServers(servers), iceServers);
    await page.evaluate((name) => (window as unknown as Bare).bare.enter(name), room);
    return page;
  }));
  await settle();
  const ms = await guest!.evaluate(() => (window as unknown as Bare).bare.call());
  await Promise.all([host!.context().close(), guest!.context().close()]);
  return ms;
}

async function ourCall(browser: Browser, room: string): Promise<number> {
  const first = await joinRoom(browser, room, 'Host', { query: VIDEO });
  await first.getByTestId('tile').first().waitFor();
  const second = await joinRoom(browser, room, 'Guest', { query: VIDEO, join: false });
  await second.getByTestId('preview').waitFor();
  await settle();
  const ms = await clickJoinAndWaitForFrame(second);
  await Promise.all([first.context().close(), second.context().close()]);
  return ms;
}

test('join to first presented remote frame, 2 peers, against a bare pair over a bare Socket.IO relay', async ({ browser }) => {
  test.setTimeout(RUNS * 60_000);
  const relay = await startBareRelay();
  // "bare + TURN" is the bare pair given the STUN/TURN servers our server hands out: what ICE servers alone cost.
  const kinds = {
    ours: (room: string) => ourCall(browser, room),
    bare: (room: string) => bareCall(browser, relay.url, room),
    'bare + TURN': async (room: string) => bareCall(browser, relay.url, room, await appIceServers(browser)),
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, [] as number[]]));
  try {
    // Interleaved, rotating which goes first, so a slow spell of the machine hits all alike.
    const order = Object.entries(kinds);
    for (let run = 0; run < RUNS; run++) {
      const room = `bench-${Date.now()}-${run}`;
      for (let k = 0; k < order.length; k++) {
        const [name, call] = order[(run + k) % order.length]!;
        times[name]!.push(await call(`${room}-${k}`));
      }
    }
  } finally {
    await relay.close();
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  const ours = times.ours!;
  console.log(`\njoin click → first remote frame presented, ${RUNS} runs interleaved, ${VIDEO} (ms)`);
  for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(11)} ${fmt(xs)}`);
  for (const [name, xs] of Object.entries(times)) {
    if (name === 'ours') continue;
    console.log(`  against ${name.padEnd(11)}: median ${median(ours).toFixed(0)} / ${median(xs).toFixed(0)} = ${(median(ours) / median(xs)).toFixed(2)}, p90 ${p90(ours).toFixed(0)} / ${p90(xs).toFixed(0)} = ${(p90(ours) / p90(xs)).toFixed(2)}`);
  }
  console.log('  (target: median ≤ 1.3 × bare)\n');
});
