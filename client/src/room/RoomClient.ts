import { combineQuality, connectionOf, inboundQuality, pushBounded, streamQuality, type JoinResponse, type PeerUpdate, type Quality, type ServerToClientEvents, type Signal, type StatsSample, type Topology } from '@confer/shared';
import type { CallOptions } from '../callOptions';
import { ChatService } from '../chat/ChatService';
import type { MediaController } from '../media/MediaController';
import type { LinkStats } from '../media/mediaTypes';
import { defaultRetryPolicies, type RetryPolicies } from '../net/RetryPolicy';
import { MediaPaths } from './MediaPaths';
import { PathSwitcher } from './PathSwitcher';
import { RoomSession } from './RoomSession';
import { ask, SHORT_REQUEST_MS } from '../signaling/request';
import type { SignalingClient } from '../signaling/SignalingClient';
import { StatsCollector } from '../stats/StatsCollector';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';

export type PeerStats = LinkStats & { path: Topology };

/** A step of a switch as this side saw it: a peer's tile moved to a path, or an old path was closed. */
export interface PathEvent {
  at: number;
  /** `*` when the SFU session (every peer's SFU media) was closed. */
  peerId: string;
  event: 'show' | 'close';
  path: Topology;
}
/** Enough for several switches of a full room. */
const PATH_LOG_SIZE = 200;

/**
 * One room from the user's side (mediasoup-demo's RoomClient role): joins through signaling, keeps
 * the room store current from presence events, and carries media over the mesh or the SFU as the
 * server's topology says. Switches are make-before-break: a peer's tile moves to the new path only
 * once media from it decodes there, and only then is the old path to that peer closed.
 */
export class RoomClient {
  private readonly store = useRoomStore;
  private readonly offs: (() => void)[] = [];
  /** Our seat: join, rejoin, TURN credentials. */
  private readonly session: RoomSession;
  /** The mesh and the SFU session. */
  private readonly media: MediaPaths;
  /** Which path each tile shows, and when the old paths close. */
  private readonly paths = new PathSwitcher<MediaStream>({
    roster: () => this.store.getState().order,
    isSharing: (peerId) => this.store.getState().peers[peerId]?.info.screenSharing ?? false,
    meshPeers: () => this.media.meshPeers(),
    sfuOpen: () => this.media.sfuOpen,
    show: (peerId, path, stream) => {
      this.store.getState().patchPeer(peerId, { stream, ...(path === 'sfu' ? { link: 'connected' as const } : {}) });
      if (path === 'sfu') this.media.applyVideoPausing();
    },
    showScreen: (peerId, screen) => {
      const peer = this.store.getState().peers[peerId];
      // Arrived on neither path yet (the old one closed first): the last frame stays until the peer stops presenting.
      const next = screen ?? (peer?.info.screenSharing ? peer.screen : null);
      if (peer && peer.screen !== next) this.store.getState().patchPeer(peerId, { screen: next });
    },
    tellPeer: (peerId, path) => this.sendSignal(peerId, { receiving: path }),
    closeMesh: (peerIds) => this.media.closeMesh(peerIds),
    closeSfu: () => this.media.closeSfu(),
    finished: (switchId) => {
      this.store.getState().set({ switching: false });
      if (switchId) void ask(this.signaling.socket, 'topology:switched', { switchId });
      // A chat message in flight on a path that just closed is in its sender's history: fetch it.
      this.chat.resync();
    },
    log: (peerId, event, path) => this.logPath(peerId, event, path),
  });
  readonly chat = new ChatService(
    () => (this.session.current ? { peerId: this.session.current.peerId, displayName: this.session.name } : null),
    undefined,
    (peerId) => this.store.getState().peers[peerId]?.info.displayName ?? null,
  );
  /** getStats of every connection once a second: to the server's dashboard and to our tiles' indicators. */
  private readonly collector = new StatsCollector({
    targets: () => this.media.statsTargets(),
    topology: () => this.topology,
    send: async (samples) => (await ask(this.signaling.socket, 'stats:report', { samples }, SHORT_REQUEST_MS)).ok,
    onSample: (sample) => this.showQuality(sample),
  });

