import { STANDBY_SETUP_DELAY_MS, type Signal, type SfuDataProducerInfo, type SfuProducerInfo } from '@confer/shared';
import type { ChatChannel, ChatService } from '../chat/ChatService';
import { waitUntilDecoding } from '../media/decodeWaiter';
import type { LinkState, LinkStats, LocalTracks, TrackSource } from '../media/mediaTypes';
import { MeshSession, type MeshSignal } from '../mesh/MeshSession';
import type { RetryPolicies } from '../net/RetryPolicy';
import { SfuSession } from '../sfu/SfuSession';
import type { SignalingSocket } from '../signaling/SignalingClient';
import type { StatsTarget } from '../stats/StatsCollector';
import type { PathSwitcher } from './PathSwitcher';

export interface MediaPathsOptions {
  socket: SignalingSocket;
  selfId(): string;
  rtcConfig(): RTCConfiguration;
  tracks(): LocalTracks;
  retry: Pick<RetryPolicies, 'sfuSetup' | 'relink'>;
  /** Which path each tile shows; media that decodes is handed to it. */
  paths: PathSwitcher<MediaStream>;
  chat: ChatService;
  sendSignal(to: string, signal: Signal): void;
  /** The connection state a peer's tile shows. */
  setLink(peerId: string, link: LinkState): void;
  roster(): string[];
  videoMuted(peerId: string): boolean;
}

/**
 * The two ways media travels, and their lifecycles: the mesh of peer links and the SFU session (set up
 * again after a backoff when it fails). What reaches a tile is PathSwitcher's decision, not this class's.
 */
export class MediaPaths {
  private mesh: MeshSession | null = null;
  private sfu: SfuSession | null = null;
  /** Our chat channel into the SFU, which also carries replies to history requests arriving there. */
  private sfuChat: ChatChannel | null = null;
  /** SFU set-ups that failed in a row (their retries back off). */
  private sfuFailures = 0;
  private sfuRetry: ReturnType<typeof setTimeout> | undefined;
  private standbyWanted = false;
  private standbyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Remote tiles currently off screen; with a hidden page, no video is needed at all. */
  private readonly offscreen = new Set<string>();

  constructor(private readonly o: MediaPathsOptions) {}

  meshPeers(): string[] {
    return this.mesh?.peerIds() ?? [];
  }

  get meshOpen(): boolean {
    return this.mesh !== null;
  }

  /** One more mesh link, if the mesh is open (a peer joined, or came back). */
  connect(peerId: string, initiator: boolean): void {
    this.mesh?.connect(peerId, initiator);
  }

  hasMeshLink(peerId: string): boolean {
    return this.mesh?.has(peerId) ?? false;
  }

  /** An SFU session that carries media (one on standby does not). */
  get sfuOpen(): boolean {
    return this.sfu !== null && !this.sfu.idle;
  }

  /** The server's warm standby for the room: an idle SFU session while the room is on the mesh. */
  setStandby(on: boolean): void {
    this.standbyWanted = on;
    this.syncStandby();
  }

