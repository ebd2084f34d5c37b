import { expect, type APIRequestContext, type Page } from '@playwright/test';
import type { SwitchRecord, Topology } from '@confer/shared';
import { asOperator } from './participants.js';

/** What a page saw of its remote tiles while a monitor ran. */
export interface TileReport {
  /**
   * Per tile (a peer id, or `screen:<peer id>` for a shared screen): the longest time between two frames
   * presented on it (from its first frame).
   */
  gaps: Record<string, number>;
  /** Per tile: samples (every 50 ms) where it showed video but had no picture, or a share tile had gone. */
  blanks: Record<string, number>;
  /** Every distinct order of the remote tiles seen, as peer ids. */
  orders: string[][];
  /** Main-thread tasks over 50 ms while the monitor ran (PerformanceObserver 'longtask'), their durations in ms. */
  longTasks: number[];
}

/**
 * Starts watching a page's remote tiles. A tile may hold two video elements while it hands a peer over
 * from one path to the other (client/src/components/StreamVideo.tsx); only the one in front counts.
 */
export function startTileMonitor(page: Page): Promise<void> {
  return page.evaluate(() => {
    type State = { report: { gaps: Record<string, number>; blanks: Record<string, number>; orders: string[][]; longTasks: number[] }; stop: boolean; tasks: PerformanceObserver };
    const report: State['report'] = { gaps: {}, blanks: {}, orders: [], longTasks: [] };
    const tasks = new PerformanceObserver((list) => report.longTasks.push(...list.getEntries().map((e) => Math.round(e.duration))));
    tasks.observe({ type: 'longtask' });
    const state: State = { report, stop: false, tasks };
    (window as unknown as { __tiles: State }).__tiles = state;
    const watched = new WeakSet<HTMLVideoElement>();
    const lastFrame = new Map<string, number>();
    const cameraTiles = () => [...document.querySelectorAll<HTMLElement>('[data-testid="tile"]:not(.self)')];
    const shareTiles = () => [...document.querySelectorAll<HTMLElement>('[data-testid="share-tile"]')];
    const idOf = (tile: HTMLElement) => `${tile.dataset.testid === 'share-tile' ? 'screen:' : ''}${tile.dataset.peerId ?? ''}`;
    const sharesSeen = new Set<string>();
    const tick = () => {
      if (state.stop) return;
      const order = cameraTiles().map((t) => t.dataset.peerId ?? '');
      if (order.join() !== state.report.orders.at(-1)?.join()) state.report.orders.push(order);
      // A share that was on screen stays on screen (these tests never stop one while monitoring).
      const shares = shareTiles().map(idOf);
      for (const id of sharesSeen) if (!shares.includes(id)) state.report.blanks[id] = (state.report.blanks[id] ?? 0) + 1;
      for (const id of shares) sharesSeen.add(id);
      for (const tile of [...cameraTiles(), ...shareTiles()]) {
        const id = idOf(tile);
        const front = tile.querySelector<HTMLVideoElement>('video.front');
        // A tile with a picture before must keep one: no empty element while its video is shown.
        if (front && !front.hidden && lastFrame.has(id) && (front.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !front.srcObject)) {
          state.report.blanks[id] = (state.report.blanks[id] ?? 0) + 1;
        }
        for (const video of tile.querySelectorAll('video')) {
          if (watched.has(video)) continue;
          watched.add(video);
          // Video is presented off the main thread: a busy page runs these callbacks late, with several
          // frames shown meanwhile (presentedFrames jumps). Such a wait is spread over those frames.
          let lastCount = 0;
          const onFrame = (_: number, frame: VideoFrameCallbackMetadata) => {
            if (state.stop) return;
            const shown = frame.presentedFrames - lastCount;
            lastCount = frame.presentedFrames;
            if (video.classList.contains('front')) {
              const last = lastFrame.get(id);
              const gap = last === undefined ? 0 : (frame.presentationTime - last) / Math.max(1, shown);
              state.report.gaps[id] = Math.max(state.report.gaps[id] ?? 0, gap);
              lastFrame.set(id, frame.presentationTime);
            }
            video.requestVideoFrameCallback(onFrame);
          };
          video.requestVideoFrameCallback(onFrame);
        }
      }
      setTimeout(tick, 50);
    };
    tick();
  });
}

