import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@confer/shared';
import type { types } from 'mediasoup';
import { MediasoupSfu } from './MediasoupSfu.js';
import { preferLayer, START_LAYERS, startLow } from './simulcastStart.js';
import { LayerSender, rtpCounter, VP8_PT } from '../test-support/rtp.js';

const LAYER_SSRCS = [1111, 2222, 3333];

const config = {
  workers: 1,
  listenIp: '127.0.0.1',
  announcedIp: undefined,
  webRtcPort: 0,
  rtcMinPort: 42000,
  rtcMaxPort: 42999,
  logLevel: 'warn' as const,
  maxRoomsPerWorker: 100,
  maxPeersPerWorker: 100,
  maxPeersPerNode: 100,
  audioLevelThreshold: -60,
};

describe('MediasoupSfu limits', () => {
  it('refuses rooms and peers past the per-worker limits, and frees them on leave', async () => {
    const sfu = await MediasoupSfu.start({ ...config, maxRoomsPerWorker: 1, maxPeersPerWorker: 2 }, silentLogger);
    try {
      const first = await sfu.joinPeer('a', 'p1');
      expect(first.sendTransport.iceCandidates.length).toBeGreaterThan(0);
      await sfu.joinPeer('a', 'p2');
      await expect(sfu.joinPeer('a', 'p3')).rejects.toThrow('the SFU is at capacity (SFU_MAX_PEERS_PER_WORKER)');
      await expect(sfu.joinPeer('b', 'q1')).rejects.toThrow('the SFU is at capacity (SFU_MAX_ROOMS_PER_WORKER)');
      sfu.leavePeer('a', 'p1');
      await expect.poll(async () => (await sfu.roomStats('a'))?.transports).toBe(2);
      await sfu.joinPeer('a', 'p3');
      sfu.closeRoom('a');
      await new Promise((r) => setTimeout(r, 50));
      await sfu.joinPeer('b', 'q1');
    } finally {
      await sfu.close();
    }
  });
});

