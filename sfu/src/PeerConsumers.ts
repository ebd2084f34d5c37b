import type { types } from 'mediasoup';
import type { RtpJson, SfuConsumerOptions, SfuDataConsumerOptions } from '@confer/shared';
import type { RoomPipes } from './RoomPipes.js';
import { SfuRequestError, type SfuEvent } from './Sfu.js';
import { START_LAYERS, startLow } from './simulcastStart.js';
import { keepFor, type PeerMedia, type Room } from './sfuRooms.js';
import { consumerOptions, dataConsumerOptions } from './wireShapes.js';

export const recvTransport = (peer: PeerMedia): types.WebRtcTransport | undefined => [...peer.transports.values()].find((t) => t.appData.direction === 'recv');

/**
 * A batch request: what succeeds of it. Items refused (a producer or consumer closed meanwhile) are left
 * out; only when every item is refused is the first refusal the answer.
 */
export async function eachOf<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
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

type At = { room: Room; peer: PeerMedia };

/** A peer's consumers and data consumers of the others' media: one per producer, told when it closes. */
export class PeerConsumers {
  constructor(
    private readonly emit: (event: SfuEvent) => void,
    private readonly pipes: () => RoomPipes | null,
  ) {}

  /** One consumer per (peer, producer): asking again returns the one there is (a client retrying a timed-out request). */
  async newConsumer(roomId: string, peerId: string, { room, peer }: At, producerId: string, rtpCapabilities: RtpJson): Promise<SfuConsumerOptions> {
    const caps = rtpCapabilities as unknown as types.RtpCapabilities;
    const found = await this.find(roomId, room, producerId);
    if (!found || !room.router.canConsume({ producerId, rtpCapabilities: caps })) throw new SfuRequestError(`cannot consume producer ${producerId}`);
    const transport = recvTransport(peer);
    if (!transport) throw new SfuRequestError('no receive transport');
    const { peerId: owner, source } = found;
    const existing = [...peer.consumers.values()].find((c) => c.producerId === producerId);
    if (existing) return consumerOptions(existing, owner);
    const made = await transport.consume({ producerId, rtpCapabilities: caps, paused: true, preferredLayers: START_LAYERS, appData: { peerId: owner, source } });
    const consumer = keepFor(room, peerId, peer, made);
    startLow(consumer);
    this.track(peer.consumers, consumer, 'producerclose', { type: 'producer-closed', roomId, peerId, producerId });
    return consumerOptions(consumer, owner);
  }

  /** One data consumer per (peer, data producer): asking again returns the one there is. */
  async newDataConsumer(roomId: string, peerId: string, { room, peer }: At, dataProducerId: string): Promise<SfuDataConsumerOptions> {
    const transport = recvTransport(peer);
    if (!transport?.sctpParameters) throw new SfuRequestError('no receive transport with data channels');
    const owner = (await this.find(roomId, room, dataProducerId))?.peerId;
    if (!owner || owner === peerId) throw new SfuRequestError(`no data producer ${dataProducerId} of another peer`);
    const existing = [...peer.dataConsumers.values()].find((c) => c.dataProducerId === dataProducerId);
    if (existing) return dataConsumerOptions(existing, owner);
    const dataConsumer = keepFor(room, peerId, peer, await transport.consumeData({ dataProducerId, appData: { peerId: owner } }));
    this.track(peer.dataConsumers, dataConsumer, 'dataproducerclose', { type: 'producer-closed', roomId, peerId, producerId: dataProducerId });
    return dataConsumerOptions(dataConsumer, owner);
  }

  /**
   * Who sends a producer (or data producer) of the room: a peer here, or one on another media node whose
   * media is piped in (now, if this is the first time it is asked for here).
   */
  private async find(roomId: string, room: Room, producerId: string): Promise<{ peerId: string; source: unknown } | null> {
    const here = (): { peerId: string; source: unknown } | null => {
      for (const [peerId, p] of room.peers) {
        const media = p.producers.get(producerId) ?? p.dataProducers.get(producerId);
        if (media) return { peerId, source: media.appData.source };
      }
      const piped = room.piped.get(producerId);
      return piped ? { peerId: String(piped.appData.peerId), source: piped.appData.source } : null;
    };
    return here() ?? ((await this.pipes()?.pull(roomId, room, producerId)) ? here() : null);
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
}
