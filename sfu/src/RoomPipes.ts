import type { types } from 'mediasoup';
import type { MediaSource, RtpJson } from '@confer/shared';
import type { SfuConfig } from './config.js';
import { SfuRequestError } from './Sfu.js';
import type { Room } from './sfuRooms.js';

/** One end of a pipe between two media nodes' routers of a room: where it listens, and its SRTP key. */
export interface PipeEnd {
  ip: string;
  port: number;
  srtpParameters: RtpJson;
}

/** A node asks the node that has a producer (or data producer) to send it down a pipe to `end`. */
export interface PipeRequest {
  fromNode: string;
  end: PipeEnd;
  producerId: string;
}

/** The answer: the sender's end of the pipe, and what the receiver's router needs to take the media in. */
export type PipeOffer = { end: PipeEnd; peerId: string } & (
  | { kind: 'audio' | 'video'; source: MediaSource; rtpParameters: RtpJson; paused: boolean }
  | { kind: 'data'; sctpStreamParameters: RtpJson; label: string; protocol: string }
);

/** How a media node reaches the other media nodes of a room (the cluster's bus). */
export interface RemoteMedia {
  readonly nodeId: string;
  /** The other media nodes that have a router of this room. */
  nodesOf(roomId: string): Promise<string[]>;
  pipeOut(nodeId: string, roomId: string, request: PipeRequest): Promise<PipeOffer>;
  /** A producer that `nodeId` piped in from here closed. */
  unpipe(nodeId: string, roomId: string, producerId: string): void;
}

interface InboundPipe {
  transport: types.PipeTransport;
  /** The sender's end it is connected to, once it is. */
  connected: Promise<string> | null;
}

const endOf = (t: types.PipeTransport): PipeEnd => ({ ip: t.tuple.localIp, port: t.tuple.localPort, srtpParameters: t.srtpParameters as unknown as RtpJson });
const endKey = (end: PipeEnd) => `${end.ip}:${end.port}`;

/** A room's pipes to and from other media nodes: one PipeTransport pair per direction and node, made when first needed. */
export interface PipeState {
  inbound: Map<string, Promise<InboundPipe>>;
  outbound: Map<string, { end: string; transport: Promise<types.PipeTransport> }>;
  /** What is being piped out, per receiving node and producer: asking again gets the same offer. */
  served: Map<string, Promise<PipeOffer>>;
  pulling: Map<string, Promise<boolean>>;
}
export const emptyPipes = (): PipeState => ({ inbound: new Map(), outbound: new Map(), served: new Map(), pulling: new Map() });

/**
 * Rooms that span media nodes (edumeet's way): a peer consumes media of a peer on another node through a
 * PipeTransport pair between the two routers (RTX for loss, SRTP since the link may leave the host, SCTP for
 * the chat channel). Each producer is piped once per receiving node, when first consumed there, and its end
 * travels over to close the piped copy.
 */
export class RoomPipes {
  constructor(
    private readonly config: SfuConfig,
    private readonly remote: RemoteMedia,
  ) {}

  /** Brings a producer (or data producer) of another node into the room's router; false when no node has it. */
  pull(roomId: string, room: Room, producerId: string): Promise<boolean> {
    let pulling = room.pipes.pulling.get(producerId);
    if (!pulling) {
      pulling = this.fetch(roomId, room, producerId).finally(() => room.pipes.pulling.delete(producerId));
      room.pipes.pulling.set(producerId, pulling);
    }
    return pulling;
  }

  private async fetch(roomId: string, room: Room, producerId: string): Promise<boolean> {
    const asked = (await this.remote.nodesOf(roomId)).map(async (nodeId) => {
      const pipe = await this.inbound(room, nodeId);
      const request: PipeRequest = { fromNode: this.remote.nodeId, end: endOf(pipe.transport), producerId };
      const offer = await this.remote.pipeOut(nodeId, roomId, request).catch((error: unknown) => {
        if (error instanceof SfuRequestError) return null; // not there
        throw error;
      });
      return offer && { nodeId, pipe, offer };
    });
    const found = (await Promise.all(asked)).find((a) => a !== null);
    if (!found || room.router.closed) return false;
    const { pipe, offer } = found;
    pipe.connected ??= pipe.transport.connect({ ...offer.end, srtpParameters: offer.end.srtpParameters as unknown as types.SrtpParameters }).then(() => endKey(offer.end));
    if ((await pipe.connected) !== endKey(offer.end)) {
      // The other node's router of the room was made afresh: this pipe leads nowhere now.
      pipe.transport.close();
      throw new SfuRequestError(`the pipe from media node ${found.nodeId} was replaced; ask again`);
    }
    const appData = { peerId: offer.peerId, ...(offer.kind === 'data' ? {} : { source: offer.source }) };
    const media =
      offer.kind === 'data'
        ? await pipe.transport.produceData({ id: producerId, sctpStreamParameters: offer.sctpStreamParameters as unknown as types.SctpStreamParameters, label: offer.label, protocol: offer.protocol, appData })
        : await pipe.transport.produce({ id: producerId, kind: offer.kind, rtpParameters: offer.rtpParameters as unknown as types.RtpParameters, paused: offer.paused, appData });
    room.piped.set(producerId, media);
    (media.observer as types.Producer['observer']).on('close', () => room.piped.delete(producerId));
    if (offer.kind === 'audio' && offer.source === 'mic') {
      // So that this node's speaker and level observers hear the whole room, not only its own peers.
      await room.speakers.addProducer({ producerId }).catch(() => undefined);
      await room.levels.addProducer({ producerId }).catch(() => undefined);
    }
    return true;
  }

