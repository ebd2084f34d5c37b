import type { types } from 'mediasoup';
import { KeyedQueue, type Logger, type MediaSource, type RtpJson, type SfuConsumerOptions, type SfuDataConsumerOptions, type SfuDataProducerInfo, type SfuJoinResponse, type SfuMediaList, type SfuProducerInfo, type SfuTransportOptions } from '@confer/shared';
import type { SfuConfig } from './config.js';
import { mediaCodecs } from './mediaCodecs.js';
import { collectRoomStats } from './roomStats.js';
import type { PeerMedia, Room, WorkerSlot } from './sfuRooms.js';
import { consumerOptions, dataConsumerOptions, othersMedia, producerInfo } from './wireShapes.js';
import { SfuRequestError, type Sfu, type SfuEvent, type SfuHealth, type SfuRoomStats } from './Sfu.js';
import { WorkerPool } from './WorkerPool.js';

/** mediasoup in this process: the workers (WorkerPool), one router per room, and each peer's media on it. */
export class MediasoupSfu implements Sfu {
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  /** One peer's requests run one at a time: concurrent joins or produces must not interleave their awaits. */
  private readonly queue = new KeyedQueue();

  private constructor(
    private readonly config: SfuConfig,
    private readonly pool: WorkerPool,
  ) {}

  /** Starts every worker or fails with one line saying what to do (SfuStartError). */
  static async start(config: SfuConfig, log: Logger): Promise<MediasoupSfu> {
    let sfu: MediasoupSfu | undefined;
    const pool = await WorkerPool.start(config, log, (slot) => sfu?.workerDied(slot));
    return (sfu = new MediasoupSfu(config, pool));
  }

  /** The dead worker's rooms lost their routers: forget them and tell signaling, so their peers set up SFU media again. */
  private workerDied(slot: WorkerSlot): void {
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
  }

