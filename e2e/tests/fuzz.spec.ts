import { expect, test } from '@playwright/test';
import type { ErrorCode } from '@confer/shared';
import {
  connectSocket,
  eventKey,
  fuzzMessage,
  health,
  mb,
  packetBytes,
  Rng,
  seedFrom,
  serverMemory,
  strangerIds,
  typedFailure,
  typedServerError,
  type FuzzMessage,
  type ServerMemory,
} from '../support/fuzz.js';
import type { Browser } from '@playwright/test';
import { test as clusterTest } from '../support/cluster.js';
import { Run } from '../support/fuzzRun.js';
import { expectMediaFlowing, frameTotals, stats, withTwoInCall } from '../support/participants.js';

/**
 * A storm of malformed signaling messages from many sockets while a real 2-person call runs: the server
 * must stay healthy, answer every request with a typed error (through the ack, or a `server:error` event
 * when there is no ack), keep the call's media flowing, and give its memory back afterwards.
 * FUZZ_SEED replays a run (the seed is printed); FUZZ_MESSAGES and FUZZ_SOCKETS scale it.
 */
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 10_000);
const SOCKETS = Number(process.env.FUZZ_SOCKETS ?? 40);
/** This many sockets join a room of their own first, so "in a room" refusals (PEER_NOT_FOUND, MEDIA_ERROR, ...) are fuzzed too. */
const IN_ROOM = Math.floor(SOCKETS / 4);
/** Out-of-room sockets that end with one message over the 64 KB limit (the server closes them). */
const OVERSIZE_SIZES = [64 * 1024 + 100, 100 * 1024, 512 * 1024, 2 * 1024 * 1024];
/** Per socket, between two messages: ~10 s of storm, well under every per-socket rate limit except room:join's. */
const PACE_MS = Math.max(1, Math.round(10_000 / Math.ceil(MESSAGES / SOCKETS)));
/**
 * Why 30 MB: V8 frees garbage lazily and GC cannot be forced from outside (no --expose-gc), so the storm's dead
 * objects may still count as used (here +13..20 MB right after it). The same 10,000 messages against the app in a
 * process with --expose-gc left +3.7 MB after a forced GC (warm-up), then nothing more over two further rounds;
 * a leak of ~3 KB per message would exceed the tolerance.
 */
const HEAP_TOLERANCE = 30 * 2 ** 20;
const SETTLE_MS = 30_000;
const LEGAL_BYTES = 62 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inc = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
const show = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
const describe = (m: FuzzMessage) => `${m.event} [${m.kind}, ack: ${m.ackMode}] ${JSON.stringify(m.args).slice(0, 200)}`;

const token = () => process.env.CONFER_E2E_OPERATOR_TOKEN!;

test('signaling survives 10,000 malformed messages from 40 sockets while a call goes on', async ({ browser }) => {
  test.setTimeout(180_000);
  expect(process.env.CONFER_E2E_URL, 'globalSetup sets CONFER_E2E_URL').toBeTruthy();
  expect(token(), 'globalSetup sets an operator token (for /metrics)').toBeTruthy();
  await storm(browser, [process.env.CONFER_E2E_URL!]);
});

clusterTest('the same storm on a cluster of two: the call and the sockets spread over both servers', async ({ browser, cluster }) => {
  clusterTest.setTimeout(180_000);
  const servers = [await cluster.start({ OPERATOR_TOKEN: token() }), await cluster.start({ OPERATOR_TOKEN: token() })];
  await storm(browser, servers.map((s) => s.url));
});

