import type { Redis } from 'ioredis';
import type { Logger, MediaSource, RtpJson, SfuConsumerOptions, SfuDataConsumerOptions, SfuDataProducerInfo, SfuJoinResponse, SfuMediaList, SfuProducerInfo, SfuRoomStats } from '@confer/shared';
import type { Sfu, SfuEvent, SfuHealth } from '../Sfu.js';
import { SfuRequestError } from '../Sfu.js';
import { ANNOUNCE_MS, MediaNodes, type NodeLoad } from './MediaNodes.js';
import { SfuBus } from './SfuBus.js';
import { invoke, type RoomCall, type RoomMethod, type RoomReply } from './sfuCalls.js';

/** An SFU in this process, which can say which rooms it has routers for. */
export type LocalSfu = Sfu & { roomIds(): string[] };

export interface ClusterSfuOptions {
  redis: Redis;
  nodeId: string;
  /** This process's own SFU, offered to the cluster as a media node; null for a signaling-only server. */
  local: LocalSfu | null;
  log: Logger;
  prefix?: string;
}

/** A media node's load, summed over its workers. */
export function loadOf(health: SfuHealth): NodeLoad {
  const live = health.workers.filter((w) => w.alive);
  const cpu = live.map((w) => w.cpuPct).filter((c) => c !== null);
  return { peers: live.reduce((n, w) => n + w.peers, 0), rooms: live.reduce((n, w) => n + w.routers, 0), cpuPct: cpu.length ? Math.max(...cpu) : null };
}

/**
 * The SFU as a cluster node sees it: each room's router is on one media node (the least-loaded one when
 * the room first needs it, kept in Redis), and every call about the room goes there, to this process's
 * own SFU directly or to another node over the bus. Every node's events reach every server's listeners.
 * A room whose node went silent is handed to one server, which tells it to set up its SFU media again
 * (a room-reset): the next join places it on a live node.
 */
export class ClusterSfu implements Sfu {
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Rooms with a router here that were placed nowhere at the last tick. */
  private unplaced = new Set<string>();