  onEvent(listener: (event: SfuEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: SfuEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  health(): SfuHealth {
    return this.pool.health();
  }

  /** The room's router, created on first use on the live worker with the fewest routers. */
  routerForRoom(roomId: string): Promise<types.Router> {
    return this.room(roomId).then((r) => r.router);
  }

  private room(roomId: string): Promise<Room> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const placed = this.pool.leastLoaded();
      if ('why' in placed) return Promise.reject(new SfuRequestError(placed.why));
      const { slot } = placed;
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

  /**
   * One request of a peer at a time. mediasoup's refusals are the request's fault, so they become
   * SfuRequestError like ours: a malformed parameter (TypeError), a closed transport or worker
   * (InvalidStateError), UnsupportedError, and the worker's own answers (a plain Error). Told apart by name,
   * since mediasoup is loaded late. Anything else (RangeError, ReferenceError, ...) stays a bug of ours.
   */
  private serial<T>(roomId: string, peerId: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(`${roomId}/${peerId}`, task).catch((error: unknown) => {
      const refused = error instanceof Error && ['Error', 'TypeError', 'InvalidStateError', 'UnsupportedError'].includes(error.name);
      throw refused ? new SfuRequestError(error.message) : error;
    });
  }

  /**
   * After an await that created `made`: if the peer left (or joined afresh) meanwhile, nothing tracks it any
   * more, so it is closed here and the request fails.
   */
  private keep<T extends { close(): void }>(room: Room, peerId: string, peer: PeerMedia, made: T): T {
    if (room.peers.get(peerId) === peer && !room.router.closed) return made;
    made.close();
    throw new SfuRequestError(`peer ${peerId} left the SFU meanwhile`);
  }

  joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    return this.serial(roomId, peerId, () => this.join(roomId, peerId, sctpCapabilities));
  }

  private async join(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    const room = await this.room(roomId);
    this.leavePeer(roomId, peerId, room);
    if (room.slot.peers >= this.config.maxPeersPerWorker) throw new SfuRequestError('the SFU is at capacity (SFU_MAX_PEERS_PER_WORKER)');
    room.slot.peers++;
    const peer: PeerMedia = { transports: new Map(), producers: new Map(), consumers: new Map(), dataProducers: new Map(), dataConsumers: new Map() };
    room.peers.set(peerId, peer);
    const create = async (direction: 'send' | 'recv'): Promise<SfuTransportOptions> => {
      const transport = this.keep(room, peerId, peer, await room.router.createWebRtcTransport({
        webRtcServer: room.slot.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        ...(sctpCapabilities ? { enableSctp: true, numSctpStreams: (sctpCapabilities as unknown as types.SctpCapabilities).numStreams } : {}),
        appData: { peerId, direction },
      }));
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
    return { routerRtpCapabilities: room.router.rtpCapabilities as unknown as RtpJson, sendTransport, recvTransport, ...othersMedia(room, peerId) };
  }

  idlePeer(roomId: string, peerId: string): Promise<SfuMediaList> {
    return this.serial(roomId, peerId, async () => {
      const { room, peer } = await this.peer(roomId, peerId);
      // The others' consumers of our data producer and screen see them close (producer-closed).
      const closing: Map<string, { close(): void }>[] = [peer.consumers, peer.dataConsumers, peer.dataProducers];
      for (const made of closing) {
        for (const item of made.values()) item.close();
        made.clear();
      }
      for (const [id, producer] of peer.producers) {
        if (producer.appData.source !== 'screen') continue;
        producer.close();
        peer.producers.delete(id);
      }
      return othersMedia(room, peerId);
    });
  }

  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void> {
    return this.serial(roomId, peerId, async () => {
      const { transport } = await this.transport(roomId, peerId, transportId);
      await transport.connect({ dtlsParameters: dtlsParameters as unknown as types.DtlsParameters });
    });
  }

  restartIce(roomId: string, peerId: string, transportId: string): Promise<RtpJson> {
    return this.serial(roomId, peerId, async () => {
      const { transport } = await this.transport(roomId, peerId, transportId);
      return (await transport.restartIce()) as unknown as RtpJson;
    });
  }

  /** One of the peer's transports, by id (and, when given, of that direction). */
  private async transport(roomId: string, peerId: string, transportId: string, direction?: 'send') {
    const { room, peer } = await this.peer(roomId, peerId);
    const transport = peer.transports.get(transportId);
    if (!transport || (direction && transport.appData.direction !== direction)) throw new SfuRequestError(`no ${direction ? `${direction} ` : ''}transport ${transportId}`);
    return { room, peer, transport };
  }

  private static recvTransport(peer: PeerMedia): types.WebRtcTransport | undefined {
    return [...peer.transports.values()].find((t) => t.appData.direction === 'recv');
  }

  /**
   * Keeps a new consumer (or data consumer) in `consumers` while it lives; when what it consumes closes,
   * its peer is told (producer-closed).
   */
  private track<C extends types.Consumer | types.DataConsumer>(consumers: Map<string, C>, consumer: C, closeEvent: 'producerclose' | 'dataproducerclose', event: Extract<SfuEvent, { type: 'producer-closed' }>): void {
    consumers.set(consumer.id, consumer);
    const forget = () => consumers.delete(consumer.id);
    // Both kinds emit these two (their event maps differ only in the producer's name).
    const events = consumer as unknown as { on(name: 'transportclose' | typeof closeEvent, listener: () => void): void };
    events.on('transportclose', forget);
    events.on(closeEvent, () => {
      forget();
      this.emit(event);
    });
  }

  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    return this.serial(roomId, peerId, () => this.newProducer(roomId, peerId, transportId, kind, source, rtpParameters));
  }

  /** A peer has one producer per source: a new one replaces the last (whose consumers are told it closed). */
  private async newProducer(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    const { room, peer, transport } = await this.transport(roomId, peerId, transportId, 'send');
    const made = await transport.produce({ kind, rtpParameters: rtpParameters as unknown as types.RtpParameters, appData: { peerId, source } });
    const producer = this.keep(room, peerId, peer, made);
    for (const old of peer.producers.values()) {
      if (old.appData.source !== source) continue;
      old.close();
      peer.producers.delete(old.id);
    }
    peer.producers.set(producer.id, producer);
    producer.on('transportclose', () => peer.producers.delete(producer.id));
    if (source === 'mic') {
      await room.speakers.addProducer({ producerId: producer.id });
      await room.levels.addProducer({ producerId: producer.id });
    }
    return producerInfo(producer, peerId);
  }

  closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    return this.serial(roomId, peerId, async () => {
      const { peer } = await this.peer(roomId, peerId);
      const producer = peer.producers.get(producerId);
      if (!producer) throw new SfuRequestError(`no producer ${producerId} of this peer`);
      producer.close();
      peer.producers.delete(producerId);
    });
  }

