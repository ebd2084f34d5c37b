import type { types } from 'mediasoup-client';
import type { MediaSource, SfuConsumerOptions, SfuProducerInfo } from '@confer/shared';
import { waitUntilDecoding } from '../media/decodeWaiter';
import { linkStats } from '../media/linkStats';
import type { LinkStats } from '../media/mediaTypes';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { request, type Payload } from '../signaling/request';
import { toRawStats } from '../stats/buildStats';
import type { StatsTarget } from '../stats/StatsCollector';

/**
 * Producers announced within this long of each other are consumed together: one request, and one
 * renegotiation of the receive transport (mediasoup-client creates consumers asked for in the same tick
 * at once). Each renegotiation took 0.1-0.7 s on a busy page, and a switch to the SFU brings a burst of them.
 */
/** A consumer set up on our side, with what the server said of it and the tile group it went to. */
interface Received {
  consumer: types.Consumer;
  options: SfuConsumerOptions;
  peer: [string, PeerConsumers, boolean];
}
/** Closed producers remembered (a few seconds' worth in any room). */
const GONE_KEPT = 256;
const BATCH_MS = 40;
/** A batch whose request failed (timed out on a starved page, or the server was busy) is asked for again, this many times at most, this much later each time. */
const CONSUME_RETRIES = 3;
const CONSUME_RETRY_MS = 1000;

/** The spatial layer worth receiving for a tile rendered `width` CSS pixels wide. */
export function layerForWidth(width: number): number {
  return width < 240 ? 0 : width < 480 ? 1 : 2;
}

export interface SfuConsumersOptions {
  socket: SignalingSocket;
  transport: types.Transport;
  rtpCapabilities: types.RtpCapabilities;
  /** A peer's media arrives through the SFU and decodes (make-before-break: only then is it shown). */
  onPeerStream(peerId: string, stream: MediaStream): void;
  /** A peer's shared screen decodes through the SFU; null once it stopped. */
  onPeerScreen(peerId: string, stream: MediaStream | null): void;
}

interface PeerConsumers {
  stream: MediaStream;
  consumers: Map<string, types.Consumer>;
  shown: boolean;
}