  private constructor(
    private readonly o: ClusterSfuOptions,
    private readonly bus: SfuBus,
    private readonly nodes: MediaNodes,
  ) {
    bus.onEvent((event) => this.emit(event));
    const { local } = o;
    if (local) {
      bus.serve((call) => invoke(local, call));
      local.onEvent((event) => bus.publishEvent(event));
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

  /**
   * Announces this node's load (a media node), closes its routers of rooms placed elsewhere meanwhile (it
   * was taken for gone during a stall), and re-places the rooms of nodes that went silent.
   */
  private async tick(): Promise<void> {
    try {
      const { local } = this.o;
      if (local) {
        await this.nodes.announce(this.o.nodeId, loadOf(local.health()));
        const here = local.roomIds();
        const placed = await this.nodes.placements(here);
        const unplaced = new Set<string>();
        here.forEach((roomId, i) => {
          if (placed[i] === this.o.nodeId) return;
          // Not placed at all may be a moment between a room's close and its next join here: only a second look says so.
          if (!placed[i] && !this.unplaced.has(roomId)) return void unplaced.add(roomId);
          this.o.log.warn({ roomId, placedOn: placed[i] }, 'closing the router of a room that is no longer placed on this node');
          local.closeRoom(roomId);
        });
        this.unplaced = unplaced;
      }
      for (const roomId of await this.nodes.orphans()) {
        this.o.log.warn({ roomId }, 'the media node of the room is gone; its peers set up SFU media again');
        this.bus.publishEvent({ type: 'room-reset', roomId });
      }
    } catch (error) {
      this.o.log.warn({ err: (error as Error).message }, 'media node announcement failed');
    }
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

  /** Runs the call on the node the room is on (`place`: putting it on one first if it has none). */
  private async call<M extends RoomMethod>(roomId: string, call: Extract<RoomCall, { method: M }>, place = false): Promise<RoomReply<M>> {
    const nodeId = place ? await this.placed(roomId) : await this.nodes.placement(roomId);
    if (!nodeId) throw new SfuRequestError(`room ${roomId} has no SFU media`);
    const run = nodeId === this.o.nodeId && this.o.local ? invoke(this.o.local, call) : this.bus.request(nodeId, call);
    return (await run) as RoomReply<M>;
  }

  private async placed(roomId: string): Promise<string> {
    const placement = await this.nodes.place(roomId);
    if (!placement) throw new SfuRequestError('no media node is up in the cluster');
    if (placement.moved) {
      // Its old node is gone: whoever still had media there must set it up again, on the new one.
      this.o.log.warn({ roomId, nodeId: placement.nodeId }, 'room placed on another media node');
      this.bus.publishEvent({ type: 'room-reset', roomId });
    }
    return placement.nodeId;
  }

  joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse> {
    return this.call(roomId, { method: 'joinPeer', args: [roomId, peerId, sctpCapabilities] }, true);
  }
  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void> {
    return this.call(roomId, { method: 'connectTransport', args: [roomId, peerId, transportId, dtlsParameters] });
  }
  restartIce(roomId: string, peerId: string, transportId: string): Promise<RtpJson> {
    return this.call(roomId, { method: 'restartIce', args: [roomId, peerId, transportId] });
  }
  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo> {
    return this.call(roomId, { method: 'produce', args: [roomId, peerId, transportId, kind, source, rtpParameters] });
  }
  closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    return this.call(roomId, { method: 'closeProducer', args: [roomId, peerId, producerId] });
  }
  produceData(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo> {
    return this.call(roomId, { method: 'produceData', args: [roomId, peerId, transportId, sctpStreamParameters, label, protocol] });
  }
  consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    return this.call(roomId, { method: 'consumeData', args: [roomId, peerId, dataProducerId] });
  }
  consume(roomId: string, peerId: string, producerIds: string[], rtpCapabilities: RtpJson): Promise<SfuConsumerOptions[]> {
    return this.call(roomId, { method: 'consume', args: [roomId, peerId, producerIds, rtpCapabilities] });
  }
  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]): Promise<void> {
    return this.call(roomId, { method: 'resumeConsumers', args: [roomId, peerId, consumerIds] });
  }
  pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    return this.call(roomId, { method: 'pauseConsumer', args: [roomId, peerId, consumerId] });
  }
  setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void> {
    return this.call(roomId, { method: 'setPreferredLayers', args: [roomId, peerId, consumerId, spatialLayer] });
  }
  idlePeer(roomId: string, peerId: string): Promise<SfuMediaList> {
    return this.call(roomId, { method: 'idlePeer', args: [roomId, peerId] });
  }

  /** Fire and forget, as on a local SFU: a failure is logged (the node, if gone, took the peer's media with it). */
  leavePeer(roomId: string, peerId: string): void {
    this.call(roomId, { method: 'leavePeer', args: [roomId, peerId] }).catch((error: Error) => this.o.log.debug({ roomId, peerId, err: error.message }, 'SFU leave not delivered'));
  }

  closeRoom(roomId: string): void {
    void (async () => {
      const nodeId = await this.nodes.placement(roomId);
      if (!nodeId) return;
      await this.call(roomId, { method: 'closeRoom', args: [roomId] });
      await this.nodes.release(roomId, nodeId);
    })().catch((error: Error) => this.o.log.debug({ roomId, err: error.message }, 'SFU room close not delivered'));
  }

  async roomStats(roomId: string): Promise<SfuRoomStats | null> {
    return (await this.nodes.placement(roomId)) ? this.call(roomId, { method: 'roomStats', args: [roomId] }) : null;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.o.local) await this.nodes.withdraw(this.o.nodeId).catch(() => undefined);
    await this.bus.close();
  }
}
