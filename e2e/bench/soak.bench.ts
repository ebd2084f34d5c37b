import { test } from '@playwright/test';
import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, JoinResponse, ServerToClientEvents } from '@confer/shared';
import { connectSocket, health, mb, Rng, seedFrom, serverMemory, validStatsSample, type ServerMemory } from '../support/fuzz.js';

/**
 * `npm run bench:soak`: SOAK_CLIENTS signaling-only clients (socket.io-client, no browser, no media) join
 * and leave rooms for SOAK_SECONDS, exchanging signals, stats reports and presence updates the way browsers
 * do, and now and then dropping their connection and resuming their seat. Rooms hold at most 4 (mesh),
 * except one group of 6 whose rooms cross TOPOLOGY_SFU_FROM (5) and back, so switch announcements are
 * exercised (each client answers them with topology:switched). Every client stays well under the
 * per-connection rate limits. Prints counts, errors by code, latency and server memory; asserts nothing.
 */
const clamp = (value: number, min: number, max: number) => (Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min);
const SECONDS = clamp(Number(process.env.SOAK_SECONDS ?? 600), 10, 3600);
const CLIENTS = clamp(Math.floor(Number(process.env.SOAK_CLIENTS ?? 50)), 1, 500);
/** Clients of the group whose rooms switch to the SFU (needs at least 5 in a room; none when there are few clients). */
const SFU_GROUP = CLIENTS >= 10 ? 6 : 0;
const MESH_GROUP = 4;
const ACK_TIMEOUT_MS = 10_000;
/** Errors that concurrent joins and leaves legitimately produce: a signal to a peer that just left, a switch reported just after leaving. */
const RACES = new Set(['PEER_NOT_FOUND (signal:send)', 'NOT_IN_ROOM (topology:switched)']);

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const inc = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
const show = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

const totals = {
  joins: 0,
  resumes: 0,
  leaves: 0,
  drops: 0,
  signalsSent: 0,
  signalsReceived: 0,
  statsReports: 0,
  peerUpdates: 0,
  peerJoinedEvents: 0,
  peerLeftEvents: 0,
  topologyAnnouncements: 0,
  switchesComplete: 0,
  switchesUnfinished: 0,
  maxRoomSeen: 0,
};
const raceErrors = new Map<string, number>();
const unexpected = new Map<string, number>();
const anomalies = new Map<string, number>();
const joinLatency: { at: number; ms: number }[] = [];

/** Sends one request and books its outcome; null when it failed (counted by code and event). */
async function request<E extends keyof ClientToServerEvents>(socket: Client, event: E, payload: Parameters<ClientToServerEvents[E]>[0]): Promise<unknown> {
  let reply: Ack<unknown>;
  try {
    // The typed emitWithAck cannot be expressed over a generic event name; the server's answer is an Ack either way.
    const untyped = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(event: string, payload: unknown): Promise<Ack<unknown>> };
    reply = await untyped.emitWithAck(event, payload);
  } catch {
    inc(unexpected, `${event}: no answer within ${ACK_TIMEOUT_MS / 1000} s`);
    return null;
  }
  if (reply.ok) return reply.data;
  const key = `${reply.error.code} (${event})`;
  inc(RACES.has(key) ? raceErrors : unexpected, key);
  return null;
}

