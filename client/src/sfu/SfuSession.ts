import { Device, type types } from 'mediasoup-client';
import type { MediaSource, SfuDataProducerInfo, SfuProducerInfo, SfuTransportOptions } from '@confer/shared';
import type { ChatChannel } from '../chat/ChatService';
import type { LinkState, LinkStats, LocalTracks, TrackSource } from '../media/mediaTypes';
import { IceRecovery } from '../net/IceRecovery';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { request, type Payload } from '../signaling/request';
import type { StatsTarget } from '../stats/StatsCollector';
import { SfuConsumers } from './SfuConsumers';

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

/** ICE restarts per transport before the whole SFU session is set up again (RoomClient.resetSfu). */
const MAX_ICE_RESTARTS = 2;
/** A 'disconnected' transport gets this long to heal by itself before its ICE restart. */
const DISCONNECTED_RESTART_MS = 2000;
/** A restart not 'connected' again within this counts as failed (then the next restart, or the re-join). */
const RESTART_TIMEOUT_MS = 10_000;

const sourceOf: Record<TrackSource, MediaSource> = { audio: 'mic', video: 'camera', screen: 'screen' };

export interface SfuSessionOptions {
  /**
   * Start idle (warm standby): transports connected, camera and microphone produced but paused (no RTP),
   * nothing consumed, no chat; `activate()` turns it into the SFU path.
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
  /** A transport did not come back after its ICE restarts: the owner sets the whole SFU session up again. */
  onTransportFailed(): void;
}

/** This participant's side of the SFU: one send transport (simulcast camera, mic), one receive transport. */
export class SfuSession {
  private device: Device | null = null;
  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private readonly producers = new Map<TrackSource, types.Producer>();
  /** The others' media; null until the receive transport exists. */
  private receiver: SfuConsumers | null = null;
  private readonly dataConsumers = new Map<string, types.DataConsumer>();
  private tracks: LocalTracks;
  private closed = false;
  private standby: boolean;
  /** Transports made and camera and microphone produced: what a standby session waits with. */
  private started = false;
  /** Producers announced while start() was still setting up, or while on standby; consumed on activation. */
  private early: SfuProducerInfo[] | null = [];
  private earlyData: SfuDataProducerInfo[] | null = [];
  private readonly recoveries: IceRecovery[] = [];
  /** Transports (by id) that are not connected right now after having been: the session is recovering. */
  private readonly recovering = new Set<string>();

  constructor(private readonly o: SfuSessionOptions) {
    this.tracks = { ...o.tracks };
    this.standby = o.standby ?? false;
  }

  /** On standby: set up, carrying nothing. */
  get idle(): boolean {
    return this.standby;
  }

