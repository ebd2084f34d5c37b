import type { types } from 'mediasoup';
import type { MediaSource, RtpJson, SfuConsumerOptions, SfuDataConsumerOptions, SfuMediaList, SfuProducerInfo } from '@confer/shared';
import type { Room } from './sfuRooms.js';

/** What clients are told about a producer (or a consumer of it): `peerId` owns the media. */
export function producerInfo(p: types.Producer | types.Consumer, peerId: string): SfuProducerInfo {
  const producerId = 'producerId' in p ? p.producerId : p.id;
  return { producerId, peerId, kind: p.kind, source: p.appData.source as MediaSource };
}

export function consumerOptions(consumer: types.Consumer, owner: string): SfuConsumerOptions {
  return { ...producerInfo(consumer, owner), id: consumer.id, rtpParameters: consumer.rtpParameters as unknown as RtpJson };
}

export function dataConsumerOptions(dataConsumer: types.DataConsumer, owner: string): SfuDataConsumerOptions {
  return {
    id: dataConsumer.id,
    dataProducerId: dataConsumer.dataProducerId,
    peerId: owner,
    sctpStreamParameters: dataConsumer.sctpStreamParameters as unknown as RtpJson,
    label: dataConsumer.label,
    protocol: dataConsumer.protocol,
  };
}

/** What the peers of the room other than `peerId` send: for that peer to consume. */
export function othersMedia(room: Room, peerId: string): SfuMediaList {
  const list: SfuMediaList = { producers: [], dataProducers: [] };
  for (const [otherId, other] of room.peers) {
    if (otherId === peerId) continue;
    for (const p of other.producers.values()) list.producers.push(producerInfo(p, otherId));
    for (const d of other.dataProducers.values()) list.dataProducers.push({ dataProducerId: d.id, peerId: otherId });
  }
  return list;
}
