import { expect, test } from '@playwright/test';
import { connectSocket, health, metricValue, Rng, seedFrom, typedFailure, type RawSocket } from '../support/fuzz.js';
import { asOperator, frameTotals, servers, withTwoInCall } from '../support/participants.js';

/**
 * Well-formed requests in the wrong order: sockets fire room:join (to a few shared rooms), room:leave and
 * sfu:join without waiting for answers, some vanish with requests in flight, on the server that moves rooms
 * to the SFU at 3 (so sfu:join is live). Every answer must be typed, a call in another room on that server
 * keeps its frames, and once everyone is gone no seat, room or SFU transport is left. FUZZ_SEED replays.
 */
const SOCKETS = 24;
const OPS_PER_SOCKET = 40;
const ROOMS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('joins, leaves and sfu:join from 24 sockets, interleaved and unanswered, leave nothing behind while a call goes on', async ({ browser }) => {
  test.setTimeout(120_000);
  const url = servers.sfuAt3();
  const seed = seedFrom(process.env.FUZZ_SEED);
  /** What the server holds: connections and rooms (signaling), routers on its workers, SFU transports of its rooms. */
  const state = async () => {
    const [{ report }, metrics] = await Promise.all([health(url), fetch(`${url}/metrics`, asOperator()).then((r) => r.text())]);
    return {
      connections: report?.signaling.connections ?? -1,
      rooms: report?.signaling.rooms ?? -1,
      routers: report?.sfu.workers.reduce((n, w) => n + w.routers, 0) ?? -1,
      transports: metricValue(metrics, 'confer_sfu_transports') ?? -1,
    };
  };
  // Two on a server whose threshold is 3 stay on the mesh: the call adds no SFU transport of its own.
  await withTwoInCall(
    browser,
    'races-call',
    async (ada, bo) => {
      const before = await state();
      const framesBefore = await frameTotals([ada, bo]);
      const sockets: RawSocket[] = await Promise.all(Array.from({ length: SOCKETS }, () => connectSocket(url)));
      const answers = new Map<string, number>();
      const untyped: string[] = [];
      const peak = { ...before };
      const peakWatch = setInterval(
        () => void state().then((s) => Object.assign(peak, { routers: Math.max(peak.routers, s.routers), transports: Math.max(peak.transports, s.transports) }), () => undefined),
        250,
      );
      await Promise.all(
        sockets.map(async (socket, i) => {
          const rng = new Rng((seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0);
          const vanishes = i % 3 === 0;
          const inFlight: Promise<void>[] = [];
          for (let n = 0; n < OPS_PER_SOCKET; n++) {
            const op = rng.pick(['room:join', 'room:join', 'room:leave', 'sfu:join', 'sfu:join'] as const);
            const payload = op === 'room:join' ? { roomId: `race-${seed}-${rng.int(ROOMS)}`, displayName: `Racer ${i}` } : {};
            const asked = socket.timeout(15_000).emitWithAck(op, payload);
            inFlight.push(
              asked.then(
                (answer: unknown) => {
                  const code = (answer as { ok?: unknown } | null)?.ok === true ? 'ok' : typedFailure(answer);
                  if (code) answers.set(`${op} ${code}`, (answers.get(`${op} ${code}`) ?? 0) + 1);
                  else untyped.push(`${op}: ${JSON.stringify(answer).slice(0, 200)}`);
                },
                // A socket that vanished gets no answer: that is the point of vanishing.
                (error: Error) => void (vanishes || untyped.push(`${op}: ${error.message}`)),
              ),
            );
            // Bursts (back to back, several in flight at once) and pauses, as the seed has it: ~5 s per socket.
            if (rng.chance(0.5)) await sleep(rng.int(500));
          }
          if (vanishes) socket.disconnect();
          await Promise.all(inFlight);
          socket.disconnect();
        }),
      );
      const summary = [...answers].sort().map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(`\nraces seed ${seed} (replay with FUZZ_SEED=${seed}): ${SOCKETS} sockets × ${OPS_PER_SOCKET} requests; answers: ${summary}`);
      expect(untyped, 'every request got a typed answer').toEqual([]);
      expect(answers.get('sfu:join ok') ?? 0, 'some sfu:join succeeded: the races reached the SFU').toBeGreaterThan(0);
      // Held seats of dropped connections lapse after RECONNECT_GRACE_MS (10 s); then nothing may be left.
      await expect.poll(state, { timeout: 40_000, message: 'no room or SFU transport left once every racer is gone' }).toEqual(before);
      clearInterval(peakWatch);
      const after = await state();
      console.log(`routers / SFU transports: ${before.routers}/${before.transports} before, ${peak.routers}/${peak.transports} at the peak, ${after.routers}/${after.transports} after`);
      expect(peak.routers, 'the races made SFU rooms').toBeGreaterThan(0);
      // The call in the other room decodes on: 20 more frames on each page (2 s of its video).
      for (const [i, page] of [ada, bo].entries()) {
        await expect.poll(async () => (await frameTotals([page]))[0]! - framesBefore[i]!, { timeout: 20_000, message: `the call kept decoding (page ${i})` }).toBeGreaterThan(20);
      }
    },
    { server: url },
  );
});