/** The receiving side of an SFU session: the others' producers, consumed in batches, grouped by peer. */
export class SfuConsumers {
  /** Each peer's microphone and camera... */
  private readonly peers = new Map<string, PeerConsumers>();
  /** ...and its shared screen. */
  private readonly screens = new Map<string, PeerConsumers>();
  private readonly preferred = new Map<string, number>();
  /** Peers whose camera we do not receive now (setVideoPaused). */
  private readonly videoPaused = new Set<string>();
  /** Producers asked for (the same one can be both in the join answer and announced while joining). */
  private readonly consumed = new Set<string>();
  private batch: SfuProducerInfo[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failed requests so far, per producer still to consume. */
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
  /**
   * Producers that closed after we asked to consume them: the answer can arrive after the close (in a cluster
   * the close comes from the media node, the answer through another server), and such a consumer would wait
   * for frames for ever. The last few are kept.
   */
  private readonly gone = new Set<string>();

  constructor(private readonly o: SfuConsumersOptions) {}

  /** Consumes these producers of other peers, together with any announced in the next moments. */
  add(producers: SfuProducerInfo[]): void {
    // One by one: the same producer can be in a list twice (the join answer and an announcement while joining),
    // and consuming it twice in one batch fails the whole renegotiation (one SSRC on two m-lines).
    for (const p of producers) {
      if (this.consumed.has(p.producerId)) continue;
      this.consumed.add(p.producerId);
      this.batch.push(p);
    }
    if (this.batch.length > 0 && this.flushTimer === undefined) this.flushTimer = setTimeout(() => void this.flush(), BATCH_MS);
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const batch = this.batch;
    this.batch = [];
    if (this.closed || batch.length === 0) return;
    const rtpCapabilities = this.o.rtpCapabilities as unknown as Payload<'sfu:consume'>['rtpCapabilities'];
    let consumers: SfuConsumerOptions[];
    try {
      ({ consumers } = await request(this.o.socket, 'sfu:consume', { producerIds: batch.map((p) => p.producerId), rtpCapabilities }));
    } catch (error) {
      // Nothing was made: ask again in a moment (and any later announcement of these producers consumes them too).
      for (const p of batch) this.consumed.delete(p.producerId);
      console.warn('consume failed', (error as Error).message);
      return this.retry(batch);
    }
    const received: Received[] = [];
    try {
      if (this.closed) return;
      // In one tick, so that mediasoup-client sets them all up in one renegotiation.
      await Promise.all(consumers.filter((c) => !this.gone.has(c.producerId)).map(async (options) => received.push(await this.receive(options))));
      // A close that came while they were being set up: undone here, as removeProducer would have done.
      for (const { options } of received) if (this.gone.has(options.producerId)) this.removeProducer(options.producerId);
      const made = received.filter(({ consumer }) => !consumer.closed);
      if (this.closed || made.length === 0) {
        // Closed meanwhile (the session went idle): these came too late to be closed with the rest.
        for (const { consumer } of made) consumer.close();
        return;
      }
      // The server made them paused: a peer's video stays so while its tile is off screen (the camera may come
      // a batch after the microphone, once the peer is already shown and its tile already reported hidden).
      const stayPaused = ({ consumer, peer: [peerId, , screen] }: Received) => consumer.kind === 'video' && !screen && this.videoPaused.has(peerId);
      for (const { consumer } of made.filter(stayPaused)) consumer.pause();
      const resume = made.filter((r) => !stayPaused(r)).map(({ consumer }) => consumer.id);
      if (resume.length > 0) await request(this.o.socket, 'sfu:resume', { consumerIds: resume });
      for (const p of batch) this.failures.delete(p.producerId);
      await Promise.all(made.map(({ consumer, options }) => this.applyLayer(options.peerId, consumer)));
      for (const peer of new Set(made.map(({ peer }) => peer))) void this.showWhenFlowing(peer);
    } catch (error) {
      // Set up but never resumed (the resume timed out on a starved page), or not all set up: such consumers
      // would wait for frames for ever. They go, and the batch is asked again (the server hands back the
      // consumers it already made, to resume them this time).
      for (const { options } of received) this.closeConsumersOf(options.producerId);
      for (const p of batch) this.consumed.delete(p.producerId);
      console.warn('consume failed', (error as Error).message);
      this.retry(batch);
    }
  }

  /** Asks again for a failed batch, after a pause; a producer closed meanwhile is left out by the server. */
  private retry(batch: SfuProducerInfo[]): void {
    const again = batch.filter((p) => {
      const failed = (this.failures.get(p.producerId) ?? 0) + 1;
      this.failures.set(p.producerId, failed);
      return failed <= CONSUME_RETRIES;
    });
    if (this.closed || again.length === 0) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.closed) this.add(again);
    }, CONSUME_RETRY_MS);
    this.retryTimers.add(timer);
  }

  private async receive(options: SfuConsumerOptions): Promise<Received> {
    const consumer = await this.o.transport.consume({ id: options.id, producerId: options.producerId, kind: options.kind, rtpParameters: options.rtpParameters as unknown as types.RtpParameters });
    const screen = options.source === 'screen';
    const group = screen ? this.screens : this.peers;
    let peer = group.get(options.peerId);
    if (!peer) group.set(options.peerId, (peer = { stream: new MediaStream(), consumers: new Map(), shown: false }));
    peer.consumers.set(consumer.id, consumer);
    peer.stream.addTrack(consumer.track);
    return { consumer, options, peer: [options.peerId, peer, screen] };
  }

  private async applyLayer(peerId: string, consumer: types.Consumer): Promise<void> {
    const layer = this.preferred.get(peerId);
    if (consumer.kind === 'video' && layer !== undefined && this.peers.get(peerId)?.consumers.has(consumer.id)) await request(this.o.socket, 'sfu:layers', { consumerId: consumer.id, spatialLayer: layer });
  }

  /** Hands the peer's stream over only once its media really arrives, so its tile never blanks. */
  private async showWhenFlowing([peerId, peer, screen]: [string, PeerConsumers, boolean]): Promise<void> {
    const group = screen ? this.screens : this.peers;
    // An earlier batch's wait for this peer may show it first.
    const arrived = await waitUntilDecoding(() => this.peerStats(peer), {
      // Video paused (its tile is off screen) never decodes: then the sound is what says the peer is here.
      expectVideo: () => [...peer.consumers.values()].some((c) => c.kind === 'video' && !c.paused),
      alive: () => !peer.shown && !this.closed && group.get(peerId) === peer,
    });
    if (!arrived) return;
    peer.shown = true;
    (screen ? this.o.onPeerScreen : this.o.onPeerStream)(peerId, peer.stream);
  }

  isShowing(peerId: string): boolean {
    return this.peers.get(peerId)?.shown ?? false;
  }

  /** The producer of a peer went away (it left the SFU, or stopped sharing its screen). */
  removeProducer(producerId: string): void {
    if (this.consumed.has(producerId)) {
      this.gone.add(producerId);
      if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.values().next().value!);
    }
    this.batch = this.batch.filter((p) => p.producerId !== producerId);
    this.closeConsumersOf(producerId);
  }

  private closeConsumersOf(producerId: string): void {
    for (const group of [this.peers, this.screens]) {
      for (const [peerId, peer] of group) {
        for (const [id, consumer] of peer.consumers) {
          if (consumer.producerId !== producerId) continue;
          peer.stream.removeTrack(consumer.track);
          consumer.close();
          peer.consumers.delete(id);
        }
        // A share that stopped is gone; the next one arrives as a new stream.
        if (group === this.screens && peer.consumers.size === 0) {
          group.delete(peerId);
          this.o.onPeerScreen(peerId, null);
        }
      }
    }
  }

  removePeer(peerId: string): void {
    this.videoPaused.delete(peerId);
    for (const group of [this.peers, this.screens]) {
      for (const consumer of group.get(peerId)?.consumers.values() ?? []) consumer.close();
      group.delete(peerId);
    }
  }

  /** Stops (or restarts) forwarding a peer's video to us: its tile is off screen, or the page is hidden. */
  async setVideoPaused(peerId: string, paused: boolean): Promise<void> {
    if (paused) this.videoPaused.add(peerId);
    else this.videoPaused.delete(peerId);
    for (const consumer of this.peers.get(peerId)?.consumers.values() ?? []) {
      if (consumer.kind !== 'video' || consumer.closed || consumer.paused === paused) continue;
      if (paused) consumer.pause();
      else consumer.resume();
      const answer = paused ? request(this.o.socket, 'sfu:pause', { consumerId: consumer.id }) : request(this.o.socket, 'sfu:resume', { consumerIds: [consumer.id] });
      await answer.catch(() => undefined);
    }
  }

  /** Follows the size a peer's tile is rendered at: small tiles get the low layer. */
  async setPreferredWidth(peerId: string, width: number): Promise<void> {
    const layer = layerForWidth(width);
    if (this.preferred.get(peerId) === layer) return;
    this.preferred.set(peerId, layer);
    for (const consumer of this.peers.get(peerId)?.consumers.values() ?? []) await this.applyLayer(peerId, consumer).catch(() => undefined);
  }

  private async peerStats(peer: PeerConsumers): Promise<LinkStats> {
    // A consumer whose transport just closed (SFU reset, leaving) has no stats any more. Screens are
    // consumed into a group of their own, so a peer's consumers here are its mic and camera.
    const live = [...peer.consumers.values()].filter((c) => !c.closed);
    const source = (c: types.Consumer): MediaSource => (c.kind === 'video' ? 'camera' : 'mic');
    const reports = await Promise.all(live.map(async (c) => ({ source: source(c), raw: toRawStats(await c.getStats().catch(() => new Map() as RTCStatsReport)) })));
    return linkStats(reports.flatMap(({ source, raw }) => raw.map((stats) => ({ source, stats }))));
  }

  async stats(): Promise<Record<string, LinkStats & { path: 'sfu' }>> {
    const entries = await Promise.all([...this.peers].map(async ([id, peer]) => [id, { ...(await this.peerStats(peer)), path: 'sfu' as const }] as const));
    return Object.fromEntries(entries);
  }

  /** The receive transport for the stats collector: each consumer's track by its peer. */
  statsTarget(): StatsTarget | null {
    const { transport } = this.o;
    if (transport.closed) return null;
    const label = ({ trackIdentifier }: { trackIdentifier: string | null }) => {
      for (const [group, screen] of [[this.peers, false], [this.screens, true]] as const) {
        for (const [peerId, peer] of group) {
          const consumer = [...peer.consumers.values()].find((c) => c.track.id === trackIdentifier);
          if (consumer) return { source: screen ? ('screen' as const) : consumer.kind === 'audio' ? ('mic' as const) : ('camera' as const), peerId };
        }
      }
      return null;
    };
    return { context: { id: 'sfu:recv', path: 'sfu', peerId: null, direction: 'recv', label }, getStats: () => transport.getStats() };
  }

  /** Stops consuming: the consumers close here (one renegotiation for all), the session going idle keeps the transport. */
  close(): void {
    this.closed = true;
    clearTimeout(this.flushTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    for (const group of [this.peers, this.screens]) {
      for (const peer of group.values()) for (const consumer of peer.consumers.values()) consumer.close();
    }
  }
}