  private get topology(): Topology {
    return this.paths.topology;
  }

  constructor(
    private readonly signaling: SignalingClient,
    private readonly devices: MediaController,
    readonly roomId: string,
    private readonly options: CallOptions,
    private readonly retry: RetryPolicies = defaultRetryPolicies(),
  ) {
    this.session = new RoomSession({
      roomId,
      joinToken: options.joinToken,
      mediaState: () => {
        const { audioMuted, videoMuted } = useMediaStore.getState();
        return { audioMuted, videoMuted };
      },
      topology: () => this.topology,
      connected: () => signaling.socket.connected,
      join: (request) => signaling.join(request),
      refreshIce: () => ask(signaling.socket, 'ice:refresh', {}),
      rejoinPolicy: retry.rejoin,
      onStart: (data, fresh) => this.start(data, fresh),
      onResumed: (data) => this.resumed(data),
      onFailed: (message) => this.store.getState().set({ phase: 'error', error: message }),
      onIceServers: (iceServers) => void this.media.setIceServers(iceServers),
      onPeerGone: (peerId) => this.removePeer(peerId),
      roster: () => this.store.getState().order,
    });
    this.media = new MediaPaths({
      socket: this.signaling.socket,
      selfId: () => this.peerId ?? '',
      rtcConfig: () => this.rtcConfig,
      tracks: () => this.devices.tracks(),
      retry: this.retry,
      paths: this.paths,
      chat: this.chat,
      sendSignal: (to, signal) => this.sendSignal(to, signal),
      setLink: (peerId, link) => {
        const peer = this.store.getState().peers[peerId];
        if (peer && peer.link !== link) this.store.getState().patchPeer(peerId, { link });
      },
      roster: () => this.store.getState().order,
      videoMuted: (peerId) => this.store.getState().peers[peerId]?.info.videoMuted ?? false,
    });
  }