describe('MediasoupSfu with a real worker', () => {
  let sfu: MediasoupSfu;

  beforeAll(async () => {
    sfu = await MediasoupSfu.start(
      { ...config, workers: 1 },
      silentLogger,
    );
  });
  afterAll(async () => {
    await sfu?.close();
  });

  it('reports its live worker in health()', () => {
    const health = sfu.health();
    expect(health.status).toBe('ok');
    expect(health.workers).toHaveLength(1);
    expect(health.workers[0]?.alive).toBe(true);
    expect(health.workers[0]?.pid).toBeGreaterThan(0);
  });

  it('creates a router with Opus, VP8 and H264 and WebRtcTransports on 127.0.0.1', async () => {
    const joined = await sfu.joinPeer('codecs', 'peer-1');
    const mimeTypes = (joined.routerRtpCapabilities.codecs as { mimeType: string }[]).map((c) => c.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    for (const transport of [joined.sendTransport, joined.recvTransport]) {
      const candidates = transport.iceCandidates as { ip: string; protocol: string }[];
      for (const candidate of candidates) expect(candidate.ip).toBe('127.0.0.1');
      expect(candidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);
      expect((transport.dtlsParameters as { fingerprints: unknown[] }).fingerprints.length).toBeGreaterThan(0);
    }
    sfu.leavePeer('codecs', 'peer-1');
  });

  /** A 3-layer simulcast producer fed over a PlainTransport, and a consumer of it sending to a counting socket. */
  async function simulcastPair(roomId: string, options: Partial<types.ConsumerOptions> = {}) {
    const router = await sfu.routerForRoom(roomId);
    const listenInfo = { protocol: 'udp', ip: '127.0.0.1' } as const;
    const sendTransport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
    const producer = await sendTransport.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000 }],
        encodings: LAYER_SSRCS.map((ssrc) => ({ ssrc })),
      },
    });
    const receiver = await rtpCounter();
    const recvTransport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
    await recvTransport.connect({ ip: '127.0.0.1', port: receiver.port });
    const consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, ...options });
    const sender = new LayerSender(sendTransport.tuple);
    const forwarded = () => receiver.received.get(consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0) ?? 0;
    const close = () => (sender.close(), receiver.close());
    return { producer, consumer, sender, forwarded, close };
  }

  it('forwards real RTP from a 3-layer simulcast producer to a consumer', async () => {
    const { producer, consumer, sender, forwarded, close } = await simulcastPair('rtp');
    expect(producer.type).toBe('simulcast');
    expect(consumer.type).toBe('simulcast');

    const pump = (done: () => boolean) => sender.send(LAYER_SSRCS, done);
    await pump(() => forwarded() >= 30);
    // Switching layers proves all three reach the SFU as separate simulcast streams.
    await consumer.setPreferredLayers({ spatialLayer: 2, temporalLayer: 0 });
    await pump(() => consumer.currentLayers?.spatialLayer === 2);
    const producerStats = await producer.getStats();
    const consumerStats = await consumer.getStats();
    close();

    // The producer received every layer...
    expect(producerStats.map((s) => s.ssrc).sort()).toEqual(LAYER_SSRCS);
    for (const s of producerStats) expect(s.packetCount).toBeGreaterThan(0);
    // ...and the consumer sent packets that arrived on the receiving socket with the consumer's SSRC.
    const outbound = consumerStats.find((s) => s.type === 'outbound-rtp');
    expect(outbound?.packetCount ?? 0).toBeGreaterThan(0);
    expect(forwarded()).toBeGreaterThanOrEqual(30);
    // The consumer switched to the top layer on request.
    expect(consumer.currentLayers?.spatialLayer).toBe(2);
  });

  it('starts a simulcast consumer on the lowest layer, so a top layer the sender drops before its first sender report cannot freeze it', async () => {
    // What the SFU does for every consumer: created paused, starting low, the receiver's layer asked for before anything flows.
    const { consumer, sender, forwarded, close } = await simulcastPair('drop', { paused: true, preferredLayers: START_LAYERS });
    try {
      startLow(consumer);
      const [low, mid] = LAYER_SSRCS as [number, number, number];
      // All three layers arrive, the top one without a sender report yet; then the receiver wants the top layer...
      const end = Date.now() + 500;
      await sender.send(LAYER_SSRCS, () => Date.now() >= end, [low, mid]);
      await preferLayer(consumer, 2);
      await consumer.resume();
      // ...and the sender drops it (bandwidth): the consumer still forwards a lower layer.
      await sender.send([low, mid], () => forwarded() >= 30);
      expect(forwarded()).toBeGreaterThanOrEqual(30);
      expect(consumer.currentLayers?.spatialLayer).toBeLessThan(2);
      // The layer asked for applies once it forwards: the top layer, once it is back with its reports.
      expect(consumer.preferredLayers?.spatialLayer).toBe(2);
      await sender.send(LAYER_SSRCS, () => consumer.currentLayers?.spatialLayer === 2);
      expect(consumer.currentLayers?.spatialLayer).toBe(2);
    } finally {
      close();
    }
  });

  it('replaces a worker that dies and reports it meanwhile', async () => {
    const before = sfu.health().workers[0]!;
    const router = await sfu.routerForRoom('doomed');
    const resets: string[] = [];
    sfu.onEvent((e) => e.type === 'room-reset' && resets.push(e.roomId));
    process.kill(before.pid, 'SIGKILL');
    await expect.poll(() => sfu.health().status, { timeout: 5000 }).toBe('down');
    await expect.poll(() => sfu.health().workers[0], { timeout: 10_000 }).toMatchObject({ alive: true, restarts: 1 });
    expect(sfu.health().workers[0]!.pid).not.toBe(before.pid);
    expect(sfu.health().status).toBe('ok');
    // The room that lived on the dead worker gets a fresh router on the new one.
    expect(router.closed).toBe(true);
    expect(resets).toEqual(expect.arrayContaining(['codecs', 'rtp', 'doomed']));
    const fresh = await sfu.routerForRoom('doomed');
    expect(fresh.closed).toBe(false);
    expect(fresh.id).not.toBe(router.id);
  });
});

describe('MediasoupSfu worker respawn', () => {
  it('keeps trying to replace a dead worker, with backoff, when a replacement fails to start', async () => {
    const sfu = await MediasoupSfu.start(config, silentLogger);
    try {
      // The first replacement fails (a port still held, a binary being upgraded): the next try must come.
      const internals = (sfu as unknown as { pool: { spawnSlot: (index: number, restarts: number) => Promise<unknown> } }).pool;
      const spawn = internals.spawnSlot.bind(internals);
      let tries = 0;
      internals.spawnSlot = (index, restarts) => (++tries === 1 ? Promise.reject(new Error('port busy')) : spawn(index, restarts));
      process.kill(sfu.health().workers[0]!.pid, 'SIGKILL');
      await expect.poll(() => sfu.health().workers[0], { timeout: 15_000 }).toMatchObject({ alive: true, restarts: 1 });
      expect(tries).toBe(2);
    } finally {
      await sfu.close();
    }
  });
});