/** The storm against these servers (one, or a cluster's: the call's two pages and the sockets take them in turn). */
async function storm(browser: Browser, urls: string[]): Promise<void> {
  const seed = seedFrom(process.env.FUZZ_SEED);
  console.log(`\nfuzz seed ${seed} (replay with FUZZ_SEED=${seed}); ${MESSAGES} messages over ${SOCKETS} sockets (${IN_ROOM} in rooms of their own) on ${urls.length} server(s)`);
  const each = <T>(fn: (url: string) => Promise<T>) => Promise.all(urls.map(fn));

  await withTwoInCall(browser, 'fuzz', async (ada, bo) => {
    // The call's peer ids: signals to them from other rooms must be refused (PEER_NOT_FOUND), never delivered.
    const callPeers = [...Object.keys(await stats(ada)), ...Object.keys(await stats(bo))];
    expect(callPeers).toHaveLength(2);
    const before = await each(health);
    for (const h of before) expect(h.httpStatus).toBe(200);
    const baseline = await each((url) => serverMemory(url, token()));

    // Health and memory all along: every /healthz must answer 200 and not "down".
    const healthFailures: string[] = [];
    let healthChecks = 0;
    let slowestHealthMs = 0;
    const peak: ServerMemory[] = baseline.map((m) => ({ ...m }));
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          for (const [i, url] of urls.entries()) {
            const h = await health(url);
            healthChecks++;
            slowestHealthMs = Math.max(slowestHealthMs, h.ms);
            if (h.httpStatus !== 200 || !h.report || h.report.status === 'down') healthFailures.push(`${url}: ${h.httpStatus} ${h.report?.status}`);
            const m = await serverMemory(url, token());
            if (m.heapUsed > peak[i]!.heapUsed) peak[i] = { ...m };
          }
        } catch (error) {
          healthFailures.push((error as Error).message);
        }
        await sleep(500);
      }
    })();

    const runs: Run[] = [];
    try {
      for (let i = 0; i < SOCKETS; i++) runs.push(new Run(i, await connectSocket(urls[i % urls.length]!), i < IN_ROOM));
      // In-room sockets: each alone in its own room (so nothing they send can reach the call).
      const ownPeers: string[] = [];
      for (const run of runs.filter((r) => r.inRoom)) {
        const reply: unknown = await run.socket.timeout(10_000).emitWithAck('room:join', { roomId: `fuzz-${seed}-${run.index}`, displayName: `Fuzzer ${run.index}` });
        expect(reply, 'a well-formed join is accepted').toMatchObject({ ok: true });
        ownPeers.push((reply as { data: { peerId: string } }).data.peerId);
      }

      const ackCodes = new Map<string, number>();
      const errorCodesSeen = new Map<string, number>();
      const kinds = new Map<string, number>();
      const eitherSent = new Map<string, number>();
      const eitherAckedBy = new Map<string, number>();
      const problems: string[] = [];
      let bytesSent = 0;
      for (const run of runs) {
        run.socket.on('server:error', (payload: unknown) => {
          const typed = typedServerError(payload);
          if (!typed) return void problems.push(`socket ${run.index}: untyped server:error ${JSON.stringify(payload).slice(0, 200)}`);
          inc(errorCodesSeen, typed.code);
          inc(run.errReceived, eventKey(typed.event));
        });
      }

      const framesAt = () => frameTotals([ada, bo]);
      const framesBefore = await framesAt();
      const stormStart = performance.now();
      // Frames sampled during the storm: the longest time a page's remote video did not advance.
      const stall = [0, 0];
      let storming = true;
      const frameWatch = (async () => {
        const last = [{ frames: framesBefore[0]!, at: stormStart }, { frames: framesBefore[1]!, at: stormStart }];
        while (storming) {
          await sleep(1000);
          const now = await framesAt();
          for (const i of [0, 1]) {
            const t = performance.now();
            if (now[i]! > last[i]!.frames) last[i] = { frames: now[i]!, at: t };
            stall[i] = Math.max(stall[i]!, t - last[i]!.at);
          }
        }
      })();

      const perSocket = Math.ceil(MESSAGES / SOCKETS);
      await Promise.all(
        runs.map(async (run) => {
          // One generator per socket: the sequence does not depend on how the sockets interleave.
          const rng = new Rng((seed ^ Math.imul(run.index + 1, 0x9e3779b9)) >>> 0);
          const targets = [...strangerIds(rng, 4), ...callPeers, ...(run.inRoom ? ownPeers : [])];
          for (let n = 0; n < perSocket; n++) {
            let message = fuzzMessage(rng, { inRoom: run.inRoom, targets });
            while (packetBytes(message) > LEGAL_BYTES) message = fuzzMessage(rng, { inRoom: run.inRoom, targets });
            inc(kinds, message.kind.replace(/ \(.*/, ''));
            bytesSent += packetBytes(message);
            run.sent++;
            const args = [...message.args];
            if (message.ackMode === 'function' || message.ackMode === 'ack-only') {
              const eitherKind = message.kind === 'unknown-event' ? 'unknown event with an ack' : 'ack function as the only argument';
              if (message.expect === 'ack') run.ackExpected++;
              else {
                inc(run.eitherSent, eventKey(message.event));
                inc(eitherSent, eitherKind);
              }
              args.push((response: unknown) => {
                if (message.expect === 'ack') run.acks++;
                else {
                  inc(run.eitherAcked, eventKey(message.event));
                  inc(eitherAckedBy, eitherKind);
                }
                const code = typedFailure(response);
                if (!code) return void problems.push(`untyped or successful answer ${JSON.stringify(response).slice(0, 160)} to ${describe(message)}`);
                inc(ackCodes, code);
                const allowed: ErrorCode[] = ['BAD_REQUEST', 'RATE_LIMITED'];
                if (message.schemaInvalid && !allowed.includes(code)) problems.push(`${code} (not BAD_REQUEST) for a payload the schema refuses: ${describe(message)}`);
              });
            } else {
              inc(run.errExpected, eventKey(message.event));
            }
            run.socket.emit(message.event, ...args);
            await sleep(PACE_MS);
          }
        }),
      );
      const sent = runs.reduce((s, r) => s + r.sent, 0);
      const sendSeconds = (performance.now() - stormStart) / 1000;

      // Every answer must arrive (bounded wait), then the counts must match exactly.
      const settleBy = Date.now() + SETTLE_MS;
      while (Date.now() < settleBy && !runs.every((r) => r.settled())) await sleep(200);
      storming = false;
      await frameWatch;
      const stormSeconds = (performance.now() - stormStart) / 1000;
      const framesAfter = await framesAt();

      const acked = runs.reduce((s, r) => s + r.ackExpected, 0);
      const acks = runs.reduce((s, r) => s + r.acks, 0);
      const errExpected = runs.reduce((s, r) => s + [...r.errExpected.values()].reduce((a, b) => a + b, 0), 0);
      const errReceived = runs.reduce((s, r) => s + [...r.errReceived.values()].reduce((a, b) => a + b, 0), 0);
      const either = runs.reduce((s, r) => s + [...r.eitherSent.values()].reduce((a, b) => a + b, 0), 0);
      const eitherAcked = runs.reduce((s, r) => s + [...r.eitherAcked.values()].reduce((a, b) => a + b, 0), 0);
      console.log(
        [
          `sent ${sent} messages (${mb(bytesSent)}) in ${sendSeconds.toFixed(1)} s; all answered after ${stormSeconds.toFixed(1)} s`,
          `  kinds: ${show(kinds)}`,
          `  with ack: ${acked} sent, ${acks} acks received; codes: ${show(ackCodes)}`,
          `  without ack: ${errExpected} sent, ${errReceived} server:error events received; codes: ${show(errorCodesSeen)}`,
          `  ack given where the protocol leaves it open: ${either} (${show(eitherSent)}), answered by ack ${eitherAcked} (${show(eitherAckedBy)}), by server:error ${either - eitherAcked}`,
          `  call frames during the storm: Ada +${framesAfter[0]! - framesBefore[0]!}, Bo +${framesAfter[1]! - framesBefore[1]!}; longest time without a new frame ${(Math.max(...stall) / 1000).toFixed(1)} s (sampled each second)`,
        ].join('\n'),
      );
      expect(sent).toBeGreaterThanOrEqual(MESSAGES);
      expect(problems.slice(0, 10), `${problems.length} answers were untyped, successful or the wrong code`).toEqual([]);
      expect(runs.filter((r) => r.disconnectReason).map((r) => `${r.index}: ${r.disconnectReason}`), 'no socket is dropped by legal-size messages').toEqual([]);
      expect(acks, 'every message sent with an ack got exactly one ack').toBe(acked);
      expect(runs.flatMap((r) => r.mismatches()).slice(0, 10), 'every message without an ack got exactly one server:error').toEqual([]);
      // Media kept going while the server was busy: frames advanced on both pages, never stalled for long.
      for (const i of [0, 1]) expect(framesAfter[i]! - framesBefore[i]!, `page ${i} decoded frames during the storm`).toBeGreaterThan(stormSeconds * 2);
      expect(Math.max(...stall), 'no remote video stalled 8 s during the storm').toBeLessThan(8_000);

      // Above the limit: the server closes the sender (and only it) and never answers.
      const victims = runs.filter((r) => !r.inRoom).slice(-OVERSIZE_SIZES.length);
      let oversizeAcks = 0;
      for (const [i, run] of victims.entries()) run.socket.emit('signal:send', { to: callPeers[0], signal: { description: { type: 'offer', sdp: 'v'.repeat(OVERSIZE_SIZES[i]!) } } }, () => oversizeAcks++);
      await expect.poll(() => victims.filter((r) => r.disconnectReason !== null).length, { timeout: 10_000, message: 'every oversized sender is disconnected' }).toBe(victims.length);
      console.log(`  oversized (${OVERSIZE_SIZES.map((b) => mb(b)).join(', ')}): ${victims.length} senders disconnected (${[...new Set(victims.map((r) => r.disconnectReason))].join(', ')}), ${oversizeAcks} answered`);
      expect(oversizeAcks).toBe(0);
      const survivors = runs.filter((r) => !victims.includes(r));
      expect(survivors.filter((r) => !r.socket.connected).map((r) => r.index), 'the other sockets stay connected').toEqual([]);
      // A survivor still gets answers after all that.
      const probe: unknown = await survivors[0]!.socket.timeout(5_000).emitWithAck('room:join', { roomId: '' });
      expect(typedFailure(probe)).not.toBeNull();

      for (const run of runs) run.socket.close();
      await expect
        .poll(async () => (await each(health)).map((h) => h.report?.signaling), { timeout: 15_000, message: 'connections and rooms back to the call alone' })
        .toMatchObject(before.map((h) => ({ connections: h.report!.signaling.connections, rooms: h.report!.signaling.rooms })));
    } finally {
      polling = false;
      for (const run of runs) run.socket.close();
      await poller;
    }
    expect(healthFailures, `/healthz stayed 200 and not down over ${healthChecks} checks`).toEqual([]);

    // The call outlived it all.
    await expectMediaFlowing([ada, bo], 1);

    // Memory comes back on every server: poll, since GC runs on V8's schedule.
    const memoryBy = Date.now() + 30_000;
    let after = await each((url) => serverMemory(url, token()));
    while (after.some((m, i) => m.heapUsed > baseline[i]!.heapUsed + HEAP_TOLERANCE) && Date.now() < memoryBy) {
      await sleep(1000);
      after = await each((url) => serverMemory(url, token()));
    }
    for (const [i, url] of urls.entries()) {
      const [b, p, a] = [baseline[i]!, peak[i]!, after[i]!];
      console.log(`  server ${url} heap: before ${mb(b.heapUsed)}, peak ${mb(p.heapUsed)}, after ${mb(a.heapUsed)} (tolerance +${mb(HEAP_TOLERANCE)}); RSS ${mb(b.rss)} → ${mb(p.rss)} → ${mb(a.rss)}`);
      expect(a.heapUsed, `server ${url} heap back near its baseline`).toBeLessThanOrEqual(b.heapUsed + HEAP_TOLERANCE);
    }
    console.log(`  /healthz ${healthChecks} checks, slowest ${slowestHealthMs.toFixed(0)} ms`);
  }, { spread: urls });
}