  produceData(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo> {
    return this.serial(roomId, peerId, () => this.newDataProducer(roomId, peerId, transportId, sctpStreamParameters, label, protocol));
  }

  /** A peer has one data producer (its chat channel): a new one replaces the last. */
  private async newDataProducer(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo> {
    const { room, peer, transport } = await this.transport(roomId, peerId, transportId, 'send');
    if (!transport.sctpParameters) throw new SfuRequestError('the transport has no data channels (join the SFU with sctpCapabilities)');
    const made = await transport.produceData({ sctpStreamParameters: sctpStreamParameters as unknown as types.SctpStreamParameters, label, protocol, appData: { peerId } });
    const dataProducer = this.keep(room, peerId, peer, made);
    for (const old of peer.dataProducers.values()) old.close();
    peer.dataProducers.clear();
    peer.dataProducers.set(dataProducer.id, dataProducer);
    dataProducer.on('transportclose', () => peer.dataProducers.delete(dataProducer.id));
    return { dataProducerId: dataProducer.id, peerId };
  }

  consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    return this.serial(roomId, peerId, () => this.newDataConsumer(roomId, peerId, dataProducerId));
  }

  /** One data consumer per (peer, data producer): asking again returns the one there is. */
  private async newDataConsumer(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    const { room, peer } = await this.peer(roomId, peerId);
    const transport = MediasoupSfu.recvTransport(peer);
    if (!transport?.sctpParameters) throw new SfuRequestError('no receive transport with data channels');
    const owner = [...room.peers].find(([, p]) => p.dataProducers.has(dataProducerId))?.[0];
    if (!owner || owner === peerId) throw new SfuRequestError(`no data producer ${dataProducerId} of another peer`);
    const existing = [...peer.dataConsumers.values()].find((c) => c.dataProducerId === dataProducerId);
    if (existing) return dataConsumerOptions(existing, owner);
    const dataConsumer = this.keep(room, peerId, peer, await transport.consumeData({ dataProducerId, appData: { peerId: owner } }));
    this.track(peer.dataConsumers, dataConsumer, 'dataproducerclose', { type: 'producer-closed', roomId, peerId, producerId: dataProducerId });
    return dataConsumerOptions(dataConsumer, owner);
  }

  consume(roomId: string, peerId: string, producerIds: string[], rtpCapabilities: RtpJson): Promise<SfuConsumerOptions[]> {
    // A producer asked for twice gets one consumer, returned once: a browser cannot take one SSRC twice.
    return this.serial(roomId, peerId, () => MediasoupSfu.each([...new Set(producerIds)], (producerId) => this.newConsumer(roomId, peerId, producerId, rtpCapabilities)));
  }

  /**
   * A batch request: what succeeds of it. Items refused (a producer or consumer closed meanwhile) are left
   * out; only when every item is refused is the first refusal the answer.
   */
  private static async each<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const done: R[] = [];
    let refusal: SfuRequestError | undefined;
    for (const item of items) {
      try {
        done.push(await fn(item));
      } catch (error) {
        if (!(error instanceof SfuRequestError)) throw error;
        refusal ??= error;
      }
    }
    if (done.length === 0 && refusal) throw refusal;
    return done;
  }

  /** One consumer per (peer, producer): asking again returns the one there is (a client retrying a timed-out request). */
  private async newConsumer(roomId: string, peerId: string, producerId: string, rtpCapabilities: RtpJson): Promise<SfuConsumerOptions> {
    const { room, peer } = await this.peer(roomId, peerId);
    const caps = rtpCapabilities as unknown as types.RtpCapabilities;
    if (!room.router.canConsume({ producerId, rtpCapabilities: caps })) throw new SfuRequestError(`cannot consume producer ${producerId}`);
    const transport = MediasoupSfu.recvTransport(peer);
    if (!transport) throw new SfuRequestError('no receive transport');
    const [owner, producer] = [...room.peers].flatMap(([id, p]) => (p.producers.has(producerId) ? [[id, p.producers.get(producerId)] as const] : []))[0] ?? ['', undefined];
    const existing = [...peer.consumers.values()].find((c) => c.producerId === producerId);
    if (existing) return consumerOptions(existing, owner);
    const made = await transport.consume({ producerId, rtpCapabilities: caps, paused: true, appData: { peerId: owner, source: producer?.appData.source } });
    const consumer = this.keep(room, peerId, peer, made);
    this.track(peer.consumers, consumer, 'producerclose', { type: 'producer-closed', roomId, peerId, producerId });
    return consumerOptions(consumer, owner);
  }

  private async consumer(roomId: string, peerId: string, consumerId: string): Promise<types.Consumer> {
    const { peer } = await this.peer(roomId, peerId);
    const consumer = peer.consumers.get(consumerId);
    if (!consumer) throw new SfuRequestError(`no consumer ${consumerId}`);
    return consumer;
  }

  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]): Promise<void> {
    return this.serial(roomId, peerId, async () => {
      await MediasoupSfu.each(consumerIds, async (consumerId) => {
        const consumer = await this.consumer(roomId, peerId, consumerId);
        await consumer.resume();
        // A fresh consumer needs a key frame before it can show anything.
        if (consumer.kind === 'video') await consumer.requestKeyFrame();
      });
    });
  }

  pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    return this.serial(roomId, peerId, async () => (await this.consumer(roomId, peerId, consumerId)).pause());
  }

  setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void> {
    return this.serial(roomId, peerId, async () => {
      const consumer = await this.consumer(roomId, peerId, consumerId);
      if (consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer });
    });
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

  /** The rooms with a router here. */
  roomIds(): string[] {
    return [...this.rooms.keys()];
  }

  async roomStats(roomId: string): Promise<SfuRoomStats | null> {
    const room = await this.rooms.get(roomId)?.catch(() => null);
    return room ? collectRoomStats(room) : null;
  }

  async close(): Promise<void> {
    this.pool.close();
    this.rooms.clear();
  }
}
