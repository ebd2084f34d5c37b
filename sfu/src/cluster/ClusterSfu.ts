import type { Redis } from 'ioredis';
import { KeyedQueue, type Logger, type MediaSource, type RtpJson, type SfuConsumerOptions, type SfuDataConsumerOptions, type SfuDataProducerInfo, type SfuJoinResponse, type SfuMediaList, type SfuProducerInfo, type SfuRoomStats } from '@confer/shared';
import type { MediaNodeSfu } from '../MediasoupSfu.js';
import type { PipeOffer, PipeRequest, RemoteMedia } from '../RoomPipes.js';
import { mergeRoomStats } from '../roomStats.js';
import type { Sfu, SfuEvent, SfuHealth } from '../Sfu.js';
import { SfuFullError, SfuRequestError } from '../Sfu.js';
import { ANNOUNCE_MS, MediaNodes, type NodeLoad } from './MediaNodes.js';
import { SfuBus } from './SfuBus.js';
import { invoke, type RoomCall, type RoomMethod, type RoomReply } from './sfuCalls.js';

export interface ClusterSfuOptions {
  redis: Redis;
  nodeId: string;
  /** This process's own SFU, offered to the cluster as a media node; null for a signaling-only server. */
  local: MediaNodeSfu | null;
  log: Logger;
  prefix?: string;
}

/** A media node's load, summed over its workers. */
export function loadOf(health: SfuHealth): NodeLoad {
  const live = health.workers.filter((w) => w.alive);
  const cpu = live.map((w) => w.cpuPct).filter((c) => c !== null);
  return { peers: live.reduce((n, w) => n + w.peers, 0), rooms: live.reduce((n, w) => n + w.routers, 0), cpuPct: cpu.length ? Math.max(...cpu) : null };
}

const noMedia = (): SfuMediaList => ({ producers: [], dataProducers: [] });

/**
 * The SFU as a cluster node sees it. A room's router is on its home media node (the least-loaded one when
 * the room first needs it, kept in Redis); a peer that does not fit there goes to another node, whose router
 * of the room takes the others' media through pipes (RoomPipes). Every call about a peer goes to its node,
 * to this process's own SFU directly or to another node over the bus, and every node's events reach every
 * server's listeners. A room that lost a node is handed to one server, which closes its routers everywhere
 * and tells its peers to set up their SFU media again (a room-reset): the next join places it afresh.
 */
export class ClusterSfu implements Sfu, RemoteMedia {
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Rooms with a router here that were placed nowhere at the last tick. */
  private unplaced = new Set<string>();
  /** The home node of each room with a router here, as of the last tick: speakers are reported by the home only. */
  private homes = new Map<string, string | null>();
  /**
   * A peer's join and leave, one after the other: a leave sent while the join is still placing the peer
   * must find where it went (a peer's requests all come through its own server).
   */
  private readonly joins = new KeyedQueue();

  private constructor(
    private readonly o: ClusterSfuOptions,
    private readonly bus: SfuBus,
    private readonly nodes: MediaNodes,
  ) {
    bus.onEvent((event) => this.emit(event));
    const { local } = o;
    if (local) {
      bus.serve((call) => invoke(local, call));
      local.onEvent((event) => this.fromLocal(event));
      local.attachRemote(this);
    }
    this.timer = setInterval(() => void this.tick(), ANNOUNCE_MS);
    this.timer.unref();
  }

  static async start(o: ClusterSfuOptions): Promise<ClusterSfu> {
    const nodes = new MediaNodes(o.redis, o.prefix);
    const sfu = new ClusterSfu(o, await SfuBus.open(o.redis, o.nodeId, o.log, o.prefix), nodes);
    await sfu.tick();
    return sfu;
  }

  get nodeId(): string {
    return this.o.nodeId;
  }

  /**
   * Announces this node's load (a media node), closes its routers of rooms it no longer has a part in (it
   * was taken for gone during a stall), and resets the rooms of nodes that went silent.
   */
  private async tick(): Promise<void> {
    try {
      const { local, nodeId } = this.o;
      if (local) {
        await this.nodes.announce(nodeId, loadOf(local.health()));
        const here = local.roomIds();
        const [placed, mine] = await Promise.all([this.nodes.placements(here), this.nodes.hasRouters(nodeId, here)]);
        this.homes = new Map(here.map((roomId, i) => [roomId, placed[i] ?? null]));
        const unplaced = new Set<string>();
        here.forEach((roomId, i) => {
          if (placed[i] === nodeId || (placed[i] && mine[i])) return;
          // Not placed at all may be a moment between a room's close and its next join here: only a second look says so.
          if (!placed[i] && !this.unplaced.has(roomId)) return void unplaced.add(roomId);
          this.o.log.warn({ roomId, placedOn: placed[i] }, 'closing the router of a room that is no longer placed on this node');
          local.closeRoom(roomId);
        });
        this.unplaced = unplaced;
      }
      for (const roomId of await this.nodes.orphans()) {
        this.o.log.warn({ roomId }, 'a media node of the room is gone; its peers set up SFU media again');
        await this.reset(roomId);
      }
    } catch (error) {
      this.o.log.warn({ err: (error as Error).message }, 'media node announcement failed');
    }
  }