  async start(): Promise<void> {
    const joined = await request(this.o.socket, 'sfu:join', { sctpCapabilities: SCTP_CAPABILITIES });
    if (this.closed) return;
    const device = (this.device = new Device());
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as unknown as types.RtpCapabilities });
    this.sendTransport = this.transport(joined.sendTransport, 'send');
    this.recvTransport = this.transport(joined.recvTransport, 'recv');
    this.early?.push(...joined.producers);
    this.earlyData?.push(...joined.dataProducers);
    const media = Promise.all([this.produce('audio'), this.produce('video')]);
    // Receiving starts with sending: the two transports negotiate independently.
    if (!this.standby) {
      await Promise.all([media, this.activateNow()]);
      return;
    }
    await media;
    this.started = true;
    if (!this.standby) await this.activateNow();
  }

  /** The room moved to the SFU: a session on standby starts sending and receiving. */
  activate(): void {
    if (!this.standby) return;
    this.standby = false;
    if (this.started) void this.activateNow().catch((error: Error) => console.warn('SFU activation failed', error.message));
  }

  /** Resumes our producers, consumes what the others send, opens chat and (if shared) our screen. */
  private async activateNow(): Promise<void> {
    const { recvTransport, device } = this;
    if (this.closed || !recvTransport || !device) return;
    // A camera turned off meanwhile stays paused.
    for (const producer of this.producers.values()) if (producer.track) producer.resume();
    const { onPeerStream, onPeerScreen, socket } = this.o;
    this.receiver = new SfuConsumers({ socket, transport: recvTransport, rtpCapabilities: device.rtpCapabilities, onPeerStream, onPeerScreen });
    this.receiver.add(this.early ?? []);
    this.early = null;
    const earlyData = this.earlyData ?? [];
    this.earlyData = null;
    // Chat failing to open must not cost the call its media.
    const chat = this.openChat().catch((error: Error) => console.warn('SFU chat channel failed', error.message));
    await Promise.all([this.produce('screen'), chat, ...earlyData.map((d) => this.consumeData(d))]);
  }

  /** Our chat channel: one data producer that every other peer consumes. */
  private async openChat(): Promise<void> {
    if (!this.sendTransport || this.closed) return;
    const producer = await this.sendTransport.produceData({ ordered: true, label: 'chat' });
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
    if (!this.recvTransport || this.closed || this.dataConsumers.has(info.dataProducerId)) return;
    const options = await request(this.o.socket, 'sfu:consume-data', { dataProducerId: info.dataProducerId });
    const consumer = await this.recvTransport.consumeData({
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

  private transport(options: SfuTransportOptions, direction: 'send' | 'recv'): types.Transport {
    if (!this.device) throw new Error('device not loaded');
    const params = {
      id: options.id,
      iceParameters: options.iceParameters as unknown as types.IceParameters,
      iceCandidates: options.iceCandidates as unknown as types.IceCandidate[],
      dtlsParameters: options.dtlsParameters as unknown as types.DtlsParameters,
      ...(options.sctpParameters ? { sctpParameters: options.sctpParameters as unknown as types.SctpParameters } : {}),
      iceServers: this.o.rtcConfig.iceServers,
      iceTransportPolicy: this.o.rtcConfig.iceTransportPolicy,
    };
    const transport = direction === 'send' ? this.device.createSendTransport(params) : this.device.createRecvTransport(params);
    this.watchIce(transport);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(this.o.socket, 'sfu:connect', { transportId: transport.id, dtlsParameters: dtlsParameters as unknown as Payload<'sfu:connect'>['dtlsParameters'] }).then(
        () => callback(),
        errback,
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData.source as MediaSource;
        request(this.o.socket, 'sfu:produce', { transportId: transport.id, kind, source, rtpParameters: rtpParameters as unknown as Payload<'sfu:produce'>['rtpParameters'] }).then(
          ({ producerId }) => callback({ id: producerId }),
          errback,
        );
      });
      transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
        request(this.o.socket, 'sfu:produce-data', { transportId: transport.id, sctpStreamParameters: { ...sctpStreamParameters, streamId: sctpStreamParameters.streamId ?? 0 }, label, protocol }).then(
          ({ dataProducerId }) => callback({ id: dataProducerId }),
          errback,
        );
      });
    }
    return transport;
  }

  /**
   * ICE recovery for one transport, the same policy as a mesh link's (IceRecovery): the SFU restarts its
   * side's ICE and hands back new credentials, which the browser side takes with transport.restartIce.
   */
  private watchIce(transport: types.Transport): void {
    const recovery = new IceRecovery({
      maxRestarts: MAX_ICE_RESTARTS,
      disconnectedWaitMs: DISCONNECTED_RESTART_MS,
      restartTimeoutMs: RESTART_TIMEOUT_MS,
      restart: async () => {
        const { iceParameters } = await request(this.o.socket, 'sfu:restart-ice', { transportId: transport.id });
        if (!transport.closed) await transport.restartIce({ iceParameters: iceParameters as unknown as types.IceParameters });
      },
      onRestart: (attempt) => console.warn(`SFU ${transport.direction} transport ${transport.connectionState}: ICE restart ${attempt}/${MAX_ICE_RESTARTS}`),
      onGiveUp: () => !this.closed && this.o.onTransportFailed(),
    });
    this.recoveries.push(recovery);
    transport.on('connectionstatechange', (state) => {
      if (this.closed) return;
      recovery.update(state);
      // A transport that has not connected yet is starting, not recovering; one that was up and is not is.
      const wasRecovering = this.recovering.size > 0;
      if (state === 'connected') this.recovering.delete(transport.id);
      else if (state === 'disconnected' || state === 'failed') this.recovering.add(transport.id);
      const isRecovering = this.recovering.size > 0;
      if (isRecovering !== wasRecovering) this.o.onLinkState(isRecovering ? 'reconnecting' : 'connected');
    });
  }

  /** Sends a track; on standby paused (no RTP at all), and no screen. */
  private async produce(kind: TrackSource): Promise<void> {
    const track = this.tracks[kind];
    if (!track || !this.sendTransport || this.producers.has(kind) || this.closed || (kind === 'screen' && this.standby)) return;
    const encodings = { audio: undefined, video: SIMULCAST_ENCODINGS, screen: SCREEN_ENCODINGS }[kind];
    const producer = await this.sendTransport.produce({
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
    for (const transport of [this.sendTransport, this.recvTransport]) {
      if (transport && !transport.closed) await transport.updateIceServers({ iceServers }).catch(() => undefined);
    }
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
    const { sendTransport } = this;
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
    this.receiver?.close();
    for (const recovery of this.recoveries) recovery.dispose();
    this.sendTransport?.close();
    this.recvTransport?.close();
    if (leaveServer) void request(this.o.socket, 'sfu:leave', {}).catch(() => undefined);
  }
}
