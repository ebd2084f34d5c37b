import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { freeTcpPort } from '../../signaling/test-support/freePort.js';
import { startRedis, type TestRedis } from '../../signaling/test-support/redisServer.js';
import { ServerProcess } from '../../signaling/test-support/serverProcess.js';

/**
 * `npm run bench:signaling`: simulated Socket.IO clients (no browsers, loopback only) in rooms of 4. Every
 * client, once in, sends a presence update and a signal to a roommate every TRAFFIC_MS. Clients are added
 * STEP at a time, arriving at JOIN_RATE per second per node; each step's joins are timed (emit → ack) while
 * the earlier clients keep their traffic. WARMUP clients join and leave first, unmeasured.
 * A setup "holds" the most clients of a step whose join p99 stayed under 50 ms. Runs our server and a bare
 * Socket.IO server (e2e/bench/bare/signaling.mjs, the same adapter) on one node and on two nodes over
 * Redis, in the same run. Bounded: at most MAX_PER_NODE clients per node, and one step over the limit.
 */
const STEP = Number(process.env.BENCH_SIGNALING_STEP ?? 1000);
// By default as high as the bound goes, so the baseline is not stopped short (which would flatter the ratio).
const MAX_PER_NODE = Math.min(9000, Number(process.env.BENCH_SIGNALING_MAX_PER_NODE ?? 9000));
const TRAFFIC_MS = 5000;
const P99_LIMIT_MS = 50;
/** New clients per second per node while a step adds them (a meeting hour's start is a few per second). */
const JOIN_RATE = Number(process.env.BENCH_SIGNALING_JOIN_RATE ?? 50);
/** Clients that join and leave before the ramp, unmeasured. */
const WARMUP = 200;
/** BENCH_SIGNALING_ONLY=ours×2 (comma-separated labels) runs only those setups. */
const only = process.env.BENCH_SIGNALING_ONLY?.split(',') ?? null;
const bare = { main: fileURLToPath(new URL('./bare/signaling.mjs', import.meta.url)), ready: 'Bare signaling is running' };

interface LoadClient {
  socket: Socket;
  peerId: string;
  roommates: string[];
  /** What its next presence update says: it toggles, as a mute button does. */
  muted: boolean;
}
interface Step {
  clients: number;
  p50: number;
  p99: number;
  failed: number;
}

/** Why the last connect or join failed, for the printout. */
let lastFailure = '';
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

async function connectAndJoin(url: string, roomId: string, name: string): Promise<{ client: LoadClient; joinMs: number } | null> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, timeout: 10_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const started = performance.now();
    const answer = (await socket.timeout(10_000).emitWithAck('room:join', { roomId, displayName: name })) as { ok: boolean; data?: { peerId: string; peers: { peerId: string }[] } };
    const joinMs = performance.now() - started;
    if (!answer.ok || !answer.data) throw new Error('join refused');
    const client: LoadClient = { socket, peerId: answer.data.peerId, roommates: answer.data.peers.map((p) => p.peerId), muted: false };
    socket.on('room:peer-joined', ({ peerId }: { peerId: string }) => client.roommates.push(peerId));
    return { client, joinMs };
  } catch (error) {
    socket.close();
    lastFailure = (error as Error).message;
    return null;
  }
}

/** Clients `from` … `from + count - 1` join (round robin over `urls`), arriving at JOIN_RATE per node, however the servers keep up. */
function arrive(urls: string[], roomPrefix: string, from: number, count: number) {
  const started = performance.now();
  return Promise.all(
    Array.from({ length: count }, async (_, k) => {
      await sleep(started + (k * 1000) / (JOIN_RATE * urls.length) - performance.now());
      const i = from + k;
      return connectAndJoin(urls[i % urls.length]!, `${roomPrefix}-${Math.floor(i / 4)}`, `c${i}`);
    }),
  );
}