  /** Starts following the room's events; undone by close(). */
  open(): void {
    const socket = this.signaling.socket;
    const listen = <E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]) => {
      socket.on(event, fn as never);
      this.offs.push(() => socket.off(event, fn as never));
    };
    listen('room:peer-joined', (peer) => {
      this.session.forget(peer.peerId);
      this.store.getState().upsertPeer(peer);
      // In mesh the newcomer offers; we open our side now so its offer finds a link waiting.
      if (this.topology === 'mesh') this.media.connect(peer.peerId, false);
    });
    listen('room:peer-left', ({ peerId }) => this.removePeer(peerId));
    listen('room:peer-updated', (peer) => {
      this.store.getState().upsertPeer(peer);
      // A tile waiting for this peer's screen need not wait once it stopped presenting, nor keep its last frame.
      if (!peer.screenSharing) this.paths.sharingStopped(peer.peerId);
    });
    listen('signal:receive', ({ from, signal }) => {
      if ('receiving' in signal) return this.paths.peerReceiving(from, signal.receiving);
      this.media.meshSignal(from, signal);
    });
    listen('room:topology', ({ topology, switchId }) => {
      void this.switchTo(topology, switchId);
    });
    listen('room:switch-complete', (record) => this.store.getState().set({ lastSwitch: record }));
    listen('room:active-speaker', ({ peerId }) => this.store.getState().set({ activeSpeakerId: peerId }));
    listen('room:audio-levels', ({ levels }) => this.store.getState().set({ audiblePeerIds: levels.map((l) => l.peerId) }));
    listen('sfu:producer-added', (producer) => this.media.consume(producer));
    listen('sfu:producer-closed', ({ producerId }) => this.media.removeProducer(producerId));
    listen('sfu:data-producer-added', (info) => this.media.consumeData(info));
    // The SFU lost our media (worker died): set it up again.
    listen('sfu:reset', () => this.media.resetSfu());
    // After a dropped connection, reclaim the seat; if it is gone, join afresh and rebuild the media.
    const onVisibility = () => this.media.applyVideoPausing();
    document.addEventListener('visibilitychange', onVisibility);
    this.offs.push(() => document.removeEventListener('visibilitychange', onVisibility));
    const onConnect = () => void this.session.rejoin();
    socket.on('connect', onConnect);
    this.offs.push(() => socket.off('connect', onConnect));
    this.offs.push(
      this.devices.onTrackChange((kind, track) => {
        this.media.replaceTrack(kind, track);
        // Started or stopped (by our button or the browser's own "stop sharing"): the others show or drop the tile.
        if (kind === 'screen' && this.session.current) this.update({ screenSharing: track !== null });
      }),
    );
  }

  /** Joins (with the room's password, if it has one; with the join token from the link, if any). */
  async join(displayName: string, password?: string): Promise<void> {
    this.store.getState().set({ phase: 'joining', error: null });
    await this.session.join(displayName, password);
  }

  private removePeer(peerId: string): void {
    this.session.forget(peerId);
    this.media.removePeer(peerId);
    this.store.getState().removePeer(peerId);
    this.paths.peerLeft(peerId);
  }

  /** Our seat is back (held, or restored by a restarted server): bring the room's view and media in line. */
  private resumed(data: JoinResponse): void {
    const store = this.store.getState();
    for (const peer of data.peers) {
      store.upsertPeer(peer);
      // Joined while we were away: its offer went nowhere, so we offer (perfect negotiation settles a crossing).
      if (this.topology === 'mesh' && data.topology === 'mesh' && this.media.meshOpen && !this.media.hasMeshLink(peer.peerId)) this.media.connect(peer.peerId, true);
    }
    if (data.resumed === 'restored') {
      // The new server never saw our screen share, and has none of our SFU media.
      if (useMediaStore.getState().screenTrack) this.update({ screenSharing: true });
      if (data.topology === 'sfu' && this.topology === 'sfu') this.media.resetSfu();
    }
    void this.switchTo(data.topology, null);
  }

  private get rtcConfig(): RTCConfiguration {
    return { iceServers: this.session.current?.iceServers ?? [], iceTransportPolicy: this.options.forceRelay ? 'relay' : 'all' };
  }

  /** A new seat: the first join, or after the old one was freed while we were away (everyone sees a newcomer). */
  private start(data: JoinResponse, fresh: boolean): void {
    if (fresh) {
      this.stopMedia();
      this.store.getState().set({ peers: {}, order: [] });
    }
    this.paths.start(data.topology);
    const { audioMuted, videoMuted } = useMediaStore.getState();
    const store = this.store.getState();
    const screenSharing = useMediaStore.getState().screenTrack !== null;
    store.set({ phase: 'in-room', topology: data.topology, self: { peerId: data.peerId, displayName: this.session.name, audioMuted, videoMuted, screenSharing } });
    for (const peer of data.peers) store.upsertPeer(peer);
    // Rejoining afresh while presenting: the server starts everyone as not sharing.
    if (screenSharing) this.update({ screenSharing });
    // A newcomer to an SFU room goes straight to the SFU.
    if (data.topology === 'sfu') void this.media.startSfu();
    else this.media.startMesh(data.peers.map((p) => p.peerId), () => true);
    if (this.options.stats) this.collector.start();
  }

  /** Each tile's quality indicator: how a peer's media reaches us, and how ours leaves us. */
  private showQuality(sample: StatsSample): void {
    const store = this.store.getState();
    const same = (a: Quality | null, b: Quality) => a?.score === b.score && a.level === b.level && a.reasons.join() === b.reasons.join();
    for (const peerId of store.order) {
      const quality = inboundQuality(sample, peerId);
      if (!same(store.peers[peerId]?.quality ?? null, quality)) store.patchPeer(peerId, { quality });
    }
    const outbound = sample.streams.filter((s) => s.direction === 'out');
    const selfQuality = combineQuality(outbound.map((s) => streamQuality(s, connectionOf(sample, s))));
    if (!same(store.selfQuality, selfQuality)) store.set({ selfQuality });
  }

  private sendSignal(to: string, signal: Signal): void {
    void ask(this.signaling.socket, 'signal:send', { to, signal }).then((ack) => !ack.ok && console.warn(`signal to ${to} refused: ${ack.error.message}`));
  }

  private logPath(peerId: string, event: PathEvent['event'], path: PathEvent['path']): void {
    pushBounded(this.diagnostics.pathLog, { at: Date.now(), peerId, event, path }, PATH_LOG_SIZE);
  }

  /** Follows the server's topology decision, make-before-break. */
  private async switchTo(topology: Topology, switchId: string | null): Promise<void> {
    if (topology === this.topology || !this.session.current) return;
    this.paths.begin(topology, switchId);
    this.store.getState().set({ topology, switching: true, activeSpeakerId: null, audiblePeerIds: [] });
    if (topology === 'sfu') {
      await this.media.startSfu();
    } else {
      // Back to mesh: the peer with the smaller id offers, so each pair negotiates once.
      const selfId = this.session.current.peerId;
      this.media.startMesh(this.store.getState().order, (peerId) => selfId < peerId);
    }
  }

  private update(update: PeerUpdate): void {
    const self = this.store.getState().self;
    if (self) this.store.getState().set({ self: { ...self, ...update } });
    void ask(this.signaling.socket, 'peer:update', update);
  }

  /** Presents a screen (the browser asks which); an error is shown from the media store. */
  async startShare(): Promise<void> {
    await this.devices.startShare();
  }

  stopShare(): void {
    this.devices.stopShare();
  }

  setMicMuted(muted: boolean): void {
    this.devices.setMicMuted(muted);
    this.update({ audioMuted: muted });
  }

  async setCameraOn(on: boolean): Promise<void> {
    await this.devices.setCameraOn(on);
    this.update({ videoMuted: !on });
  }

  /** A tile reports whether it is on screen; off-screen tiles (and all, in a hidden page) stop receiving video from the SFU. */
  setTileVisible(peerId: string, visible: boolean): void {
    this.media.setTileVisible(peerId, visible);
  }

  /** Our peer id in the room (null before joining). */
  get peerId(): string | null {
    return this.session.current?.peerId ?? null;
  }

  /** A tile reports the width it is rendered at; on the SFU that picks the layer to receive. */
  setTileWidth(peerId: string, width: number): void {
    this.media.setTileWidth(peerId, width);
  }

  /** For diagnosis and tests: the switch steps, each tile's counters from the path it shows, every connection. */
  readonly diagnostics = {
    pathLog: [] as PathEvent[],
    connections: () => this.media.statsTargets().map(({ context, getStats }) => ({ id: context.id, getStats })),
    stats: async (): Promise<Record<string, PeerStats>> => {
      const byPath = await this.media.stats();
      const result: Record<string, PeerStats> = {};
      for (const id of this.store.getState().order) {
        const path = this.paths.shown(id) ?? this.topology;
        const s = byPath[path][id];
        if (s) result[id] = { ...s, path };
      }
      return result;
    },
  };

  async leave(): Promise<void> {
    this.session.close();
    await ask(this.signaling.socket, 'room:leave', {}, SHORT_REQUEST_MS);
    this.close();
    this.store.getState().set({ phase: 'left', peers: {}, order: [] });
  }

  private stopMedia(): void {
    this.media.close();
    this.paths.reset();
  }

  close(): void {
    this.session.close();
    this.collector.stop();
    this.stopMedia();
    this.devices.stop();
    this.chat.close();
    for (const off of this.offs.splice(0)) off();
  }
}
