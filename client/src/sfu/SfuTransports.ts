import type { Device, types } from 'mediasoup-client';
import type { MediaSource, SfuJoinResponse, SfuTransportOptions } from '@confer/shared';
import type { LinkState } from '../media/mediaTypes';
import { IceRecovery } from '../net/IceRecovery';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { request, type Payload } from '../signaling/request';

/** ICE restarts per transport before the whole SFU session is set up again (MediaPaths.resetSfu). */
const MAX_ICE_RESTARTS = 2;
/** A 'disconnected' transport gets this long to heal by itself before its ICE restart. */
const DISCONNECTED_RESTART_MS = 2000;
/** A restart not 'connected' again within this counts as failed (then the next restart, or the re-join). */
const RESTART_TIMEOUT_MS = 10_000;

export interface SfuTransportsOptions {
  socket: SignalingSocket;
  rtcConfig: Pick<RTCConfiguration, 'iceServers' | 'iceTransportPolicy'>;
  /** 'reconnecting' while either transport recovers (ICE restarts), 'connected' once both are up again. */
  onLinkState(state: Extract<LinkState, 'connected' | 'reconnecting'>): void;
  /** A transport did not come back after its ICE restarts. */
  onTransportFailed(): void;
}

/**
 * A session's send and receive transports: their DTLS and produce hand-offs to the server, their ICE
 * recovery, and the one link state both of them make.
 */
export class SfuTransports {
  readonly send: types.Transport;
  readonly recv: types.Transport;
  private readonly recoveries: IceRecovery[] = [];
  /** Transports (by id) that are not connected right now after having been: the session is recovering. */
  private readonly recovering = new Set<string>();
  private closed = false;

  constructor(
    private readonly device: Device,
    joined: Pick<SfuJoinResponse, 'sendTransport' | 'recvTransport'>,
    private readonly o: SfuTransportsOptions,
  ) {
    this.send = this.create(joined.sendTransport, 'send');
    this.recv = this.create(joined.recvTransport, 'recv');
  }

  private create(options: SfuTransportOptions, direction: 'send' | 'recv'): types.Transport {
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
    const { socket } = this.o;
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(socket, 'sfu:connect', { transportId: transport.id, dtlsParameters: dtlsParameters as unknown as Payload<'sfu:connect'>['dtlsParameters'] }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        const source = appData.source as MediaSource;
        request(socket, 'sfu:produce', { transportId: transport.id, kind, source, rtpParameters: rtpParameters as unknown as Payload<'sfu:produce'>['rtpParameters'] }).then(
          ({ producerId }) => callback({ id: producerId }),
          errback,
        );
      });
      transport.on('producedata', ({ sctpStreamParameters, label, protocol }, callback, errback) => {
        request(socket, 'sfu:produce-data', { transportId: transport.id, sctpStreamParameters: { ...sctpStreamParameters, streamId: sctpStreamParameters.streamId ?? 0 }, label, protocol }).then(
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

  /** New TURN credentials for both transports (mediasoup-client applies them to its connections). */
  async setIceServers(iceServers: RTCIceServer[]): Promise<void> {
    for (const transport of [this.send, this.recv]) {
      if (!transport.closed) await transport.updateIceServers({ iceServers }).catch(() => undefined);
    }
  }

  close(): void {
    this.closed = true;
    for (const recovery of this.recoveries) recovery.dispose();
    this.send.close();
    this.recv.close();
  }
}
