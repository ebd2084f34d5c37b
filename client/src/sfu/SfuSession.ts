import { Device, type types } from 'mediasoup-client';
import type { MediaSource, SfuDataProducerInfo, SfuProducerInfo } from '@confer/shared';
import type { ChatChannel } from '../chat/ChatService';
import type { LinkState, LinkStats, LocalTracks, TrackSource } from '../media/mediaTypes';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { request } from '../signaling/request';
import type { StatsTarget } from '../stats/StatsCollector';
import { SfuConsumers } from './SfuConsumers';
import { SfuTransports } from './SfuTransports';

/** Three simulcast layers (quarter, half, full resolution) with bitrate caps in the range the field uses. */
export const SIMULCAST_ENCODINGS: types.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/** A shared screen is one stream of its own: full resolution for legible text, a higher cap than the camera's top layer. */
export const SCREEN_ENCODINGS: types.RtpEncodingParameters[] = [{ maxBitrate: 2_500_000 }];

/**
 * The SCTP capabilities mediasoup-client reports for Chrome (handlers/Chrome111: 1024 streams each way);
 * sent with sfu:join, before the device can be loaded with the router's capabilities from its answer.
 */
const SCTP_CAPABILITIES = { numStreams: { OS: 1024, MIS: 1024 } };

const sourceOf: Record<TrackSource, MediaSource> = { audio: 'mic', video: 'camera', screen: 'screen' };

export interface SfuSessionOptions {
  /**
   * Start idle (warm standby): transports connected, camera and microphone produced but paused (no RTP),
   * nothing consumed, no chat; `activate()` turns it into the SFU path, `deactivate()` idle again.
   */
  standby?: boolean;
  socket: SignalingSocket;
  rtcConfig: Pick<RTCConfiguration, 'iceServers' | 'iceTransportPolicy'>;
  tracks: LocalTracks;
  /** A peer's media arrives through the SFU and decodes (make-before-break: only then is it shown). */
  onPeerStream(peerId: string, stream: MediaStream): void;
  /** A peer's shared screen decodes through the SFU; null once it stopped. */
  onPeerScreen(peerId: string, stream: MediaStream | null): void;
  /** Our chat channel into the SFU opened (null: closed), and what arrives from the others' channels. */
  onChatChannel(channel: ChatChannel | null): void;
  /** A chat packet from `peerId`'s data producer. */
  onChatMessage(data: string, peerId: string): void;
  /**
   * Another peer's chat channel now reaches us. What it sent before this (the SFU drops messages for a
   * receiver whose data channel is not open yet) has to be fetched as history.
   */
  onChatPeerOpen(): void;
  /**
   * How our SFU media is doing: 'reconnecting' while a transport recovers (ICE restarts), 'connected'
   * once both are up again. The remote tiles shown via the SFU show it.
   */
  onLinkState(state: Extract<LinkState, 'connected' | 'reconnecting'>): void;
  /**
   * The session cannot go on (a transport did not come back after its ICE restarts, or going idle failed):
   * the owner sets the whole SFU session up again.
   */
  onTransportFailed(): void;
}

/** This participant's side of the SFU: one send transport (simulcast camera, mic), one receive transport. */
export class SfuSession {
  private device: Device | null = null;
  private transports: SfuTransports | null = null;
  private readonly producers = new Map<TrackSource, types.Producer>();
  /** The others' media; null until the receive transport exists. */
  private receiver: SfuConsumers | null = null;
  private readonly dataConsumers = new Map<string, types.DataConsumer>();
  private tracks: LocalTracks;
  private closed = false;
  private standby: boolean;
  /** Start, activations and deactivations, one after the other: each works on what the last one left. */
  private steps: Promise<void> = Promise.resolve();
  private chatProducer: types.DataProducer | null = null;
  /** Producers announced while start() was still setting up, or while on standby; consumed on activation. */
  private early: SfuProducerInfo[] | null = [];
  private earlyData: SfuDataProducerInfo[] | null = [];

  constructor(private readonly o: SfuSessionOptions) {
    this.tracks = { ...o.tracks };
    this.standby = o.standby ?? false;
  }

  /** On standby: set up, carrying nothing. */
  get idle(): boolean {
    return this.standby;
  }

  start(): Promise<void> {
    const started = this.startNow();
    this.steps = started.catch(() => undefined);
    return started;
  }