  /** This node's own SFU: its events go to every server; a lost router resets the room on every node. */
  private fromLocal(event: SfuEvent): void {
    if (event.type === 'room-reset') {
      void this.nodes
        .release(event.roomId, this.o.nodeId)
        .then(() => this.reset(event.roomId))
        .catch((error: Error) => this.o.log.warn({ roomId: event.roomId, err: error.message }, 'room reset failed'));
      return;
    }
    const home = event.type === 'producer-closed' ? null : this.homes.get(event.roomId);
    if (home && home !== this.o.nodeId) return; // the home node's observers hear the whole room
    this.bus.publishEvent(event);
  }

  /** The room's SFU media is broken somewhere: every live node's router of it closes, and its peers are told to set it up again. */
  private async reset(roomId: string): Promise<void> {
    const [nodes, live] = await Promise.all([this.nodes.roomNodes(roomId), this.nodes.live()]);
    await Promise.all(nodes.filter((n) => live.has(n)).map((n) => this.run(n, { method: 'closeRoom', args: [roomId] }).catch(() => undefined)));
    await this.nodes.forgetRoom(roomId);
    this.bus.publishEvent({ type: 'room-reset', roomId });
  }

  private emit(event: SfuEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: SfuEvent) => void): void {
    this.listeners.push(listener);
  }

  health(): SfuHealth {
    return this.o.local?.health() ?? { status: 'ok', workers: [] };
  }

  /** Runs the call on a node: this process's own SFU directly, another node over the bus. */
  private async run<M extends RoomMethod>(nodeId: string, call: Extract<RoomCall, { method: M }>): Promise<RoomReply<M>> {
    const run = nodeId === this.o.nodeId && this.o.local ? invoke(this.o.local, call) : this.bus.request(nodeId, call);
    return (await run) as RoomReply<M>;
  }

  /** Runs the call on the node the peer's SFU media is on. */
  private async call<M extends RoomMethod>(roomId: string, peerId: string, call: Extract<RoomCall, { method: M }>): Promise<RoomReply<M>> {
    const nodeId = await this.nodes.peerNode(roomId, peerId);
    if (!nodeId) throw new SfuRequestError(`peer ${peerId} has not joined the SFU of room ${roomId}`);
    return this.run(nodeId, call);
  }

  /** RemoteMedia: the room's other nodes, as this node's RoomPipes sees them. */
  async nodesOf(roomId: string): Promise<string[]> {
    return (await this.nodes.roomNodes(roomId)).filter((n) => n !== this.o.nodeId);
  }
  pipeOut(nodeId: string, roomId: string, request: PipeRequest): Promise<PipeOffer> {
    return this.run(nodeId, { method: 'pipeOut', args: [roomId, request] });
  }
  unpipe(nodeId: string, roomId: string, producerId: string): void {
    this.run(nodeId, { method: 'unpipe', args: [roomId, producerId] }).catch((error: Error) => this.o.log.debug({ roomId, nodeId, err: error.message }, 'unpipe not delivered'));
  }

  /** The room's home, placed now if it has none; and the live nodes, least loaded first. */
  private async placed(roomId: string): Promise<{ nodeId: string; live: string[] }> {
    const placement = await this.nodes.place(roomId);
    if (!placement) throw new SfuRequestError('no media node is up in the cluster');
    if (placement.moved) {
      // Its old home is gone: whoever still had media of the room must set it up again, on the new one.
      this.o.log.warn({ roomId, nodeId: placement.nodeId }, 'room placed on another media node');
      await this.reset(roomId);
    }
    return placement;
  }

  /**
   * The peer goes on the room's home node, or when that is full on another node that has the room, or on
   * the least-loaded live node. Its answer lists the media of peers on every node of the room.
   */
  joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    return this.joins.run(`${roomId}/${peerId}`, () => this.join(roomId, peerId, sctpCapabilities));
  }

  private async join(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    const home = await this.placed(roomId);
    const [known, previous] = await Promise.all([this.nodes.roomNodes(roomId), this.nodes.peerNode(roomId, peerId)]);
    const order = [...new Set([home.nodeId, ...known.filter((n) => home.live.includes(n)), ...home.live])];
    let full: SfuFullError | undefined;
    for (const nodeId of order) {
      await this.nodes.addRoomNode(roomId, nodeId);
      try {
        const joined = await this.run(nodeId, { method: 'joinPeer', args: [roomId, peerId, sctpCapabilities] });
        await this.nodes.setPeerNode(roomId, peerId, nodeId);
        if (previous && previous !== nodeId) this.leaveOn(previous, roomId, peerId);
        return { ...joined, ...(await this.withOthers(roomId, peerId, nodeId, joined)) };
      } catch (error) {
        if (!(error instanceof SfuFullError)) throw error;
        full = error;
      }
    }
    throw full ?? new SfuFullError('every media node is full');
  }

  /** Adds the media of the room's other nodes to what the peer's node listed. */
  private async withOthers(roomId: string, peerId: string, nodeId: string, list: SfuMediaList): Promise<SfuMediaList> {
    const others = (await this.nodes.roomNodes(roomId)).filter((n) => n !== nodeId);
    const lists = await Promise.all(others.map((n) => this.run(n, { method: 'roomMedia', args: [roomId, peerId] }).catch(noMedia)));
    return { producers: [...list.producers, ...lists.flatMap((l) => l.producers)], dataProducers: [...list.dataProducers, ...lists.flatMap((l) => l.dataProducers)] };
  }

  private leaveOn(nodeId: string, roomId: string, peerId: string): void {
    this.run(nodeId, { method: 'leavePeer', args: [roomId, peerId] }).catch((error: Error) => this.o.log.debug({ roomId, peerId, err: error.message }, 'SFU leave not delivered'));
  }

  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void> {
    return this.call(roomId, peerId, { method: 'connectTransport', args: [roomId, peerId, transportId, dtlsParameters] });
  }
  restartIce(roomId: string, peerId: string, transportId: string): Promise<RtpJson> {
    return this.call(roomId, peerId, { method: 'restartIce', args: [roomId, peerId, transportId] });
  }
  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    return this.call(roomId, peerId, { method: 'produce', args: [roomId, peerId, transportId, kind, source, rtpParameters] });
  }
  closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    return this.call(roomId, peerId, { method: 'closeProducer', args: [roomId, peerId, producerId] });
  }
  produceData(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo> {
    return this.call(roomId, peerId, { method: 'produceData', args: [roomId, peerId, transportId, sctpStreamParameters, label, protocol] });
  }
  consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    return this.call(roomId, peerId, { method: 'consumeData', args: [roomId, peerId, dataProducerId] });
  }
  consume(roomId: string, peerId: string, producerIds: string[], rtpCapabilities: RtpJson): Promise<SfuConsumerOptions[]> {
    return this.call(roomId, peerId, { method: 'consume', args: [roomId, peerId, producerIds, rtpCapabilities] });
  }
  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]): Promise<void> {
    return this.call(roomId, peerId, { method: 'resumeConsumers', args: [roomId, peerId, consumerIds] });
  }
  pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    return this.call(roomId, peerId, { method: 'pauseConsumer', args: [roomId, peerId, consumerId] });
  }
  setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void> {
    return this.call(roomId, peerId, { method: 'setPreferredLayers', args: [roomId, peerId, consumerId, spatialLayer] });
  }
  async idlePeer(roomId: string, peerId: string): Promise<SfuMediaList> {
    const nodeId = await this.nodes.peerNode(roomId, peerId);
    if (!nodeId) throw new SfuRequestError(`peer ${peerId} has not joined the SFU of room ${roomId}`);
    return this.withOthers(roomId, peerId, nodeId, await this.run(nodeId, { method: 'idlePeer', args: [roomId, peerId] }));
  }

  /** Fire and forget, as on a local SFU: a failure is logged (the node, if gone, took the peer's media with it). */
  leavePeer(roomId: string, peerId: string): void {
    void this.joins.run(`${roomId}/${peerId}`, async () => {
      const nodeId = await this.nodes.peerNode(roomId, peerId);
      if (!nodeId) return;
      await this.nodes.setPeerNode(roomId, peerId, null);
      this.leaveOn(nodeId, roomId, peerId);
    }).catch((error: Error) => this.o.log.debug({ roomId, peerId, err: error.message }, 'SFU leave not delivered'));
  }

  /** The room is empty: its routers close on every node, and its placement goes. */
  closeRoom(roomId: string): void {
    void (async () => {
      const [home, nodes] = await Promise.all([this.nodes.placement(roomId), this.nodes.roomNodes(roomId)]);
      const all = [...new Set([...(home ? [home] : []), ...nodes])];
      await Promise.all(all.map((n) => this.run(n, { method: 'closeRoom', args: [roomId] })));
      await this.nodes.forgetRoom(roomId);
      if (home) await this.nodes.release(roomId, home);
    })().catch((error: Error) => this.o.log.debug({ roomId, err: error.message }, 'SFU room close not delivered'));
  }

  async roomStats(roomId: string): Promise<SfuRoomStats | null> {
    const [home, nodes] = await Promise.all([this.nodes.placement(roomId), this.nodes.roomNodes(roomId)]);
    if (!home) return null;
    const all = [...new Set([home, ...nodes])];
    return mergeRoomStats(await Promise.all(all.map((n) => this.run(n, { method: 'roomStats', args: [roomId] }).catch(() => null))));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.o.local) await this.nodes.withdraw(this.o.nodeId).catch(() => undefined);
    await this.bus.close();
  }
}
