import type { types } from 'mediasoup';
import type { Logger, MediaSource, RtpJson, SfuConsumerOptions, SfuDataConsumerOptions, SfuDataProducerInfo, SfuJoinResponse, SfuProducerInfo, SfuTransportOptions } from '@confer/shared';
import type { SfuConfig } from './config.js';
import { mediaCodecs } from './mediaCodecs.js';
import { SfuRequestError, type Sfu, type SfuEvent, type SfuHealth, type SfuRoomStats } from './Sfu.js';
import { loadMediasoup, resolveWorkerBinary } from './workerBinary.js';

export class SfuStartError extends Error {
  override name = 'SfuStartError';
}

interface WorkerSlot {
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  alive: boolean;
  restarts: number;
  routers: number;
  peers: number;
  /** Last CPU-time reading of the worker process, to turn the next one into a percentage. */
  cpu: { at: number; usedMs: number; pct: number | null };
}

interface PeerMedia {
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
  dataProducers: Map<string, types.DataProducer>;
  dataConsumers: Map<string, types.DataConsumer>;
}

interface Room {
  router: types.Router;
  speakers: types.ActiveSpeakerObserver;
  levels: types.AudioLevelObserver;
  slot: WorkerSlot;
  peers: Map<string, PeerMedia>;
}

/** Delay before replacing a worker that died, so a crash loop does not spin a core. */
const RESPAWN_DELAY_MS = 1000;