describe('MediasoupSfu ICE restart', () => {
  it('gives a transport new ICE credentials, and refuses transports the peer does not own', async () => {
    const sfu = await MediasoupSfu.start(config, silentLogger);
    try {
      const joined = await sfu.joinPeer('ice', 'p1');
      await sfu.joinPeer('ice', 'p2');
      for (const transport of [joined.sendTransport, joined.recvTransport]) {
        const before = transport.iceParameters as { usernameFragment: string; password: string };
        const after = (await sfu.restartIce('ice', 'p1', transport.id)) as { usernameFragment: string; password: string };
        expect(after.usernameFragment).toEqual(expect.any(String));
        expect(after.usernameFragment).not.toBe(before.usernameFragment);
        expect(after.password).not.toBe(before.password);
      }
      await expect(sfu.restartIce('ice', 'p2', joined.sendTransport.id)).rejects.toThrow(`no transport ${joined.sendTransport.id}`);
      await expect(sfu.restartIce('ice', 'nobody', joined.sendTransport.id)).rejects.toThrow('has not joined the SFU');
    } finally {
      await sfu.close();
    }
  });
});

describe('MediasoupSfu standby', () => {
  it('idles a peer: its consumers, chat and screen close, its transports and camera stay, and it is told what the others send', async () => {
    const sfu = await MediasoupSfu.start(config, silentLogger);
    const closed: unknown[] = [];
    sfu.onEvent((e) => e.type === 'producer-closed' && closed.push(e));
    try {
      const sctp = { numStreams: { OS: 1024, MIS: 1024 } };
      const a = await sfu.joinPeer('idle', 'a', sctp);
      const b = await sfu.joinPeer('idle', 'b', sctp);
      const vp8 = (ssrc: number) => ({ codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000 }], encodings: [{ ssrc }] });
      const camera = await sfu.produce('idle', 'a', a.sendTransport.id, 'video', 'camera', vp8(1111));
      const screen = await sfu.produce('idle', 'a', a.sendTransport.id, 'video', 'screen', vp8(2222));
      const chatA = await sfu.produceData('idle', 'a', a.sendTransport.id, { streamId: 1, ordered: true }, 'chat', '');
      const chatB = await sfu.produceData('idle', 'b', b.sendTransport.id, { streamId: 1, ordered: true }, 'chat', '');
      await sfu.consume('idle', 'b', [camera.producerId, screen.producerId], a.routerRtpCapabilities);
      await sfu.consumeData('idle', 'b', chatA.dataProducerId);
      await sfu.consumeData('idle', 'a', chatB.dataProducerId);

      const listed = await sfu.idlePeer('idle', 'b');
      expect(listed.producers.map((p) => p.producerId).sort()).toEqual([camera.producerId, screen.producerId].sort());
      expect(listed.dataProducers).toEqual([{ dataProducerId: chatA.dataProducerId, peerId: 'a' }]);
      // b consumes nothing and has no chat channel; a hears that b's channel closed.
      await expect.poll(async () => (await sfu.roomStats('idle'))?.dataConsumers).toBe(0);
      const stats = (await sfu.roomStats('idle'))!;
      expect(stats.consumers).toEqual([]);
      expect(stats.dataProducers).toBe(1);
      expect(stats.transports).toBe(4);
      expect(closed).toContainEqual({ type: 'producer-closed', roomId: 'idle', peerId: 'a', producerId: chatB.dataProducerId });

      // a idles: its screen goes, its camera stays, and can be consumed when the room comes back.
      await sfu.idlePeer('idle', 'a');
      expect((await sfu.roomStats('idle'))!.producers.map((p) => p.source)).toEqual(['camera']);
      await expect(sfu.consume('idle', 'b', [camera.producerId], a.routerRtpCapabilities)).resolves.toHaveLength(1);
      await expect(sfu.idlePeer('idle', 'nobody')).rejects.toThrow('has not joined the SFU');
    } finally {
      await sfu.close();
    }
  });
});

describe('MediasoupSfu simulcast consumers', () => {
  it('start on the lowest layer and keep the layer their receiver asks for until they forward something', async () => {
    const sfu = await MediasoupSfu.start(config, silentLogger);
    try {
      const a = await sfu.joinPeer('layers', 'a');
      await sfu.joinPeer('layers', 'b');
      const rtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: VP8_PT, clockRate: 90000 }], encodings: LAYER_SSRCS.map((ssrc) => ({ ssrc })) };
      const camera = await sfu.produce('layers', 'a', a.sendTransport.id, 'video', 'camera', rtpParameters);
      const [consumer] = await sfu.consume('layers', 'b', [camera.producerId], a.routerRtpCapabilities);
      await sfu.resumeConsumers('layers', 'b', [consumer!.id]);
      await sfu.setPreferredLayers('layers', 'b', consumer!.id, 2);
      // b's transport never connects here, so nothing is forwarded: the consumer stays where it started.
      expect((await sfu.roomStats('layers'))!.consumers.map((c) => c.preferredSpatialLayer)).toEqual([0]);
    } finally {
      await sfu.close();
    }
  });
});