  /**
   * Opens the idle SFU session the standby asks for (after STANDBY_SETUP_DELAY_MS, so as not to compete with
   * the mesh links set up at that moment), or closes it; the SFU path itself is not touched.
   */
  syncStandby(): void {
    if (this.o.paths.topology !== 'mesh') return;
    if (!this.standbyWanted) {
      this.clearStandbyTimer();
      if (this.sfu?.idle) this.closeSfu();
      return;
    }
    if (this.sfu || this.standbyTimer !== undefined) return;
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = undefined;
      if (this.standbyWanted && !this.sfu && this.o.paths.topology === 'mesh') void this.startSfu();
    }, STANDBY_SETUP_DELAY_MS);
  }

  private clearStandbyTimer(): void {
    clearTimeout(this.standbyTimer);
    this.standbyTimer = undefined;
  }

  /** Opens mesh links to these peers (the mesh itself on first use); `initiator` says who offers. Settles once our offers are out. */
  startMesh(peerIds: string[], initiator: (peerId: string) => boolean): Promise<void> {
    const mesh = (this.mesh ??= new MeshSession({
      selfId: this.o.selfId(),
      relinkPolicy: this.o.retry.relink,
      rtcConfig: this.o.rtcConfig(),
      tracks: this.o.tracks(),
      send: (to, signal) => this.o.sendSignal(to, signal),
      onPeerState: (peerId, link) => this.o.paths.shown(peerId) !== 'sfu' && this.o.setLink(peerId, link),
      onPeerStream: (peerId, stream) => this.showMesh(peerId, stream),
      onPeerScreen: (peerId, stream) => this.o.paths.screenArrived(peerId, 'mesh', stream),
      onChatChannel: (peerId, dc) => {
        const key = `mesh:${peerId}`;
        const channel: ChatChannel = { send: (data) => dc.readyState === 'open' && dc.send(data) };
        dc.addEventListener('message', (e: MessageEvent<unknown>) => typeof e.data === 'string' && this.o.chat.receive(e.data, channel, peerId));
        dc.addEventListener('close', () => this.o.chat.detach(key, channel));
        this.o.chat.attach(key, channel);
      },
    }));
    return Promise.all(peerIds.map((peerId) => mesh.connect(peerId, initiator(peerId)).offered)).then(() => undefined);
  }

  /** A mesh signal from a peer; on the SFU, stray ones (a closing link's ICE restart) must not open new links. */
  meshSignal(from: string, signal: MeshSignal): void {
    if (this.o.paths.topology === 'mesh' || this.mesh?.has(from)) void this.mesh?.handleSignal(from, signal);
  }

  /** Mesh media for a peer: shown at once on a fresh call, after it decodes when moving off the SFU. */
  private showMesh(peerId: string, stream: MediaStream): void {
    if (this.o.paths.shown(peerId) !== 'sfu') return this.o.paths.mediaArrived(peerId, 'mesh', stream);
    const mesh = this.mesh;
    void waitUntilDecoding(async () => (await mesh?.stats())?.[peerId], {
      expectVideo: () => !this.o.videoMuted(peerId),
      alive: () => this.mesh === mesh && this.hasMeshLink(peerId) && this.o.paths.topology === 'mesh',
      intervalMs: 100,
    }).then((arrived) => arrived && this.o.paths.mediaArrived(peerId, 'mesh', stream));
  }

  /** Closes the mesh links to these peers, and the mesh once it has none left. */
  closeMesh(peerIds: string[]): void {
    for (const id of peerIds) this.mesh?.disconnect(id);
    if (this.mesh?.peerIds().length === 0) {
      this.mesh.close();
      this.mesh = null;
    }
  }

  /** The SFU path: a session on standby starts carrying media, else a new one starts (idle while on the mesh). */
  async startSfu(): Promise<void> {
    const standby = this.o.paths.topology === 'mesh';
    this.clearStandbyTimer();
    if (this.sfu) {
      if (!standby) this.sfu.activate();
      return;
    }
    const sfu: SfuSession = (this.sfu = new SfuSession({
      standby,
      socket: this.o.socket,
      rtcConfig: this.o.rtcConfig(),
      tracks: this.o.tracks(),
      onPeerStream: (peerId, stream) => this.o.paths.topology === 'sfu' && this.o.paths.mediaArrived(peerId, 'sfu', stream),
      onPeerScreen: (peerId, stream) => this.o.paths.screenArrived(peerId, 'sfu', stream),
      onChatChannel: (channel) => {
        this.sfuChat = channel;
        if (channel) this.o.chat.attach('sfu', channel);
        else this.o.chat.detach('sfu');
      },
      onChatMessage: (data, peerId) => this.sfuChat && this.o.chat.receive(data, this.sfuChat, peerId),
      onChatPeerOpen: () => this.o.chat.resync('sfu'),
      onLinkState: (link) => this.sfu === sfu && this.setSfuTilesLink(link),
      onTransportFailed: () => this.sfu === sfu && this.resetSfu(),
    }));
    try {
      await sfu.start();
      this.sfuFailures = 0;
    } catch (error) {
      // A request timed out or was refused (server busy, restarting): set the SFU up again after a backoff,
      // rather than leave its tiles without media.
      console.warn('SFU start failed', error);
      const delay = this.o.retry.sfuSetup.nextDelayMs(this.sfuFailures++);
      clearTimeout(this.sfuRetry);
      if (delay !== null) this.sfuRetry = setTimeout(() => this.sfu === sfu && this.resetSfu(), delay);
    }
  }

  /**
   * Sets our SFU media up from scratch: after the SFU lost it (`sfu:reset`), or when a transport did not
   * come back after its ICE restarts (sfu:join replaces the dead transports on the server). Tiles keep
   * their last frame, marked reconnecting, until media decodes through the new session.
   */
  resetSfu(): void {
    this.closeSfu(false);
    if (this.o.paths.topology !== 'sfu') return this.syncStandby();
    this.setSfuTilesLink('reconnecting');
    void this.startSfu();
  }

  /** The room is back on the mesh: the SFU session stops carrying media, and stays (idle) while the standby is wanted. */
  leaveSfu(): void {
    if (this.standbyWanted && this.sfu && this.o.paths.topology === 'mesh') this.sfu.deactivate();
    else this.closeSfu();
  }

  /** `leaveServer`: tell the server too (not when it already dropped our SFU media). */
  closeSfu(leaveServer = true): void {
    clearTimeout(this.sfuRetry);
    this.sfu?.close(leaveServer);
    this.sfu = null;
    this.sfuChat = null;
  }

  /** The connection state shown on every tile whose media comes through the SFU. */
  private setSfuTilesLink(link: 'connected' | 'reconnecting'): void {
    for (const id of this.o.roster()) if (this.o.paths.shown(id) === 'sfu') this.o.setLink(id, link);
  }

  /** Follows the server's SFU events; the returned function stops. */
  listen(): () => void {
    const { socket } = this.o;
    const handlers = {
      'sfu:producer-added': (producer: SfuProducerInfo) => this.sfu?.consume(producer),
      'sfu:producer-closed': ({ producerId }: { producerId: string }) => this.sfu?.removeProducer(producerId),
      'sfu:data-producer-added': (info: SfuDataProducerInfo) => void this.sfu?.consumeData(info).catch((e: Error) => console.warn('chat channel failed', e.message)),
      // The SFU lost our media (its worker died): set it up again.
      'sfu:reset': () => this.resetSfu(),
    };
    for (const [event, fn] of Object.entries(handlers)) socket.on(event as keyof typeof handlers, fn as never);
    return () => {
      for (const [event, fn] of Object.entries(handlers)) socket.off(event as keyof typeof handlers, fn as never);
    };
  }

  /** A peer left: its media goes from both paths. */
  removePeer(peerId: string): void {
    this.mesh?.disconnect(peerId);
    this.sfu?.removePeer(peerId);
  }

  /** Our outgoing track of a kind changed: every path sends the new one. */
  replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): void {
    void this.mesh?.replaceTrack(kind, track);
    void this.sfu?.replaceTrack(kind, track);
  }

  async setIceServers(iceServers: RTCIceServer[]): Promise<void> {
    this.mesh?.setIceServers(iceServers);
    await this.sfu?.setIceServers(iceServers);
  }

  /** A tile reports whether it is on screen; off-screen tiles (and all, in a hidden page) stop receiving video from the SFU. */
  setTileVisible(peerId: string, visible: boolean): void {
    if (visible) this.offscreen.delete(peerId);
    else this.offscreen.add(peerId);
    this.applyVideoPausing();
  }

  applyVideoPausing(): void {
    const hidden = document.visibilityState === 'hidden';
    for (const id of this.o.roster()) {
      if (this.o.paths.shown(id) === 'sfu') void this.sfu?.setVideoPaused(id, hidden || this.offscreen.has(id));
    }
  }

  /** A tile reports the width it is rendered at; on the SFU that picks the layer to receive. */
  setTileWidth(peerId: string, width: number): void {
    void this.sfu?.setPreferredWidth(peerId, width);
  }

  statsTargets(): StatsTarget[] {
    return [...(this.mesh?.statsTargets() ?? []), ...(this.sfu?.statsTargets() ?? [])];
  }

  async stats(): Promise<{ mesh: Record<string, LinkStats>; sfu: Record<string, LinkStats> }> {
    const [mesh, sfu] = await Promise.all([this.mesh?.stats() ?? {}, this.sfu?.stats() ?? {}]);
    return { mesh, sfu };
  }

  close(): void {
    this.standbyWanted = false;
    this.clearStandbyTimer();
    this.mesh?.close();
    this.mesh = null;
    this.closeSfu(false);
  }
}
