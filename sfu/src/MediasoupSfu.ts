import type { types } from 'mediasoup';
import { KeyedQueue, type Logger, type MediaSource, type RtpJson, type SfuConsumerOptions, type SfuDataConsumerOptions, type SfuDataProducerInfo, type SfuJoinResponse, type SfuMediaList, type SfuProducerInfo, type SfuTransportOptions } from '@confer/shared';
import type { SfuConfig } from './config.js';
import { collectRoomStats } from './roomStats.js';
import { RoomPipes, type PipeOffer, type PipeRequest, type RemoteMedia } from './RoomPipes.js';
import { RoomRouters } from './RoomRouters.js';
import { eachOf, PeerConsumers } from './PeerConsumers.js';
import { preferLayer } from './simulcastStart.js';
import { keepFor, type PeerMedia, type Room } from './sfuRooms.js';
import { othersMedia, producerInfo } from './wireShapes.js';
import { SfuFullError, SfuRequestError, type Sfu, type SfuEvent, type SfuHealth, type SfuRoomStats } from './Sfu.js';
import { WorkerPool } from './WorkerPool.js';

/** An SFU in this process as a media node of a cluster sees it: its rooms, and pipes to the other nodes of a room. */
export interface MediaNodeSfu extends Sfu {
  roomIds(): string[];
  /** The room's media here of peers other than `peerId` (none when it has no router here). */
  roomMedia(roomId: string, peerId: string): Promise<SfuMediaList>;
  /** Pipes one of this node's producers to another node of the room. */
  pipeOut(roomId: string, request: PipeRequest): Promise<PipeOffer>;
  /** A producer piped in from another node closed there. */
  unpipe(roomId: string, producerId: string): Promise<void>;
  /** From now on, producers this node does not have are looked for on the room's other nodes. */
  attachRemote(remote: RemoteMedia): void;
}

/** mediasoup in this process: the workers (WorkerPool), one router per room (RoomRouters), and each peer's media on it. */
export class MediasoupSfu implements MediaNodeSfu {
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  /** One peer's requests run one at a time: concurrent joins or produces must not interleave their awaits. */
  private readonly queue = new KeyedQueue();
  private readonly routers: RoomRouters;
  private pipes: RoomPipes | null = null;
  private readonly consumers = new PeerConsumers((event) => this.emit(event), () => this.pipes);

  private constructor(
    private readonly config: SfuConfig,
    private readonly pool: WorkerPool,
  ) {
    this.routers = new RoomRouters(config, pool, (event) => this.emit(event));
  }

  /** Starts every worker or fails with one line saying what to do (SfuStartError). */
  static async start(config: SfuConfig, log: Logger): Promise<MediasoupSfu> {
    let sfu: MediasoupSfu | undefined;
    const pool = await WorkerPool.start(config, log, (slot) => sfu?.routers.workerDied(slot));
    return (sfu = new MediasoupSfu(config, pool));
  }

  attachRemote(remote: RemoteMedia): void {
    this.pipes = new RoomPipes(this.config, remote);
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
    return this.routers.get(roomId);
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

  joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    return this.serial(roomId, peerId, () => this.join(roomId, peerId, sctpCapabilities));
  }

  private async join(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    const room = await this.room(roomId);
    this.leavePeer(roomId, peerId, room);
    if (room.slot.peers >= this.config.maxPeersPerWorker) throw new SfuFullError('the SFU is at capacity (SFU_MAX_PEERS_PER_WORKER)');
    if (this.pool.peers() >= this.config.maxPeersPerNode) throw new SfuFullError('the SFU is at capacity (SFU_MAX_PEERS_PER_NODE)');
    room.slot.peers++;
    const peer: PeerMedia = { transports: new Map(), producers: new Map(), consumers: new Map(), dataProducers: new Map(), dataConsumers: new Map() };
    room.peers.set(peerId, peer);
    const create = async (direction: 'send' | 'recv'): Promise<SfuTransportOptions> => {
      const transport = keepFor(room, peerId, peer, await room.router.createWebRtcTransport({
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

  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    return this.serial(roomId, peerId, () => this.newProducer(roomId, peerId, transportId, kind, source, rtpParameters));
  }

  /** A peer has one producer per source: a new one replaces the last (whose consumers are told it closed). */
  private async newProducer(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    const { room, peer, transport } = await this.transport(roomId, peerId, transportId, 'send');
    const made = await transport.produce({ kind, rtpParameters: rtpParameters as unknown as types.RtpParameters, appData: { peerId, source } });
    const producer = keepFor(room, peerId, peer, made);
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
    const dataProducer = keepFor(room, peerId, peer, made);
    for (const old of peer.dataProducers.values()) old.close();
    peer.dataProducers.clear();
    peer.dataProducers.set(dataProducer.id, dataProducer);
    dataProducer.on('transportclose', () => peer.dataProducers.delete(dataProducer.id));
    return { dataProducerId: dataProducer.id, peerId };
  }

  consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    return this.serial(roomId, peerId, async () => this.consumers.newDataConsumer(roomId, peerId, await this.peer(roomId, peerId), dataProducerId));
  }

  consume(roomId: string, peerId: string, producerIds: string[], rtpCapabilities: RtpJson): Promise<SfuConsumerOptions[]> {
    // A producer asked for twice gets one consumer, returned once: a browser cannot take one SSRC twice.
    return this.serial(roomId, peerId, async () => {
      const at = await this.peer(roomId, peerId);
      return eachOf([...new Set(producerIds)], (producerId) => this.consumers.newConsumer(roomId, peerId, at, producerId, rtpCapabilities));
    });
  }

  private async consumer(roomId: string, peerId: string, consumerId: string): Promise<types.Consumer> {
    const { peer } = await this.peer(roomId, peerId);
    const consumer = peer.consumers.get(consumerId);
    if (!consumer) throw new SfuRequestError(`no consumer ${consumerId}`);
    return consumer;
  }

  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]): Promise<void> {
    return this.serial(roomId, peerId, async () => {
      await eachOf(consumerIds, async (consumerId) => {
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
      await preferLayer(await this.consumer(roomId, peerId, consumerId), spatialLayer);
    });
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
    void this.routers.existing(roomId)?.then(close, () => undefined);
  }

  closeRoom(roomId: string): void {
    this.routers.close(roomId);
  }

  roomIds(): string[] {
    return this.routers.ids();
  }

  async roomMedia(roomId: string, peerId: string): Promise<SfuMediaList> {
    const room = await this.routers.existing(roomId)?.catch(() => null);
    return room ? othersMedia(room, peerId) : { producers: [], dataProducers: [] };
  }

  async pipeOut(roomId: string, request: PipeRequest): Promise<PipeOffer> {
    const room = await this.routers.existing(roomId)?.catch(() => null);
    if (!room || !this.pipes) throw new SfuRequestError(`room ${roomId} has no router on this node`);
    return this.pipes.serve(roomId, room, request);
  }

  async unpipe(roomId: string, producerId: string): Promise<void> {
    const room = await this.routers.existing(roomId)?.catch(() => null);
    if (room) RoomPipes.unpipe(room, producerId);
  }

  async roomStats(roomId: string): Promise<SfuRoomStats | null> {
    const room = await this.routers.existing(roomId)?.catch(() => null);
    return room ? collectRoomStats(room) : null;
  }

  async close(): Promise<void> {
    this.pool.close();
    this.routers.clear();
  }
}