  private async startNow(): Promise<void> {
    const joined = await request(this.o.socket, 'sfu:join', { sctpCapabilities: SCTP_CAPABILITIES });
    if (this.closed) return;
    const device = (this.device = new Device());
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as unknown as types.RtpCapabilities });
    const { socket, rtcConfig, onLinkState, onTransportFailed } = this.o;
    this.transports = new SfuTransports(device, joined, { socket, rtcConfig, onLinkState, onTransportFailed });
    this.early?.push(...joined.producers);
    this.earlyData?.push(...joined.dataProducers);
    const media = Promise.all([this.produce('audio'), this.produce('video')]);
    // Receiving starts with sending: the two transports negotiate independently.
    await Promise.all([media, this.standby ? undefined : this.activateNow()]);
  }

  /** The room moved to the SFU: a session on standby starts sending and receiving. */
  activate(): void {
    if (!this.standby || this.closed) return;
    this.standby = false;
    this.step('activation', () => this.activateNow());
  }

  /**
   * The room is back on the mesh and the standby still wanted: stop carrying media but keep the transports
   * and the camera and microphone producers, so that the next switch is again only "resume and consume".
   */
  deactivate(): void {
    if (this.standby || this.closed) return;
    this.standby = true;
    this.step('standby', () => this.idleNow());
  }

  private step(what: string, fn: () => Promise<void>): void {
    this.steps = this.steps.then(() => (this.closed ? undefined : fn())).catch((error: Error) => console.warn(`SFU ${what} failed`, error.message));
  }

  /** Resumes our producers, consumes what the others send, opens chat and (if shared) our screen. */
  private async activateNow(): Promise<void> {
    const { transports, device } = this;
    // Already active: an activate() while start() was joining is queued after the start, which activated itself.
    if (this.closed || !transports || !device || this.receiver) return;
    // A camera turned off meanwhile stays paused.
    for (const producer of this.producers.values()) if (producer.track) producer.resume();
    const { onPeerStream, onPeerScreen, socket } = this.o;
    this.receiver = new SfuConsumers({ socket, transport: transports.recv, rtpCapabilities: device.rtpCapabilities, onPeerStream, onPeerScreen });
    this.receiver.add(this.early ?? []);
    this.early = null;
    // Listed by the server and announced meanwhile: the same channel once.
    const earlyData = [...new Map((this.earlyData ?? []).map((d) => [d.dataProducerId, d])).values()];
    this.earlyData = null;
    // Chat failing to open must not cost the call its media.
    const chat = this.openChat().catch((error: Error) => console.warn('SFU chat channel failed', error.message));
    await Promise.all([this.produce('screen'), chat, ...earlyData.map((d) => this.consumeData(d))]);
  }

  /** Back to what a standby session holds: consumers, chat and screen go (on the server too), camera and mic pause. */
  private async idleNow(): Promise<void> {
    // What is announced from now on waits for the next activation, with what the server lists below.
    this.early = [];
    this.earlyData = [];
    this.receiver?.close();
    this.receiver = null;
    for (const consumer of this.dataConsumers.values()) consumer.close();
    this.dataConsumers.clear();
    this.chatProducer?.close();
    this.chatProducer = null;
    this.o.onChatChannel(null);
    this.producers.get('screen')?.close();
    this.producers.delete('screen');
    for (const producer of this.producers.values()) producer.pause();
    const others = await request(this.o.socket, 'sfu:idle', {}).catch(() => null);
    // Without the list the next switch would not know what to consume: set the standby up afresh instead.
    if (!others) return this.o.onTransportFailed();
    this.early?.push(...others.producers);
    this.earlyData?.push(...others.dataProducers);
  }

  /** Our chat channel: one data producer that every other peer consumes. */
  private async openChat(): Promise<void> {
    if (!this.transports || this.closed) return;
    const producer = await this.transports.send.produceData({ ordered: true, label: 'chat' });
    this.chatProducer = producer;
    const opened = () => this.o.onChatChannel({ send: (data) => producer.readyState === 'open' && producer.send(data) });
    // On a transport whose SCTP association is up already, the channel can open before produceData returns.
    if (producer.readyState === 'open') opened();
    else producer.on('open', opened);
    producer.on('close', () => this.o.onChatChannel(null));
    producer.on('transportclose', () => this.o.onChatChannel(null));
  }

  /** Receives another peer's chat channel. */
  async consumeData(info: SfuDataProducerInfo): Promise<void> {
    if (this.earlyData) {
      this.earlyData.push(info);
      return;
    }
    if (!this.transports || this.closed || this.dataConsumers.has(info.dataProducerId)) return;
    const options = await request(this.o.socket, 'sfu:consume-data', { dataProducerId: info.dataProducerId });
    const consumer = await this.transports.recv.consumeData({
      id: options.id,
      dataProducerId: options.dataProducerId,
      sctpStreamParameters: options.sctpStreamParameters as unknown as types.SctpStreamParameters,
      label: options.label,
      protocol: options.protocol,
    });
    this.dataConsumers.set(info.dataProducerId, consumer);
    consumer.on('message', (data: unknown) => {
      if (typeof data === 'string') this.o.onChatMessage(data, info.peerId);
    });
    if (consumer.readyState === 'open') this.o.onChatPeerOpen();
    else consumer.on('open', () => this.o.onChatPeerOpen());
  }

  /** Sends a track; on standby paused (no RTP at all), and no screen. */
  private async produce(kind: TrackSource): Promise<void> {
    const track = this.tracks[kind];
    if (!track || !this.transports || this.producers.has(kind) || this.closed || (kind === 'screen' && this.standby)) return;
    const encodings = { audio: undefined, video: SIMULCAST_ENCODINGS, screen: SCREEN_ENCODINGS }[kind];
    const producer = await this.transports.send.produce({
      track,
      stopTracks: false,
      // Paused means no RTP to the SFU, with the track itself left alone: the mesh sends the same track.
      zeroRtpOnPause: true,
      disableTrackOnPause: false,
      appData: { source: sourceOf[kind] },
      ...(encodings ? { encodings, codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
    });
    this.producers.set(kind, producer);
    if (this.standby) producer.pause();
  }

  /** Another peer's producer: consumed with any others announced at about the same time (SfuConsumers). */
  consume(info: SfuProducerInfo): void {
    if (this.early) this.early.push(info);
    else if (!this.closed) this.receiver?.add([info]);
  }

  isShowing(peerId: string): boolean {
    return this.receiver?.isShowing(peerId) ?? false;
  }

  /** The producer (or data producer) of a peer went away (it left the SFU, or stopped sharing its screen). */
  removeProducer(producerId: string): void {
    this.early = this.early?.filter((p) => p.producerId !== producerId) ?? null;
    this.earlyData = this.earlyData?.filter((d) => d.dataProducerId !== producerId) ?? null;
    this.dataConsumers.get(producerId)?.close();
    this.dataConsumers.delete(producerId);
    this.receiver?.removeProducer(producerId);
  }

  removePeer(peerId: string): void {
    this.early = this.early?.filter((p) => p.peerId !== peerId) ?? null;
    this.earlyData = this.earlyData?.filter((d) => d.peerId !== peerId) ?? null;
    this.receiver?.removePeer(peerId);
  }

  /**
   * Device switch or camera on/off: swap the producer's track (first camera-on produces). A stopped
   * screen share closes its producer, so its viewers' consumers close too.
   */
  async replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): Promise<void> {
    this.tracks[kind] = track;
    const producer = this.producers.get(kind);
    if (kind === 'screen' && producer && !track) {
      producer.close();
      this.producers.delete(kind);
      await request(this.o.socket, 'sfu:close-producer', { producerId: producer.id }).catch(() => undefined);
      return;
    }
    if (!producer) return this.produce(kind);
    await producer.replaceTrack({ track });
    if (track && !this.standby) producer.resume();
    else producer.pause();
  }

  /** New TURN credentials for both transports (mediasoup-client applies them to its connections). */
  async setIceServers(iceServers: RTCIceServer[]): Promise<void> {
    await this.transports?.setIceServers(iceServers);
  }

  /** Stops (or restarts) forwarding a peer's video to us: its tile is off screen, or the page is hidden. */
  async setVideoPaused(peerId: string, paused: boolean): Promise<void> {
    await this.receiver?.setVideoPaused(peerId, paused);
  }

  /** Follows the size a peer's tile is rendered at: small tiles get the low layer. */
  async setPreferredWidth(peerId: string, width: number): Promise<void> {
    await this.receiver?.setPreferredWidth(peerId, width);
  }

  async stats(): Promise<Record<string, LinkStats & { path: 'sfu' }>> {
    return (await this.receiver?.stats()) ?? {};
  }

  /** Both transports for the stats collector: our producers' tracks, and each consumer's track by its peer. */
  statsTargets(): StatsTarget[] {
    const targets: StatsTarget[] = [];
    const sendTransport = this.transports?.send;
    if (sendTransport && !sendTransport.closed) {
      const label = ({ trackIdentifier }: { trackIdentifier: string | null }) => {
        const producer = [...this.producers.values()].find((p) => p.track?.id === trackIdentifier);
        return producer ? { source: producer.appData.source as MediaSource, peerId: null } : null;
      };
      targets.push({ context: { id: 'sfu:send', path: 'sfu', peerId: null, direction: 'send', label }, getStats: () => sendTransport.getStats() });
    }
    const received = this.receiver?.statsTarget();
    if (received) targets.push(received);
    return targets;
  }

  /** Closes this side; `leaveServer` also tells the SFU (not needed when the SFU itself was lost). */
  close(leaveServer = true): void {
    if (this.closed) return;
    this.closed = true;
    // Transports first: their consumers close with them, with no renegotiation each.
    this.transports?.close();
    this.receiver?.close();
    if (leaveServer) void request(this.o.socket, 'sfu:leave', {}).catch(() => undefined);
  }
}
