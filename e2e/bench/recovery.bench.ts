import { test, type Page } from '@playwright/test';
import { closeAll, expectMediaFlowing, expectPath, joinRoom } from '../support/participants.js';
import { restartDuringCall, type RecoveryTimes } from '../support/restart.js';
import { ServerProcess } from '../../signaling/test-support/serverProcess.js';

/**
 * `npm run bench:recovery`: the signaling server (with its SFU) is killed (SIGKILL) mid-call and started
 * again; prints how long until every page has its seat back and until every tile decodes fresh frames,
 * for a 3-person mesh and a 5-person SFU call. RECOVERY_RUNS (default 3) restarts each. Prints; asserts
 * only that recovery happens.
 */
const RUNS = Math.min(10, Number(process.env.RECOVERY_RUNS ?? 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function report(label: string, runs: RecoveryTimes[]): void {
  const row = (key: keyof RecoveryTimes) => `${key.padEnd(9)} median ${String(median(runs.map((r) => r[key]))).padStart(6)} ms   runs ${runs.map((r) => r[key]).join(', ')}`;
  console.log(`\n${label} (${runs.length} restarts)\n  ${row('downMs')}\n  ${row('seatedMs')}\n  ${row('mediaMs')}`);
}

for (const [label, names, path] of [
  ['3-person mesh', ['Ada', 'Bo', 'Cy'], 'mesh'],
  ['5-person SFU', ['Ada', 'Bo', 'Cy', 'Di', 'Ed'], 'sfu'],
] as const) {
  test(`signaling restart → media back: ${label}`, async ({ browser }) => {
    test.setTimeout(120_000 + RUNS * 90_000);
    const server = await ServerProcess.start();
    const pages: Page[] = [];
    const room = `recovery-${path}-${Date.now()}`;
    try {
      for (const name of names) pages.push(await joinRoom(browser, room, name, { query: 'video=320x240&fps=10', server: server.url }));
      await expectPath(pages, path, names.length - 1);
      await expectMediaFlowing(pages, names.length - 1);
      const runs: RecoveryTimes[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await restartDuringCall(server, pages, path, 'SIGKILL'));
      report(`signaling restart, ${label}`, runs);
    } finally {
      await closeAll(pages);
      await server.close();
    }
  });
}