export function stopTileMonitor(page: Page): Promise<TileReport> {
  return page.evaluate(() => {
    const state = (window as unknown as { __tiles: { report: TileReport; stop: boolean; tasks: PerformanceObserver } }).__tiles;
    state.stop = true;
    state.tasks.disconnect();
    return state.report;
  });
}

/**
 * Nobody notices a switch: no remote tile of the people already in the room ever lost its picture, and the
 * tiles kept their order (the newcomer's or leaver's tile aside).
 */
export function expectSeamless(reports: TileReport[]) {
  for (const report of reports) {
    expect(report.blanks, 'tiles that showed no picture').toEqual({});
    const [first] = report.orders;
    for (const order of report.orders) expect(order.filter((id) => first!.includes(id))).toEqual(first!.filter((id) => order.includes(id)));
  }
}

/** The longest freeze of any remote tile in the reports. */
export const longestGap = (reports: TileReport[]) => Math.max(0, ...reports.flatMap((r) => Object.values(r.gaps)));

/**
 * Make-before-break, checked across pages from their switch logs (RoomClient's diagnostics.pathLog): an old path to
 * a peer was closed only after that peer showed us on the new path. `since` limits it to one switch.
 */
export async function expectMakeBeforeBreak(pages: Page[], to: Topology, since: number): Promise<void> {
  const logs = await Promise.all(
    pages.map((p) => p.evaluate(() => ({ peerId: window.__confer.room.peerId ?? '', log: window.__confer.room.diagnostics.pathLog }))),
  );
  const shownAt = (viewer: string, peer: string) =>
    logs.find((l) => l.peerId === viewer)?.log.find((e) => e.at >= since && e.event === 'show' && e.path === to && e.peerId === peer)?.at;
  const from = to === 'sfu' ? 'mesh' : 'sfu';
  const violations: string[] = [];
  let closes = 0;
  for (const { peerId: self, log } of logs) {
    for (const close of log.filter((e) => e.at >= since && e.event === 'close' && e.path === from)) {
      closes++;
      // Closing the SFU drops every peer's SFU media at once; a mesh link drops one peer's.
      const peers = close.peerId === '*' ? logs.map((l) => l.peerId).filter((id) => id !== self) : [close.peerId];
      for (const peer of peers) {
        const at = shownAt(peer, self);
        if (at === undefined || at > close.at) violations.push(`${self} closed ${from} to ${peer} before ${peer} showed it via ${to}`);
      }
    }
  }
  // On failure, every page's steps of this switch (ms after `since`, ids cut to 8 characters).
  const short = (id: string) => id.slice(0, 8);
  const steps = logs.map(({ peerId, log }) => `${short(peerId)}: ${log.filter((e) => e.at >= since).map((e) => `+${e.at - since} ${e.event} ${e.path} ${short(e.peerId)}`).join(', ')}`);
  expect(violations, steps.join('\n')).toEqual([]);
  expect(closes, `the ${from} paths were closed`).toBeGreaterThan(0);
}

/** The room's switches as the server recorded them (GET /api/rooms/:room/topology): where to, why, who had not finished. */
export async function switchesOf(request: APIRequestContext, room: string): Promise<Pick<SwitchRecord, 'to' | 'reason' | 'unfinished'>[]> {
  const { switches } = (await (await request.get(`/api/rooms/${room}/topology`, asOperator())).json()) as { switches: SwitchRecord[] };
  return switches.map(({ to, reason, unfinished }) => ({ to, reason, unfinished }));
}