/** Ramps clients onto `urls` (round robin) until a step's join p99 passes the limit or the cap is reached. */
async function ramp(label: string, urls: string[]): Promise<{ label: string; held: number; steps: Step[] }> {
  const clients: LoadClient[] = [];
  // Room ids are letters, digits and dashes: the label's "×" is for the printout only.
  const roomPrefix = `bench-${label.replace(/\W/g, '-')}`;
  let tick = 0;
  // Each 100 ms a fiftieth of the clients speak: every client once per TRAFFIC_MS.
  const slices = TRAFFIC_MS / 100;
  const traffic = setInterval(() => {
    tick++;
    for (let i = tick % slices; i < clients.length; i += slices) {
      const c = clients[i]!;
      c.muted = !c.muted;
      c.socket.emit('peer:update', { audioMuted: c.muted }, () => undefined);
      const to = c.roommates[tick % Math.max(1, c.roommates.length)];
      if (to) c.socket.emit('signal:send', { to, signal: { candidate: null } }, () => undefined);
    }
  }, 100);
  const steps: Step[] = [];
  // Unmeasured: the servers' first joins compile their code paths (and load their Redis scripts).
  for (const warm of await arrive(urls, `${roomPrefix}-warm`, 0, WARMUP)) warm?.client.socket.close();
  await sleep(2000);
  try {
    while (clients.length < MAX_PER_NODE * urls.length) {
      const times: number[] = [];
      let failed = 0;
      const joined = await arrive(urls, roomPrefix, clients.length, STEP);
      for (const one of joined) {
        if (one) {
          clients.push(one.client);
          times.push(one.joinMs);
        } else failed++;
      }
      // The new clients' traffic runs a while before the next step.
      await sleep(2000);
      const step = { clients: clients.length, p50: Math.round(quantile(times, 0.5) * 10) / 10, p99: Math.round(quantile(times, 0.99) * 10) / 10, failed };
      steps.push(step);
      console.log(`  ${label}: ${String(step.clients).padStart(6)} clients  join p50 ${String(step.p50).padStart(6)} ms  p99 ${String(step.p99).padStart(7)} ms  failed ${failed}${failed ? ` (last: ${lastFailure})` : ''}`);
      if (step.p99 >= P99_LIMIT_MS || failed > 0) break;
    }
  } finally {
    clearInterval(traffic);
    for (const c of clients) c.socket.close();
  }
  const held = steps.filter((s) => s.p99 < P99_LIMIT_MS && s.failed === 0).at(-1)?.clients ?? 0;
  return { label, held, steps };
}

/** Our server (`ServerProcess`, as `npm start` runs it) or the bare one, on `nodes` nodes sharing `redis`. */
async function startNodes(kind: 'ours' | 'bare', nodes: number, redis: TestRedis | null): Promise<ServerProcess[]> {
  const cluster: Record<string, string> = redis ? { REDIS_URL: redis.url, STATE_FILE: '' } : {};
  const started: ServerProcess[] = [];
  for (let n = 0; n < nodes; n++) {
    if (kind === 'ours') started.push(await ServerProcess.start({ ...cluster, MAX_ROOMS: '100000', ROOM_CAPACITY: '4', TOPOLOGY_SFU_FROM: '5' }));
    else {
      const port = await freeTcpPort();
      started.push(await ServerProcess.startProgram(bare, `http://127.0.0.1:${port}`, { PORT: String(port), ...(redis ? { REDIS_URL: redis.url } : {}) }));
    }
  }
  return started;
}

test('signaling: concurrent clients with join p99 under 50 ms, ours against a bare Socket.IO server, on one and two nodes', async () => {
  test.setTimeout(30 * 60_000);
  const redis = await startRedis();
  const results: { label: string; held: number }[] = [];
  try {
    for (const nodes of [1, 2]) {
      for (const kind of ['ours', 'bare'] as const) {
        if (only && !only.includes(`${kind}×${nodes}`)) continue;
        const servers = await startNodes(kind, nodes, nodes > 1 ? redis : null);
        // The machine is shared: a busy one (load well over 0 before a run) makes its figures worth little.
        const before = loadavg()[0]!.toFixed(2);
        try {
          results.push(await ramp(`${kind}×${nodes}`, servers.map((s) => s.url)));
          console.log(`  ${kind}×${nodes}: load average ${before} before, ${loadavg()[0]!.toFixed(2)} after`);
        } finally {
          // SIGTERM: a graceful stop, which also writes the CPU profiles SERVER_NODE_ARGS may ask for.
          await Promise.all(servers.map(async (s) => (await s.stop('SIGTERM'), await s.close())));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  const held = (label: string) => results.find((r) => r.label === label)?.held ?? 0;
  console.log(`\nsignaling bench (rooms of 4, presence + a signal per client every ${TRAFFIC_MS / 1000} s, steps of ${STEP} arriving at ${JOIN_RATE}/s per node, cap ${MAX_PER_NODE} per node)`);
  for (const nodes of [1, 2]) {
    const [ours, base] = [held(`ours×${nodes}`), held(`bare×${nodes}`)];
    // A setup that reached the cap holds at least that many: its ratio is a lower bound, or both are.
    const atCap = (n: number) => n >= MAX_PER_NODE * nodes;
    const capped = (n: number) => (atCap(n) ? ' (the cap)' : '');
    const bound = atCap(base) && !atCap(ours) ? ' (at most: bare reached the cap)' : atCap(ours) && !atCap(base) ? ' (at least: ours reached the cap)' : '';
    console.log(`  ${nodes} node${nodes > 1 ? 's' : ' '}: ours holds ${ours} clients${capped(ours)} (${Math.round(ours / nodes)} per node), bare ${base}${capped(base)}: ${base ? (ours / base).toFixed(2) : 'n/a'}× the bare server${bound}`);
  }
});
