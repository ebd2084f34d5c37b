import type { types } from 'mediasoup';

/**
 * Where a simulcast consumer starts. mediasoup 3.13 fixes a consumer's RTP timestamp reference at the first
 * layer it targets, and moves to another layer only once both have sent an RTCP Sender Report. A sender that
 * drops a layer (bandwidth, CPU) before that layer's first report freezes every consumer that started on it,
 * for good (versatica/mediasoup#492, fixed only in 3.14.x): seen as a participant whose video never showed on
 * anyone's page after a switch to the SFU. So a consumer starts on the lowest layer, the one senders keep
 * longest, and goes to the layer its receiver asks for once it forwards something.
 */
export const START_LAYERS: types.ConsumerLayers = { spatialLayer: 0 };

/** The layer asked for while the consumer had not forwarded anything yet. */
const asked = new WeakMap<types.Consumer, number>();

/** Called once per new consumer: the layer asked for meanwhile applies with its first forwarded layer. */
export function startLow(consumer: types.Consumer): void {
  if (consumer.type !== 'simulcast') return;
  const started = (layers?: types.ConsumerLayers) => {
    if (!layers) return;
    consumer.off('layerschange', started);
    const layer = asked.get(consumer);
    asked.delete(consumer);
    // The consumer can close before the worker answers: nothing is left to apply then.
    if (layer !== undefined && layer !== START_LAYERS.spatialLayer) consumer.setPreferredLayers({ spatialLayer: layer }).catch(() => undefined);
  };
  consumer.on('layerschange', started);
}

/** The spatial layer the receiver wants: now if the consumer forwards already, else once it does. */
export async function preferLayer(consumer: types.Consumer, spatialLayer: number): Promise<void> {
  if (consumer.type !== 'simulcast') return;
  if (consumer.currentLayers) await consumer.setPreferredLayers({ spatialLayer });
  else asked.set(consumer, spatialLayer);
}
