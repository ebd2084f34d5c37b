import { test, type Page } from '@playwright/test';
import { joinRoom } from '../support/participants.js';

/**
 * `npm run bench:join`: time from the Join click to the first decoded remote video frame for two
 * peers, next to the same measure for two bare RTCPeerConnections in one page, so the ratio shows
 * what signaling, TURN credentials and our client add. Prints numbers; asserts nothing.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const VIDEO = 'video=320x240&fps=15';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Clicks Join in the page and polls stats there, so both ends of the interval use the page's clock. */
function clickJoinAndWaitForFrame(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join');
    if (!button) throw new Error('no Join button');
    const start = performance.now();
    button.click();
    for (;;) {
      // The room client appears once RoomPage mounts.
      const room = (window.__confer as Partial<Window['__confer']> | undefined)?.room;
      const stats = room ? Object.values(await room.diagnostics.stats()) : [];
      if (stats.some((s) => s.framesDecoded > 0)) return performance.now() - start;
      if (performance.now() - start > 20_000) throw new Error('no frame within 20 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  });
}

function barePeerConnections(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240, frameRate: 15 }, audio: true });
    const start = performance.now();
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    // Trickle ICE, holding candidates until the other side has a remote description (as signaling would).
    const trickle = (from: RTCPeerConnection, to: RTCPeerConnection) => {
      const held: (RTCIceCandidate | null)[] = [];
      from.onicecandidate = (e) => (to.remoteDescription ? void to.addIceCandidate(e.candidate ?? undefined) : held.push(e.candidate));
      return () => held.splice(0).forEach((c) => void to.addIceCandidate(c ?? undefined));
    };
    const flushToB = trickle(a, b);
    const flushToA = trickle(b, a);
    for (const track of stream.getTracks()) a.addTrack(track, stream);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    flushToB();
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);
    flushToA();
    for (;;) {
      const report = [...(await b.getStats()).values()] as (RTCStats & { kind?: string; framesDecoded?: number })[];
      if (report.some((s) => s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const elapsed = performance.now() - start;
    a.close();
    b.close();
    stream.getTracks().forEach((t) => t.stop());
    return elapsed;
  });
}

test('join to first decoded remote frame, 2 peers', async ({ browser }) => {
  test.setTimeout(RUNS * 30_000);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const room = `bench-${Date.now()}-${run}`;
    // The same camera as the bare pair's below.
    const first = await joinRoom(browser, room, 'Host', { query: VIDEO });
    const second = await joinRoom(browser, room, 'Guest', { query: VIDEO, join: false });
    await second.getByTestId('preview').waitFor();
    ours.push(await clickJoinAndWaitForFrame(second));
    bare.push(await barePeerConnections(second));
    await Promise.all([first.context().close(), second.context().close()]);
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(`\njoin → first decoded remote frame, ${RUNS} runs (ms): ${fmt(ours)}`);
  console.log(`bare RTCPeerConnection pair → first decoded frame (ms): ${fmt(bare)}`);
  console.log(`median: ours ${median(ours).toFixed(0)} ms, bare ${median(bare).toFixed(0)} ms, ratio ${(median(ours) / median(bare)).toFixed(2)}\n`);
});