  private inbound(room: Room, nodeId: string): Promise<InboundPipe> {
    let pipe = room.pipes.inbound.get(nodeId);
    if (!pipe) {
      pipe = this.create(room, nodeId).then((transport) => {
        transport.observer.on('close', () => room.pipes.inbound.delete(nodeId));
        return { transport, connected: null };
      });
      room.pipes.inbound.set(nodeId, pipe);
      pipe.catch(() => room.pipes.inbound.delete(nodeId));
    }
    return pipe;
  }

  private create(room: Room, nodeId: string): Promise<types.PipeTransport> {
    const { listenIp, announcedIp } = this.config;
    return room.router.createPipeTransport({
      listenInfo: { protocol: 'udp', ip: listenIp, ...(announcedIp ? { announcedIp } : {}) },
      enableSctp: true,
      numSctpStreams: { OS: 1024, MIS: 1024 },
      enableRtx: true,
      enableSrtp: true,
      appData: { pipe: nodeId },
    });
  }

  /** The sending side: pipes one of this node's own producers (or data producers) to the asking node. */
  serve(roomId: string, room: Room, request: PipeRequest): Promise<PipeOffer> {
    const key = `${request.fromNode}/${request.producerId}`;
    let offer = room.pipes.served.get(key);
    if (!offer) {
      offer = this.send(roomId, room, request);
      room.pipes.served.set(key, offer);
      offer.catch(() => room.pipes.served.delete(key));
    }
    return offer;
  }

  private async send(roomId: string, room: Room, { fromNode, end, producerId }: PipeRequest): Promise<PipeOffer> {
    const owner = [...room.peers].find(([, p]) => p.producers.has(producerId) || p.dataProducers.has(producerId));
    if (!owner) throw new SfuRequestError(`no producer ${producerId} on this node`);
    const [peerId, peer] = owner;
    const transport = await this.outbound(room, fromNode, end);
    const key = `${fromNode}/${producerId}`;
    const sender = endOf(transport);
    // The producer's end closes its pipe consumer (and only that): the receiving node must close its copy.
    const ended = () => this.remote.unpipe(fromNode, roomId, producerId);
    const producer = peer.producers.get(producerId);
    if (producer) {
      const consumer = await transport.consume({ producerId });
      consumer.observer.on('close', () => room.pipes.served.delete(key));
      consumer.on('producerclose', ended);
      return { end: sender, peerId, kind: consumer.kind, source: producer.appData.source as MediaSource, rtpParameters: consumer.rtpParameters as unknown as RtpJson, paused: consumer.producerPaused };
    }
    const consumer = await transport.consumeData({ dataProducerId: producerId });
    consumer.observer.on('close', () => room.pipes.served.delete(key));
    consumer.on('dataproducerclose', ended);
    return { end: sender, peerId, kind: 'data', sctpStreamParameters: consumer.sctpStreamParameters as unknown as RtpJson, label: consumer.label, protocol: consumer.protocol };
  }

  private outbound(room: Room, nodeId: string, end: PipeEnd): Promise<types.PipeTransport> {
    const known = room.pipes.outbound.get(nodeId);
    if (known?.end === endKey(end)) return known.transport;
    // A new end from that node: its router of the room is new, and the old pipe leads nowhere.
    void known?.transport.then((t) => t.close(), () => undefined);
    const transport = this.create(room, nodeId).then(async (t) => {
      await t.connect({ ...end, srtpParameters: end.srtpParameters as unknown as types.SrtpParameters }).catch((error: unknown) => {
        t.close();
        throw error;
      });
      return t;
    });
    room.pipes.outbound.set(nodeId, { end: endKey(end), transport });
    transport.catch(() => room.pipes.outbound.delete(nodeId));
    return transport;
  }

  /** The sending node says a piped producer closed: so does its copy here, and with it its consumers. */
  static unpipe(room: Room, producerId: string): void {
    room.piped.get(producerId)?.close();
  }
}
