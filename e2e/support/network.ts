import { execFileSync } from 'node:child_process';
import { expect, type Page } from '@playwright/test';
import { stats } from './participants.js';

/**
 * Cuts media on loopback with `tc` (iptables is not installed here): UDP and every TCP port but the app's
 * (signaling and the page) are sent to an htb class whose queue holds nothing, so those packets are
 * dropped. TCP is cut too so the SFU cannot quietly move to its ICE-TCP candidate. Only ever inside a
 * private network namespace that has nothing but `lo` (scripts/in-netns.sh): never the host's loopback.
 */
const TC = '/usr/sbin/tc';

/** Why the network cannot be cut here, or null when it can. */
export function cannotCutNetwork(): string | null {
  try {
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(':')[1]?.trim());
    if (links.length !== 1 || links[0] !== 'lo') return `not in an lo-only network namespace (links: ${links.join(', ')}); run through scripts/in-netns.sh as root`;
    execFileSync(TC, ['-V'], { stdio: 'ignore' });
    return null;
  } catch (error) {
    return `cannot inspect the network or run tc: ${(error as Error).message}`;
  }
}

function tc(...args: string[]): void {
  execFileSync(TC, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Drops all UDP, and all TCP except to and from `keepTcpPort`, on lo (IPv4 and IPv6). */
export function cutMedia(keepTcpPort: number): void {
  const guard = cannotCutNetwork();
  if (guard) throw new Error(guard);
  const port = String(keepTcpPort);
  tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
  tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '8bit', 'ceil', '8bit');
  // A queue of length 0: everything classified into 1:20 is dropped.
  tc('qdisc', 'add', 'dev', 'lo', 'parent', '1:20', 'handle', '20:', 'pfifo', 'limit', '0');
  // A priority belongs to one protocol: IPv4 takes 1 (keep) and 2 (drop), IPv6 3 and 4.
  for (const [family, match, keep, drop] of [['ip', 'ip', '1', '2'], ['ipv6', 'ip6', '3', '4']] as const) {
    const filter = (prio: string, flow: string, ...m: string[]) => tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', family, 'prio', prio, 'u32', ...m, 'flowid', flow);
    filter(keep, '1:10', 'match', match, 'protocol', '6', '0xff', 'match', match, 'dport', port, '0xffff');
    filter(keep, '1:10', 'match', match, 'protocol', '6', '0xff', 'match', match, 'sport', port, '0xffff');
    filter(drop, '1:20', 'match', match, 'protocol', '17', '0xff');
    filter(drop, '1:20', 'match', match, 'protocol', '6', '0xff');
  }
}

/** Lets everything through again (safe to call when nothing was cut). */
export function restoreNetwork(): void {
  if (cannotCutNetwork()) return;
  try {
    tc('qdisc', 'del', 'dev', 'lo', 'root');
  } catch {
    // No qdisc installed: nothing to undo.
  }
}

/** The TCP port of a server's base URL: what `cutMedia` must keep open for its signaling. */
export const portOf = (server: string): number => Number(new URL(server).port || 80);

/**
 * Starts recording every connection state a page's remote tiles show (their data-link attribute), and the
 * recovery steps the page takes: `sfu:restart-ice` and `sfu:join` requests, mesh `relink` signals, and
 * `ice-restart` for every RTCPeerConnection.restartIce() call (the mesh links' ICE restarts).
 */
export function recordLinkStates(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    const sent: string[] = [];
    Object.assign(window, { __links: seen, __sent: sent });
    window.__confer.signaling.socket.onAnyOutgoing((event: string, request: unknown) => {
      const signal = event === 'signal:send' ? (request as { signal: object }).signal : null;
      if (event === 'sfu:restart-ice' || event === 'sfu:join' || (signal && 'relink' in signal)) sent.push(signal ? 'relink' : event);
    });
    const restartIce = RTCPeerConnection.prototype.restartIce;
    RTCPeerConnection.prototype.restartIce = function (this: RTCPeerConnection) {
      sent.push('ice-restart');
      restartIce.call(this);
    };
    setInterval(() => {
      for (const tile of document.querySelectorAll<HTMLElement>('[data-testid="tile"]:not(.self)')) {
        const id = tile.dataset.peerId ?? '';
        const link = tile.dataset.link ?? '';
        const states = (seen[id] ??= []);
        if (states.at(-1) !== link) states.push(link);
      }
    }, 100);
  });
}

/** What recordLinkStates saw, per remote peer: each change of the tile's state, in order. */
export const linkStates = (page: Page): Promise<Record<string, string[]>> =>
  page.evaluate(() => (window as unknown as { __links: Record<string, string[]> }).__links);

/** The recovery requests recordLinkStates saw the page send, in order. */
export const recoveryRequests = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __sent: string[] }).__sent);

export type FrameCounts = Record<string, number>;
export const frameCounts = async (page: Page): Promise<FrameCounts> =>
  Object.fromEntries(Object.entries(await stats(page)).map(([id, s]) => [id, s.framesDecoded]));

/**
 * Waits until video decodes again from every remote peer of every page: each peer's frame counter has
 * moved by more than `frames` since `since` (a counter that went back to 0 means a new connection; it
 * then has to reach `frames` from there).
 */
export async function waitForFramesAgain(pages: Page[], since: FrameCounts[], frames: number, timeout: number): Promise<void> {
  await Promise.all(
    pages.map((page, i) =>
      expect
        .poll(
          async () => {
            const now = await frameCounts(page);
            return Object.keys(since[i]!).filter((id) => {
              const [before, after] = [since[i]![id] ?? 0, now[id] ?? 0];
              return after < before ? after <= frames : after - before <= frames;
            });
          },
          { intervals: [200], timeout, message: `page ${i}: frames advance again from every peer` },
        )
        .toEqual([]),
    ),
  );
}
