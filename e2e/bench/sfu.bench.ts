import { createSocket } from 'node:dgram';
import { cpuMs } from '../support/processCpu.js';
import { test } from '@playwright/test';
import type { types } from 'mediasoup';
import { silentLogger } from '@confer/shared';
import { loadMediasoup, mediaCodecs, MediasoupSfu, sfuConfigFromEnv } from '@confer/sfu';
import { freeUdpPort } from '@confer/turn';
import { VP8_PT, vp8KeyFramePacket } from '../../sfu/test-support/rtp.js';

/**
 * `npm run bench:sfu`: RTP injected through PlainTransports (no browsers, loopback only) into one video and
 * one audio producer; subscribers (a PlainTransport each, consuming both) are added STEP at a time while the
 * worker's CPU is sampled. A setup holds the consumers at which its worker reaches 80 % of a core
 * (interpolated between steps). Run on the project's SFU (a router of MediasoupSfu: its codecs, observers
 * and worker settings) and on bare mediasoup, alternately, in the same process. Then a piped stream: the same consumers behind a
 * PipeTransport pair (RTX, SRTP, as between media nodes) against consumers on the producer's own router:
 * the extra CPU, and the extra one-way delay of packets stamped when sent.
 * Bounded: at most MAX_CONSUMERS per ramp, each ramp at most RAMP_MS.
 */
const STEP = Number(process.env.BENCH_SFU_STEP ?? 100);
const MAX_CONSUMERS = Math.min(3000, Number(process.env.BENCH_SFU_MAX_CONSUMERS ?? 2000));
const RAMP_MS = 120_000;
const CPU_LIMIT = 80;
const SAMPLE_MS = 3000;
const VIDEO_PPS = 100; // ~900 kbit/s of 1100-byte packets
const AUDIO_PPS = 50;
const OPUS_PT = 100;
const listenInfo = { protocol: 'udp', ip: '127.0.0.1' } as const;

async function cpuPct(pids: number[]): Promise<number> {
  const before = pids.map(cpuMs);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const used = pids.reduce((n, pid, i) => n + cpuMs(pid) - before[i]!, 0);
  return Math.round((used / (performance.now() - started)) * 1000) / 10;
}

/** One video and one audio producer fed from this process; packets carry their send time for the delay figure. */
async function feed(router: types.Router) {
  const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
  const video = await transport.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] } });
  const audio = await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: OPUS_PT, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 2222 }] } });
  const socket = createSocket('udp4');
  const { localIp, localPort } = transport.tuple;
  let seq = 0;
  const send = (packet: Buffer) => socket.send(packet, localPort, localIp);
  const timer = setInterval(() => {
    // Per 20 ms: 2 video packets and 1 audio packet (stamped with the send time).
    for (let i = 0; i < VIDEO_PPS / AUDIO_PPS; i++) send(vp8KeyFramePacket(1111, seq * 2 + i, seq * 2 + i, 1000));
    const opus = Buffer.alloc(12 + 80);
    opus[0] = 0x80;
    opus[1] = OPUS_PT;
    opus.writeUInt16BE(seq & 0xffff, 2);
    opus.writeUInt32BE((seq * 960) >>> 0, 4);
    opus.writeUInt32BE(2222, 8);
    opus.writeDoubleBE(performance.now(), 12);
    send(opus);
    seq++;
  }, 1000 / AUDIO_PPS);
  return { producers: [video, audio], stop: () => (clearInterval(timer), socket.close(), transport.close()) };
}

/** Subscribers sending to a loopback port nobody listens on: the kernel drops what they forward. */
async function subscribe(router: types.Router, producers: types.Producer[], port: number): Promise<types.PlainTransport> {
  const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port });
  for (const producer of producers) await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
  return transport;
}

interface Point {
  consumers: number;
  cpu: number;
}

/** Adds subscribers until the worker passes CPU_LIMIT, MAX_CONSUMERS or RAMP_MS; the curve. */
async function ramp(router: types.Router, pid: number): Promise<Point[]> {
  const fed = await feed(router);
  const sink = await freeUdpPort();
  const transports: types.PlainTransport[] = [];
  const curve: Point[] = [];
  const deadline = Date.now() + RAMP_MS;
  try {
    while (Date.now() < deadline) {
      for (let i = 0; i < STEP / 2; i++) transports.push(await subscribe(router, fed.producers, sink));
      await new Promise((r) => setTimeout(r, 1000));
      const point = { consumers: transports.length * 2, cpu: await cpuPct([pid]) };
      curve.push(point);
      if (point.cpu >= CPU_LIMIT || point.consumers >= MAX_CONSUMERS) break;
    }
  } finally {
    fed.stop();
    for (const t of transports) t.close();
  }
  return curve;
}
/** Consumers at CPU_LIMIT, interpolated between the steps either side of it (the last step when never reached). */
function held(curve: Point[]): number {
  const over = curve.findIndex((p) => p.cpu >= CPU_LIMIT);
  if (over < 0) return curve.at(-1)?.consumers ?? 0;
  const [a, b] = [curve[over - 1] ?? { consumers: 0, cpu: 0 }, curve[over]!];
  return Math.round(a.consumers + ((CPU_LIMIT - a.cpu) * (b.consumers - a.consumers)) / (b.cpu - a.cpu || 1));
}
const show = (curve: Point[]) => curve.map((p) => `${p.consumers}:${p.cpu}%`).join(' ');