/** mediasoup in this process: one worker (with a single-port WebRtcServer) per core, one router per room. */
export class MediasoupSfu implements Sfu {
  private readonly slots: WorkerSlot[] = [];
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly config: SfuConfig,
    private readonly log: Logger,
  ) {}

  /** Starts every worker or fails with one line saying what to do. */
  static async start(config: SfuConfig, log: Logger): Promise<MediasoupSfu> {
    const sfu = new MediasoupSfu(config, log);
    const binary = resolveWorkerBinary();
    try {
      for (let i = 0; i < config.workers; i++) sfu.slots.push(await sfu.spawnSlot(i, 0));
    } catch (error) {
      await sfu.close();
      if (error instanceof SfuStartError) throw error;
      throw new SfuStartError(
        `mediasoup worker failed to start (${binary}): ${(error as Error).message}. Rebuild it with 'npm run worker' or set MEDIASOUP_WORKER_BIN`,
      );
    }
    log.info({ workers: sfu.slots.map((s) => s.worker.pid) }, 'mediasoup workers started');
    return sfu;
  }

  private async spawnSlot(index: number, restarts: number): Promise<WorkerSlot> {
    const mediasoup = await loadMediasoup();
    const { logLevel, rtcMinPort, rtcMaxPort, webRtcPort, listenIp, announcedIp } = this.config;
    const worker = await mediasoup.createWorker({ logLevel, rtcMinPort, rtcMaxPort });
    try {
      const port = webRtcPort === 0 ? undefined : webRtcPort + index;
      const webRtcServer = await worker.createWebRtcServer({
        listenInfos: (['udp', 'tcp'] as const).map((protocol) => ({ protocol, ip: listenIp, ...(announcedIp ? { announcedIp } : {}), ...(port ? { port } : {}) })),
      });
      const slot: WorkerSlot = { worker, webRtcServer, alive: true, restarts, routers: 0, peers: 0, cpu: { at: Date.now(), usedMs: 0, pct: null } };
      worker.on('died', (error) => this.onWorkerDied(slot, error));
      return slot;
    } catch (error) {
      worker.close();
      const port = webRtcPort === 0 ? 'a port from the RTC range' : `port ${webRtcPort + index}`;
      throw new SfuStartError(`SFU WebRTC server could not listen on ${listenIp} (${port}): ${(error as Error).message}. Stop the other process or set SFU_WEBRTC_PORT`);
    }
  }

  private onWorkerDied(slot: WorkerSlot, error: Error): void {
    slot.alive = false;
    this.log.error({ pid: slot.worker.pid, err: error.message }, 'mediasoup worker died; replacing it');
    // Its rooms lost their routers: forget them and tell signaling, so their peers set up SFU media again.
    for (const [roomId, room] of this.rooms) {
      void room.then(
        (r) => {
          if (r.slot !== slot) return;
          this.rooms.delete(roomId);
          this.emit({ type: 'room-reset', roomId });
        },
        () => undefined,
      );
    }
    setTimeout(() => {
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      this.spawnSlot(index, slot.restarts + 1).then(
        (fresh) => {
          if (index >= 0 && !this.closed) this.slots[index] = fresh;
          else fresh.worker.close();
          this.log.info({ pid: fresh.worker.pid }, 'mediasoup worker replaced');
        },
        (err: Error) => this.log.error({ err: err.message }, 'could not replace mediasoup worker'),
      );
    }, RESPAWN_DELAY_MS);
  }

  onEvent(listener: (event: SfuEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: SfuEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  health(): SfuHealth {
    const workers = this.slots.map((s) => ({ pid: s.worker.pid, alive: s.alive, restarts: s.restarts, routers: s.routers }));
    const alive = workers.filter((w) => w.alive).length;
    return { status: alive === workers.length && alive > 0 ? 'ok' : alive > 0 ? 'degraded' : 'down', workers };
  }

  /** The room's router, created on first use on the live worker with the fewest routers. */
  routerForRoom(roomId: string): Promise<types.Router> {
    return this.room(roomId).then((r) => r.router);
  }

  private room(roomId: string): Promise<Room> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const live = this.slots.filter((s) => s.alive);
      const slot = live.filter((s) => s.routers < this.config.maxRoomsPerWorker).sort((a, b) => a.routers - b.routers)[0];
      if (!slot) return Promise.reject(new SfuRequestError(live.length ? 'the SFU is at capacity (SFU_MAX_ROOMS_PER_WORKER)' : 'no live mediasoup worker'));
      slot.routers++;
      room = slot.worker.createRouter({ mediaCodecs, appData: { roomId } }).then(async (router) => {
        router.on('workerclose', () => slot.routers--);
        const speakers = await router.createActiveSpeakerObserver({ interval: 300 });
        // Sampled every 400 ms: enough for a speaking outline.
        const levels = await router.createAudioLevelObserver({ interval: 400, threshold: this.config.audioLevelThreshold, maxEntries: 16 });
        const created: Room = { router, speakers, levels, slot, peers: new Map() };
        levels.on('volumes', (volumes) =>
          this.emit({ type: 'audio-levels', roomId, levels: volumes.map((v) => ({ peerId: String(v.producer.appData.peerId ?? ''), volume: v.volume })) }),
        );
        levels.on('silence', () => this.emit({ type: 'audio-levels', roomId, levels: [] }));
        speakers.on('dominantspeaker', ({ producer }) => {
          const peerId = String(producer.appData.peerId ?? '');
          this.prioritise(created, peerId);
          this.emit({ type: 'active-speaker', roomId, peerId });
        });
        return created;
      });
      this.rooms.set(roomId, room);
      room.catch(() => {
        slot.routers--;
        this.rooms.delete(roomId);
      });
    }
    return room;
  }

  private async peer(roomId: string, peerId: string): Promise<{ room: Room; peer: PeerMedia }> {
    const room = await this.room(roomId);
    const peer = room.peers.get(peerId);
    if (!peer) throw new SfuRequestError(`peer ${peerId} has not joined the SFU of room ${roomId}`);
    return { room, peer };
  }

  async joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    const room = await this.room(roomId);
    this.leavePeer(roomId, peerId, room);
    if (room.slot.peers >= this.config.maxPeersPerWorker) throw new SfuRequestError('the SFU is at capacity (SFU_MAX_PEERS_PER_WORKER)');
    room.slot.peers++;
    const peer: PeerMedia = { transports: new Map(), producers: new Map(), consumers: new Map(), dataProducers: new Map(), dataConsumers: new Map() };
    room.peers.set(peerId, peer);
    const create = async (direction: 'send' | 'recv'): Promise<SfuTransportOptions> => {
      const transport = await room.router.createWebRtcTransport({
        webRtcServer: room.slot.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        ...(sctpCapabilities ? { enableSctp: true, numSctpStreams: (sctpCapabilities as unknown as types.SctpCapabilities).numStreams } : {}),
        appData: { peerId, direction },
      });
      peer.transports.set(transport.id, transport);
      return {
        id: transport.id,
        iceParameters: transport.iceParameters as unknown as RtpJson,
        iceCandidates: transport.iceCandidates as unknown as RtpJson[],
        dtlsParameters: transport.dtlsParameters as unknown as RtpJson,
        ...(transport.sctpParameters ? { sctpParameters: transport.sctpParameters as unknown as RtpJson } : {}),
      };
    };
    const [sendTransport, recvTransport] = [await create('send'), await create('recv')];
    const producers: SfuProducerInfo[] = [];
    const dataProducers: SfuDataProducerInfo[] = [];
    for (const [otherId, other] of room.peers) {
      if (otherId === peerId) continue;
      for (const p of other.producers.values()) producers.push(producerInfo(p, otherId));
      for (const d of other.dataProducers.values()) dataProducers.push({ dataProducerId: d.id, peerId: otherId });
    }
    return { routerRtpCapabilities: room.router.rtpCapabilities as unknown as RtpJson, sendTransport, recvTransport, producers, dataProducers };
  }

  async connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void> {
    const { peer } = await this.peer(roomId, peerId);
    const transport = peer.transports.get(transportId);
    if (!transport) throw new SfuRequestError(`no transport ${transportId}`);
    await transport.connect({ dtlsParameters: dtlsParameters as unknown as types.DtlsParameters });
  }

  async restartIce(roomId: string, peerId: string, transportId: string): Promise<RtpJson> {
    const { peer } = await this.peer(roomId, peerId);
    const transport = peer.transports.get(transportId);
    if (!transport) throw new SfuRequestError(`no transport ${transportId}`);
    return (await transport.restartIce()) as unknown as RtpJson;
  }

  private async sendTransport(roomId: string, peerId: string, transportId: string) {
    const { room, peer } = await this.peer(roomId, peerId);
    const transport = peer.transports.get(transportId);
    if (!transport || transport.appData.direction !== 'send') throw new SfuRequestError(`no send transport ${transportId}`);
    return { room, peer, transport };
  }

  async produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    const { room, peer, transport } = await this.sendTransport(roomId, peerId, transportId);
    const producer = await transport.produce({ kind, rtpParameters: rtpParameters as unknown as types.RtpParameters, appData: { peerId, source } });
    peer.producers.set(producer.id, producer);
    producer.on('transportclose', () => peer.producers.delete(producer.id));
    if (source === 'mic') {
      await room.speakers.addProducer({ producerId: producer.id });
      await room.levels.addProducer({ producerId: producer.id });
    }
    return producerInfo(producer, peerId);
  }

  async closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    const { peer } = await this.peer(roomId, peerId);
    const producer = peer.producers.get(producerId);
    if (!producer) throw new SfuRequestError(`no producer ${producerId} of this peer`);
    producer.close();
    peer.producers.delete(producerId);
  }

  async produceData(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo> {
    const { peer, transport } = await this.sendTransport(roomId, peerId, transportId);
    if (!transport.sctpParameters) throw new SfuRequestError('the transport has no data channels (join the SFU with sctpCapabilities)');
    const dataProducer = await transport.produceData({ sctpStreamParameters: sctpStreamParameters as unknown as types.SctpStreamParameters, label, protocol, appData: { peerId } });
    peer.dataProducers.set(dataProducer.id, dataProducer);
    dataProducer.on('transportclose', () => peer.dataProducers.delete(dataProducer.id));
    return { dataProducerId: dataProducer.id, peerId };
  }

  async consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    const { room, peer } = await this.peer(roomId, peerId);
    const transport = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!transport?.sctpParameters) throw new SfuRequestError('no receive transport with data channels');
    const owner = [...room.peers].find(([, p]) => p.dataProducers.has(dataProducerId))?.[0];
    if (!owner || owner === peerId) throw new SfuRequestError(`no data producer ${dataProducerId} of another peer`);
    const dataConsumer = await transport.consumeData({ dataProducerId, appData: { peerId: owner } });
    peer.dataConsumers.set(dataConsumer.id, dataConsumer);
    const forget = () => peer.dataConsumers.delete(dataConsumer.id);
    dataConsumer.on('transportclose', forget);
    dataConsumer.on('dataproducerclose', () => {
      forget();
      this.emit({ type: 'producer-closed', roomId, peerId, producerId: dataProducerId });
    });
    return {
      id: dataConsumer.id,
      dataProducerId,
      peerId: owner,
      sctpStreamParameters: dataConsumer.sctpStreamParameters as unknown as RtpJson,
      label: dataConsumer.label,
      protocol: dataConsumer.protocol,
    };
  }

  async consume(roomId: string, peerId: string, producerId: string, rtpCapabilities: RtpJson): Promise<SfuConsumerOptions> {
    const { room, peer } = await this.peer(roomId, peerId);
    const caps = rtpCapabilities as unknown as types.RtpCapabilities;
    if (!room.router.canConsume({ producerId, rtpCapabilities: caps })) throw new SfuRequestError(`cannot consume producer ${producerId}`);
    const transport = [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
    if (!transport) throw new SfuRequestError('no receive transport');
    const [owner, producer] = [...room.peers].flatMap(([id, p]) => (p.producers.has(producerId) ? [[id, p.producers.get(producerId)] as const] : []))[0] ?? ['', undefined];
    const consumer = await transport.consume({ producerId, rtpCapabilities: caps, paused: true, appData: { peerId: owner, source: producer?.appData.source } });
    peer.consumers.set(consumer.id, consumer);
    const forget = () => peer.consumers.delete(consumer.id);
    consumer.on('transportclose', forget);
    consumer.on('producerclose', () => {
      forget();
      this.emit({ type: 'producer-closed', roomId, peerId, producerId });
    });
    return { ...producerInfo(consumer, owner), id: consumer.id, rtpParameters: consumer.rtpParameters as unknown as RtpJson };
  }

  private async consumer(roomId: string, peerId: string, consumerId: string): Promise<types.Consumer> {
    const { peer } = await this.peer(roomId, peerId);
    const consumer = peer.consumers.get(consumerId);
    if (!consumer) throw new SfuRequestError(`no consumer ${consumerId}`);
    return consumer;
  }

  async resumeConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    const consumer = await this.consumer(roomId, peerId, consumerId);
    await consumer.resume();
    // A fresh consumer needs a key frame before it can show anything.
    if (consumer.kind === 'video') await consumer.requestKeyFrame();
  }

  async pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    await (await this.consumer(roomId, peerId, consumerId)).pause();
  }

  async setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void> {
    const consumer = await this.consumer(roomId, peerId, consumerId);
    if (consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer });
  }

  /** The dominant speaker's video goes first when a receiver's bandwidth runs short. */
  private prioritise(room: Room, speakerId: string): void {
    for (const peer of room.peers.values()) {
      for (const consumer of peer.consumers.values()) {
        if (consumer.kind === 'video' && !consumer.closed) void consumer.setPriority(consumer.appData.peerId === speakerId ? 2 : 1).catch(() => undefined);
      }
    }
  }

  leavePeer(roomId: string, peerId: string, known?: Room): void {
    const close = (room: Room) => {
      const peer = room.peers.get(peerId);
      if (!peer) return;
      room.peers.delete(peerId);
      room.slot.peers--;
      // Closing the transports closes their producers and consumers; other peers' consumers of
      // these producers get 'producerclose', which reaches signaling as producer-closed events.
      for (const transport of peer.transports.values()) transport.close();
    };
    if (known) return close(known);
    void this.rooms.get(roomId)?.then(close, () => undefined);
  }

  closeRoom(roomId: string): void {
    const room = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    void room?.then(
      (r) => {
        r.router.close();
        r.slot.routers--;
        r.slot.peers -= r.peers.size;
      },
      () => undefined,
    );
  }

  async roomStats(roomId: string): Promise<SfuRoomStats | null> {
    const room = await this.rooms.get(roomId)?.catch(() => null);
    if (!room) return null;
    const stats: SfuRoomStats = {
      producers: [],
      consumers: [],
      transports: 0,
      recvBitrate: 0,
      sendBitrate: 0,
      bytesReceived: 0,
      bytesSent: 0,
      dataProducers: 0,
      dataConsumers: 0,
      workerCpuPct: await this.workerCpu(room.slot),
    };
    // Objects can close while we await their stats (a peer leaving); they simply drop out of this sample.
    const statsOf = <T>(p: Promise<T[]>) => p.catch((): T[] => []);
    for (const [peerId, peer] of room.peers) {
      stats.transports += peer.transports.size;
      stats.dataProducers += peer.dataProducers.size;
      stats.dataConsumers += peer.dataConsumers.size;
      for (const transport of peer.transports.values()) {
        for (const s of await statsOf(transport.getStats())) {
          stats.recvBitrate += s.recvBitrate;
          stats.sendBitrate += s.sendBitrate;
          stats.bytesReceived += s.bytesReceived;
          stats.bytesSent += s.bytesSent;
        }
      }
      for (const producer of peer.producers.values()) {
        const streams = await statsOf(producer.getStats());
        stats.producers.push({
          producerId: producer.id,
          peerId,
          kind: producer.kind,
          source: producer.appData.source as MediaSource,
          layers: streams.filter((s) => s.packetCount > 0).length,
          activeLayers: streams.filter((s) => s.bitrate > 0).length,
          scores: producer.score.map((s) => s.score),
          bitrate: streams.reduce((sum, s) => sum + s.bitrate, 0),
        });
      }
      for (const consumer of peer.consumers.values()) {
        const outbound = (await statsOf(consumer.getStats())).filter((s) => s.type === 'outbound-rtp');
        stats.consumers.push({
          consumerId: consumer.id,
          peerId,
          producerId: consumer.producerId,
          kind: consumer.kind,
          paused: consumer.paused,
          preferredSpatialLayer: consumer.preferredLayers?.spatialLayer ?? null,
          spatialLayer: consumer.currentLayers?.spatialLayer ?? null,
          temporalLayer: consumer.currentLayers?.temporalLayer ?? null,
          score: consumer.score.score,
          producerScore: consumer.score.producerScore,
          bitrate: outbound.reduce((sum, s) => sum + s.bitrate, 0),
        });
      }
    }
    return stats;
  }

  /**
   * CPU of a worker process as % of one core since the previous reading (null on the first). Readings
   * closer together than a second reuse the last figure, so several callers do not make it noisy.
   */
  private async workerCpu(slot: WorkerSlot): Promise<number | null> {
    const now = Date.now();
    if (now - slot.cpu.at < 1000) return slot.cpu.pct;
    const usage = await slot.worker.getResourceUsage().catch(() => null);
    if (!usage) return slot.cpu.pct;
    const usedMs = usage.ru_utime + usage.ru_stime;
    const first = slot.cpu.usedMs === 0 && slot.cpu.pct === null;
    const pct = first ? null : Math.max(0, Math.round(((usedMs - slot.cpu.usedMs) / (now - slot.cpu.at)) * 1000) / 10);
    slot.cpu = { at: now, usedMs, pct };
    return pct;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) slot.worker.close();
    this.rooms.clear();
  }
}

/** What clients are told about a producer (or a consumer of it): `peerId` owns the media. */
function producerInfo(p: types.Producer | types.Consumer, peerId: string): SfuProducerInfo {
  const producerId = 'producerId' in p ? p.producerId : p.id;
  return { producerId, peerId, kind: p.kind, source: p.appData.source as MediaSource };
}