/** One simulated participant: join a room of its group, talk for a few seconds, leave (or drop and resume), repeat. */
async function runClient(url: string, index: number, group: { rooms: string[]; size: number }, rng: Rng, deadline: number): Promise<void> {
  let socket = (await connectSocket(url)) as Client;
  const peers = new Set<string>();
  let joining = false;
  let roomId: string | null = null;
  const listen = (s: Client) => {
    s.on('server:error', (e) => inc(unexpected, `server:error ${e.code} (${e.event})`));
    s.on('room:peer-joined', (p) => {
      totals.peerJoinedEvents++;
      peers.add(p.peerId);
      totals.maxRoomSeen = Math.max(totals.maxRoomSeen, peers.size + 1);
      if (peers.size + 1 > group.size) inc(anomalies, 'room larger than its group');
    });
    s.on('room:peer-left', (p) => {
      totals.peerLeftEvents++;
      if (!peers.delete(p.peerId)) inc(anomalies, 'peer-left for a peer not known');
    });
    s.on('signal:receive', (m) => {
      totals.signalsReceived++;
      // While our join is being answered, the others (told first) may already signal us.
      if (!joining && !peers.has(m.from)) inc(anomalies, 'signal from a peer not in the room');
    });
    s.on('room:topology', (t) => {
      totals.topologyAnnouncements++;
      // Signaling-only clients have no media to move: report the switch done at once.
      void request(s, 'topology:switched', { switchId: t.switchId });
    });
    s.on('room:switch-complete', (r) => {
      totals.switchesComplete++;
      totals.switchesUnfinished += r.unfinished;
    });
  };
  listen(socket);
  const name = `Soak ${index}`;
  try {
    while (Date.now() < deadline) {
      roomId = rng.pick(group.rooms);
      peers.clear();
      joining = true;
      const started = performance.now();
      const joined = (await request(socket, 'room:join', { roomId, displayName: name, audioMuted: rng.chance(0.3), videoMuted: rng.chance(0.2) })) as {
        peerId: string;
        peers: { peerId: string }[];
        resumeToken: string;
      } | null;
      joining = false;
      if (!joined) {
        roomId = null;
        await sleep(1000);
        continue;
      }
      totals.joins++;
      joinLatency.push({ at: Date.now(), ms: performance.now() - started });
      for (const p of joined.peers) peers.add(p.peerId);
      totals.maxRoomSeen = Math.max(totals.maxRoomSeen, peers.size + 1);

      // A few seconds in the room, once a second: a stats sample, up to 2 signals, sometimes a presence change.
      const until = Math.min(deadline, Date.now() + rng.between(2_000, 8_000));
      while (Date.now() < until) {
        const tick = Date.now();
        if (await request(socket, 'stats:report', { samples: [validStatsSample(rng, [...peers])] })) totals.statsReports++;
        for (let n = rng.int(3); n > 0 && peers.size > 0; n--) {
          const to = rng.pick([...peers]);
          const signal = rng.pick([
            { candidate: { candidate: `candidate:${rng.int(1e6)} 1 udp 2122260223 127.0.0.1 ${rng.between(1024, 65535)} typ host`, sdpMid: '0', sdpMLineIndex: 0 } },
            { description: { type: 'offer' as const, sdp: `v=0\r\no=- ${rng.int(1e9)} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n` } },
            { receiving: 'mesh' as const },
          ]);
          if (await request(socket, 'signal:send', { to, signal })) totals.signalsSent++;
        }
        if (rng.chance(0.2) && (await request(socket, 'peer:update', { audioMuted: rng.chance(0.5), videoMuted: rng.chance(0.5) }))) totals.peerUpdates++;
        await sleep(1000 - (Date.now() - tick));
      }

      if (rng.chance(0.05) && Date.now() < deadline) {
        // A dropped connection (not a clean disconnect): the seat is held, and a new socket reclaims it.
        totals.drops++;
        socket.io.engine.close();
        socket.close();
        socket = (await connectSocket(url)) as Client;
        listen(socket);
        peers.clear();
        joining = true;
        const resumed = (await request(socket, 'room:join', { roomId, displayName: name, resume: { peerId: joined.peerId, token: joined.resumeToken } })) as Pick<JoinResponse, 'resumed' | 'peers'> | null;
        joining = false;
        if (resumed?.resumed === 'held') totals.resumes++;
        else if (resumed) inc(unexpected, `resume gave ${resumed.resumed === false ? 'a fresh seat' : 'a restored seat'}`);
        for (const p of resumed?.peers ?? []) peers.add(p.peerId);
      }
      if (await request(socket, 'room:leave', {})) totals.leaves++;
      roomId = null;
      peers.clear();
      await sleep(rng.between(200, 1_000));
    }
  } finally {
    if (roomId) await request(socket, 'room:leave', {});
    socket.close();
  }
}

