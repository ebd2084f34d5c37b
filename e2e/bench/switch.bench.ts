import { readFileSync } from 'node:fs';
import { test, type Page } from '@playwright/test';
import type { HealthReport } from '@confer/shared';
import { asOperator, expectMediaFlowing, joinRoom, stats } from '../support/participants.js';
import { longestGap, startTileMonitor, stopTileMonitor } from '../support/switching.js';

/**
 * `npm run bench:switch`: a room goes 4 → 5 → 4 people. Prints the longest freeze of any remote tile
 * during each switch, the time from the 5th join to every tile decoding through the SFU, and the SFU
 * worker's CPU and forwarded bitrate in the 5-person room. Asserts nothing.
 */
const VIDEO = 'video=320x240&fps=10';

async function waitForPath(pages: Page[], path: string, peers: number): Promise<void> {
  for (;;) {
    const all = await Promise.all(pages.map(async (p) => Object.values(await stats(p))));
    if (all.every((s) => s.length === peers && s.every((x) => x.path === path && x.framesDecoded > 0))) return;
    await pages[0]!.waitForTimeout(250);
  }
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 10 ms
}

test('mesh ⇄ SFU switch', async ({ browser, request }) => {
  test.setTimeout(240_000);
  const room = `bench-switch-${Date.now()}`;
  const pages: Page[] = [];
  for (const name of ['Ada', 'Bo', 'Cy', 'Di']) pages.push(await joinRoom(browser, room, name, { query: VIDEO }));
  await waitForPath(pages, 'mesh', 3);
  await expectMediaFlowing(pages, 3);

  // Baseline: the longest freeze in 5 s of a steady 4-person mesh (this machine's own jitter).
  await Promise.all(pages.map(startTileMonitor));
  await pages[0]!.waitForTimeout(5000);
  const freezeSteady = longestGap(await Promise.all(pages.map(stopTileMonitor)));

  await Promise.all(pages.map(startTileMonitor));
  const t0 = Date.now();
  const fifth = await joinRoom(browser, room, 'Ed', { query: VIDEO });
  await waitForPath([...pages, fifth], 'sfu', 4);
  const toSfuMs = Date.now() - t0;
  await pages[0]!.waitForTimeout(1000);
  const freezeUp = longestGap(await Promise.all(pages.map(stopTileMonitor)));

  const health = (await (await request.get('/healthz')).json()) as HealthReport;
  const worker = health.sfu.workers.find((w) => w.routers > 0)!;
  const cpu0 = cpuSeconds(worker.pid);
  await pages[0]!.waitForTimeout(5000);
  const cpuPct = ((cpuSeconds(worker.pid) - cpu0) / 5) * 100;
  const sfu = (await (await request.get(`/api/rooms/${room}/sfu`, asOperator())).json()) as { recvBitrate: number; sendBitrate: number };

  await Promise.all(pages.map(startTileMonitor));
  const t1 = Date.now();
  await fifth.context().close();
  await waitForPath(pages, 'mesh', 3);
  const toMeshMs = Date.now() - t1;
  await pages[0]!.waitForTimeout(1000);
  const freezeDown = longestGap(await Promise.all(pages.map(stopTileMonitor)));
  const switches = ((await (await request.get(`/api/rooms/${room}/topology`, asOperator())).json()) as { switches: { to: string; durationMs: number | null; unfinished: number }[] }).switches;
  await Promise.all(pages.map((p) => p.context().close()));

  console.log(`\nsteady 4-person mesh: longest remote-tile freeze in 5 s ${freezeSteady.toFixed(0)} ms`);
  console.log(`4 → 5: every tile decoding via the SFU ${toSfuMs} ms after the 5th join; longest remote-tile freeze ${freezeUp.toFixed(0)} ms`);
  console.log(`5 → 4: back on mesh ${toMeshMs} ms after the 5th left (includes the hold time); longest freeze ${freezeDown.toFixed(0)} ms`);
  console.log(`server-recorded switches (start → last participant done): ${switches.map((s) => `to ${s.to} ${s.durationMs} ms (${s.unfinished} unfinished)`).join(', ')}`);
  console.log(`5-person SFU room: worker CPU ${cpuPct.toFixed(1)} % of one core; SFU receives ${(sfu.recvBitrate / 1000).toFixed(0)} kbps, forwards ${(sfu.sendBitrate / 1000).toFixed(0)} kbps\n`);
});