/** One-way delay (ms) of the stamped audio packets reaching a local socket through `router`'s consumer of `producer`. */
async function delays(router: types.Router, producer: types.Producer, count: number): Promise<number[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const seen: number[] = [];
  socket.on('message', (msg) => {
    if (msg.length < 20 || msg[1]! >= 128) return; // RTCP (and nothing here has a marker)
    // The payload follows the CSRCs and the header extensions mediasoup adds.
    let at = 12 + 4 * (msg[0]! & 0x0f);
    if (msg[0]! & 0x10) at += 4 + 4 * msg.readUInt16BE(at + 2);
    if (at + 8 <= msg.length) seen.push(performance.now() - msg.readDoubleBE(at));
  });
  const transport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
  await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
  const deadline = Date.now() + 30_000;
  while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  transport.close();
  socket.close();
  return seen.slice(0, count);
}
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
const ms = (x: number) => x.toFixed(2);

test('bench:sfu: consumers per worker core under 80 %, ours against bare mediasoup, and the cost of a piped stream', async () => {
  test.setTimeout(20 * 60_000);
  const env = { SFU_WORKERS: '2', SFU_LISTEN_IP: '127.0.0.1', SFU_WEBRTC_PORT: '0', SFU_RTC_MIN_PORT: '20000', SFU_RTC_MAX_PORT: '29999' };
  const ours = await MediasoupSfu.start(sfuConfigFromEnv(env), silentLogger);
  const mediasoup = await loadMediasoup();
  const bareWorker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: 30000, rtcMaxPort: 39999 });
  try {
    const ourRouter = await ours.routerForRoom('bench');
    const ourPid = ours.health().workers.find((w) => w.routers === 1)!.pid;
    const bareRouter = await bareWorker.createRouter({ mediaCodecs });
    // Alternating, twice, so that a noisy moment of this shared machine does not fall on one side only.
    const runs: { side: 'ours' | 'bare'; curve: Point[] }[] = [];
    for (const side of ['bare', 'ours', 'ours', 'bare'] as const) {
      runs.push({ side, curve: await (side === 'ours' ? ramp(ourRouter, ourPid) : ramp(bareRouter, bareWorker.pid)) });
    }
    for (const run of runs) console.log(`[bench:sfu] ${run.side}: ${show(run.curve)}`);
    const best = (side: 'ours' | 'bare') => Math.max(...runs.filter((r) => r.side === side).map((r) => held(r.curve)));
    const [o, b] = [best('ours'), best('bare')];
    console.log(`[bench:sfu] consumers per worker core under ${CPU_LIMIT} %: ours ${o}, bare mediasoup ${b} (${(o / b).toFixed(2)}x; goal: >= 500 and >= 0.95x)${o >= MAX_CONSUMERS ? ` (the cap, ${MAX_CONSUMERS}, was reached)` : ''}`);

    // A piped stream: the producer on one worker, N consumers on another worker's router behind a pipe, against N on its own.
    const n = Math.min(200, Math.max(STEP, Math.floor(o / 8) * 2));
    const [home, remote] = [ourRouter, await ours.routerForRoom('bench-remote')];
    const pids = ours.health().workers.map((w) => w.pid);
    const fed = await feed(home);
    const sink = await freeUdpPort();
    const direct: types.PlainTransport[] = [];
    for (let i = 0; i < n / 2; i++) direct.push(await subscribe(home, fed.producers, sink));
    await new Promise((r) => setTimeout(r, 1000));
    const directCpu = await cpuPct(pids);
    const directDelay = await delays(home, fed.producers[1]!, 250);
    for (const t of direct) t.close();
    const piped = await Promise.all(fed.producers.map((p) => home.pipeToRouter({ producerId: p.id, router: remote, enableRtx: true, enableSrtp: true })));
    const remoteProducers = piped.map((p) => p.pipeProducer!);
    const behind: types.PlainTransport[] = [];
    for (let i = 0; i < n / 2; i++) behind.push(await subscribe(remote, remoteProducers, sink));
    await new Promise((r) => setTimeout(r, 1000));
    const pipedCpu = await cpuPct(pids);
    const pipedDelay = await delays(remote, remoteProducers[1]!, 250);
    fed.stop();
    for (const t of behind) t.close();
    console.log(`[bench:sfu] ${n} consumers of one audio + one video stream, both workers' CPU: on the producer's router ${directCpu} %, behind a pipe ${pipedCpu} % (+${(pipedCpu - directCpu).toFixed(1)} points for the pipe)`);
    console.log(
      `[bench:sfu] one-way delay, p50 / p99: on the producer's router ${ms(quantile(directDelay, 0.5))} / ${ms(quantile(directDelay, 0.99))} ms, behind a pipe ${ms(quantile(pipedDelay, 0.5))} / ${ms(quantile(pipedDelay, 0.99))} ms (+${ms(quantile(pipedDelay, 0.5) - quantile(directDelay, 0.5))} ms at p50)`,
    );
  } finally {
    bareWorker.close();
    await ours.close();
  }
});