test('signaling soak: clients joining and leaving rooms', async () => {
  test.setTimeout((SECONDS + 120) * 1000);
  const url = process.env.CONFER_E2E_URL!;
  const token = process.env.CONFER_E2E_OPERATOR_TOKEN!;
  const seed = seedFrom(process.env.SOAK_SEED);
  const before = await health(url);
  const startMemory = await serverMemory(url, token);

  // Groups: each has two rooms that only its members use, so a room never exceeds its group's size.
  const groups: { rooms: string[]; size: number; members: number[] }[] = [];
  for (let i = 0; i < CLIENTS; ) {
    const size = groups.length === 0 && SFU_GROUP > 0 ? SFU_GROUP : MESH_GROUP;
    const g = groups.length;
    groups.push({ rooms: [`soak-${seed}-g${g}-a`, `soak-${seed}-g${g}-b`], size, members: [] });
    for (let k = 0; k < size && i < CLIENTS; k++, i++) groups[g]!.members.push(i);
  }
  console.log(
    `\nsoak: ${SECONDS} s, ${CLIENTS} clients in ${groups.length} groups (${SFU_GROUP ? `one of ${SFU_GROUP} whose rooms reach the SFU, ` : ''}the rest ≤ ${MESH_GROUP} per room), seed ${seed} (SOAK_SEED)`,
  );

  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let maxMemory: ServerMemory = startMemory;
  let unhealthy = 0;
  let running = true;
  const monitor = (async () => {
    let lastPrint = Date.now();
    while (running) {
      await sleep(2_000);
      try {
        const h = await health(url);
        if (h.httpStatus !== 200 || h.report?.status === 'down') unhealthy++;
        const m = await serverMemory(url, token);
        if (m.heapUsed > maxMemory.heapUsed) maxMemory = m;
        if (Date.now() - lastPrint >= 60_000) {
          lastPrint = Date.now();
          console.log(
            `  ${Math.round((Date.now() - started) / 1000)} s: joins ${totals.joins}, signals ${totals.signalsSent}, stats ${totals.statsReports}, rooms ${h.report?.signaling.rooms}, connections ${h.report?.signaling.connections}, heap ${mb(m.heapUsed)}, RSS ${mb(m.rss)}`,
          );
        }
      } catch {
        unhealthy++;
      }
    }
  })();

  const failures: string[] = [];
  await Promise.all(
    groups.flatMap((g) =>
      g.members.map(async (index) => {
        // Start spread over the first 2 s, so the server does not see 50 connects in one tick.
        await sleep((index * 2000) / CLIENTS);
        await runClient(url, index, g, new Rng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0), deadline).catch((error: Error) => failures.push(`client ${index}: ${error.message}`));
      }),
    ),
  );
  const elapsed = (Date.now() - started) / 1000;
  running = false;
  await monitor;

  // Everyone left: rooms and connections must come back to where they were.
  let end = await health(url);
  const settleBy = Date.now() + 15_000;
  while (Date.now() < settleBy && (end.report?.signaling.rooms !== before.report?.signaling.rooms || end.report?.signaling.connections !== before.report?.signaling.connections)) {
    await sleep(500);
    end = await health(url);
  }
  const endMemory = await serverMemory(url, token);
  await sleep(10_000);
  const idleMemory = await serverMemory(url, token);

  const early = joinLatency.filter((j) => j.at < started + elapsed * 200).map((j) => j.ms);
  const late = joinLatency.filter((j) => j.at >= started + elapsed * 800).map((j) => j.ms);
  const all = joinLatency.map((j) => j.ms);
  const messages = totals.signalsSent + totals.statsReports + totals.peerUpdates;
  console.log(
    [
      `soak finished in ${elapsed.toFixed(1)} s (asked for ${SECONDS} s)${failures.length ? `; client failures: ${failures.slice(0, 5).join('; ')}` : ''}`,
      `  joins ${totals.joins} (resumed seats ${totals.resumes} of ${totals.drops} drops), leaves ${totals.leaves}; largest room seen ${totals.maxRoomSeen}`,
      `  messages completed ${messages}: signals ${totals.signalsSent} sent / ${totals.signalsReceived} received, stats reports ${totals.statsReports}, peer updates ${totals.peerUpdates} (${(messages / elapsed).toFixed(0)}/s)`,
      `  presence events: peer-joined ${totals.peerJoinedEvents}, peer-left ${totals.peerLeftEvents}; topology announcements ${totals.topologyAnnouncements}, switches complete ${totals.switchesComplete} (unfinished participants ${totals.switchesUnfinished})`,
      `  join latency: median ${percentile(all, 0.5).toFixed(1)} ms, p95 ${percentile(all, 0.95).toFixed(1)} ms, max ${Math.max(...all).toFixed(1)} ms; p95 first 20% ${percentile(early, 0.95).toFixed(1)} ms, last 20% ${percentile(late, 0.95).toFixed(1)} ms`,
      `  errors expected in races: ${show(raceErrors)}`,
      `  UNEXPECTED errors: ${show(unexpected)}`,
      `  anomalies: ${show(anomalies)}; /healthz unhealthy ${unhealthy} times`,
      `  server heap: start ${mb(startMemory.heapUsed)}, max ${mb(maxMemory.heapUsed)}, end ${mb(endMemory.heapUsed)}, end + 10 s idle ${mb(idleMemory.heapUsed)}`,
      `  server RSS: start ${mb(startMemory.rss)}, end ${mb(endMemory.rss)}, end + 10 s idle ${mb(idleMemory.rss)}`,
      `  rooms ${before.report?.signaling.rooms} → ${end.report?.signaling.rooms}, connections ${before.report?.signaling.connections} → ${end.report?.signaling.connections} (before → after)`,
    ].join('\n'),
  );
});
