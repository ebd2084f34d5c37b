import { combineQuality, connectionOf, inboundQuality, streamQuality, type JoinRequest, type JoinResponse, type PeerUpdate, type ProtocolError, type Quality, type ServerToClientEvents, type Signal, type StatsSample, type Topology } from '@confer/shared';
import type { CallOptions } from '../callOptions';
import { ChatService, type ChatChannel } from '../chat/ChatService';
import type { MediaController } from '../media/MediaController';
import { MeshSession } from '../mesh/MeshSession';
import type { LinkStats } from '../media/mediaTypes';
import { defaultRetryPolicies, type RetryPolicies } from '../net/RetryPolicy';
import { SfuSession } from '../sfu/SfuSession';
import type { SignalingClient } from '../signaling/SignalingClient';
import { StatsCollector } from '../stats/StatsCollector';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';

const joinErrors: Record<string, string> = {
  ROOM_FULL: 'This room is full.',
  BAD_REQUEST: 'The room name or display name is not valid.',
  PASSWORD_REQUIRED: 'This room is protected: enter its password.',
  WRONG_PASSWORD: 'Wrong password for this room.',
  RATE_LIMITED: 'Too many attempts: wait a few seconds and try again.',
  UNAVAILABLE: 'The server is busy or restarting: try again in a moment.',
};
/** How long tiles of peers a restarted server has not seen again wait for them before they go. */
const RESTORE_WAIT_MS = 20_000;


export type PeerStats = LinkStats & { path: 'mesh' | 'sfu' };

/** A step of a switch as this side saw it: a peer's tile moved to a path, or an old path was closed. */
export interface PathEvent {
  at: number;
  /** `*` when the SFU session (every peer's SFU media) was closed. */
  peerId: string;
  event: 'show' | 'close';
  path: 'mesh' | 'sfu';
}
/** Enough for several switches of a full room. */
const PATH_LOG_SIZE = 200;

/** Longest a tile waits for its peer's screen on the new path before moving without it. */
const SCREEN_WAIT_MS = 5000;
/**
 * How long a switch may take before the old path is dropped anyway: as long as the server waits for it
 * (RoomTopology), since until the new path shows a peer, the old one is all its tile has.
 */
const SWITCH_TIMEOUT_MS = 30_000;

/**
 * One room from the user's side (mediasoup-demo's RoomClient role): joins through signaling, keeps
 * the room store current from presence events, and carries media over the mesh or the SFU as the
 * server's topology says. Switches are make-before-break: a peer's tile moves to the new path only
 * once media from it decodes there, and only then is the old path to that peer closed.
 */
export class RoomClient {
  private mesh: MeshSession | null = null;
  private sfu: SfuSession | null = null;
  private session: JoinResponse | null = null;
  private topology: Topology = 'mesh';
  private displayName = '';
  /** Which path each remote peer's tile currently shows. */
  private readonly shownPath = new Map<string, 'mesh' | 'sfu'>();
  /** Which path each remote peer says it receives our media through. */
  private readonly theirPath = new Map<string, 'mesh' | 'sfu'>();
  private readonly store = useRoomStore;
  private readonly offs: (() => void)[] = [];
  private iceRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;
  /** The running switch's deadline; a new switch replaces it, or switch N's would cut switch N+1 short. */
  private switchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Peers a restarted server has not seen again yet; their tiles stay until RESTORE_WAIT_MS. */
  private readonly awaitingReturn = new Set<string>();
  private password: string | undefined;
  /** SFU set-ups that failed in a row (their retries back off). */
  private sfuFailures = 0;
  /** The server's id of the switch under way, reported back once this side has finished it. */
  private switchId: string | null = null;
  /** Tiles whose move to a new path waits for the peer's screen to decode there too. */
  private readonly waitingForScreen = new Map<string, { path: 'mesh' | 'sfu'; stream: MediaStream; timer: ReturnType<typeof setTimeout> }>();
  /** Each peer's shared screen by the path it arrived on (during a switch, on both). */
  private readonly screens = new Map<string, Partial<Record<'mesh' | 'sfu', MediaStream>>>();
  /** Our chat channel into the SFU, which also carries replies to history requests arriving there. */
  private sfuChat: ChatChannel | null = null;
  readonly chat = new ChatService(
    () => (this.session ? { peerId: this.session.peerId, displayName: this.displayName } : null),
    undefined,
    (peerId) => this.store.getState().peers[peerId]?.info.displayName ?? null,
  );
  /** Recent switch steps, oldest first: what make-before-break did, for diagnosis and tests. */
  readonly pathLog: PathEvent[] = [];
  /** Remote tiles currently off screen; with a hidden page, no video is needed at all. */
  private readonly offscreen = new Set<string>();
  /** getStats of every connection once a second: to the server's dashboard and to our tiles' indicators. */
  private readonly collector = new StatsCollector({
    targets: () => [...(this.mesh?.statsTargets() ?? []), ...(this.sfu?.statsTargets() ?? [])],
    topology: () => this.topology,
    send: async (samples) => {
      const answer = await this.signaling.socket.timeout(5_000).emitWithAck('stats:report', { samples });
      return answer.ok;
    },
    onSample: (sample) => this.showQuality(sample),
  });

  constructor(
    private readonly signaling: SignalingClient,
    private readonly media: MediaController,
    readonly roomId: string,
    private readonly options: CallOptions,
    private readonly retry: RetryPolicies = defaultRetryPolicies(),
  ) {}

  /** Starts following the room's events; undone by close(). */
  open(): void {
    const socket = this.signaling.socket;
    const listen = <E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]) => {
      socket.on(event, fn as never);
      this.offs.push(() => socket.off(event, fn as never));
    };
    listen('room:peer-joined', (peer) => {
      this.awaitingReturn.delete(peer.peerId);
      this.store.getState().upsertPeer(peer);
      // In mesh the newcomer offers; we open our side now so its offer finds a link waiting.
      if (this.topology === 'mesh') this.mesh?.connect(peer.peerId, false);
    });
    listen('room:peer-left', ({ peerId }) => this.removePeer(peerId));
    listen('room:peer-updated', (peer) => {
      this.store.getState().upsertPeer(peer);
      // A tile waiting for this peer's screen need not wait once it stopped presenting, nor keep its last frame.
      if (!peer.screenSharing) {
        this.showWaiting(peer.peerId);
        this.showScreen(peer.peerId);
      }
    });
    listen('signal:receive', ({ from, signal }) => {
      if ('receiving' in signal) {
        this.theirPath.set(from, signal.receiving);
        return this.closeOldPaths();
      }
      // On the SFU, stray mesh signals (a closing link's ICE restart) must not open new links.
      if (this.topology === 'mesh' || this.mesh?.has(from)) void this.mesh?.handleSignal(from, signal);
    });
    listen('room:topology', ({ topology, switchId }) => {
      if (topology === this.topology) return;
      this.switchId = switchId;
      void this.switchTo(topology);
    });
    listen('room:switch-complete', (record) => this.store.getState().set({ lastSwitch: record }));
    listen('room:active-speaker', ({ peerId }) => this.store.getState().set({ activeSpeakerId: peerId }));
    listen('room:audio-levels', ({ levels }) => this.store.getState().set({ audiblePeerIds: levels.map((l) => l.peerId) }));
    listen('sfu:producer-added', (producer) => void this.sfu?.consume(producer).catch((e: Error) => console.warn('consume failed', e.message)));
    listen('sfu:producer-closed', ({ producerId }) => this.sfu?.removeProducer(producerId));
    listen('sfu:data-producer-added', (info) => void this.sfu?.consumeData(info).catch((e: Error) => console.warn('chat channel failed', e.message)));
    // The SFU lost our media (worker died): set it up again.
    listen('sfu:reset', () => this.resetSfu());
    // After a dropped connection, reclaim the seat; if it is gone, join afresh and rebuild the media.
    const onVisibility = () => this.applyVideoPausing();
    document.addEventListener('visibilitychange', onVisibility);
    this.offs.push(() => document.removeEventListener('visibilitychange', onVisibility));
    const onConnect = () => void this.rejoin();
    socket.on('connect', onConnect);
    this.offs.push(() => socket.off('connect', onConnect));
    this.media.onTrackChange((kind, track) => {
      void this.mesh?.replaceTrack(kind, track);
      void this.sfu?.replaceTrack(kind, track);
      // Started or stopped (by our button or the browser's own "stop sharing"): the others show or drop the tile.
      if (kind === 'screen' && this.session) this.update({ screenSharing: track !== null });
    });
  }

  /** Joins (with the room's password, if it has one; with the join token from the link, if any). */
  async join(displayName: string, password?: string): Promise<void> {
    this.displayName = displayName;
    this.password = password || undefined;
    this.store.getState().set({ phase: 'joining', error: null });
    const answer = await this.signaling.join(this.joinRequest());
    if (!answer.ok) return this.failJoin(answer.error);
    this.start(answer.data);
  }

  private joinRequest(resume?: JoinRequest['resume']): JoinRequest {
    const { audioMuted, videoMuted } = useMediaStore.getState();
    const { password } = this;
    const joinToken = this.options.joinToken ?? undefined;
    return { roomId: this.roomId, displayName: this.displayName, audioMuted, videoMuted, ...(password ? { password } : {}), ...(joinToken ? { joinToken } : {}), ...(resume ? { resume } : {}) };
  }

  private removePeer(peerId: string): void {
    this.awaitingReturn.delete(peerId);
    this.mesh?.disconnect(peerId);
    this.sfu?.removePeer(peerId);
    this.shownPath.delete(peerId);
    this.theirPath.delete(peerId);
    this.screens.delete(peerId);
    clearTimeout(this.waitingForScreen.get(peerId)?.timer);
    this.waitingForScreen.delete(peerId);
    this.store.getState().removePeer(peerId);
    this.closeOldPaths();
  }

  private failJoin(error: ProtocolError): void {
    this.store.getState().set({ phase: 'error', error: joinErrors[error.code] ?? error.message });
  }

  /**
   * After the signaling connection came back: reclaim our seat with the resume token (media kept flowing
   * meanwhile where it could), resync the room, and rebuild only what the server lost. Transient refusals
   * (server restarting, busy) are retried with jittered backoff.
   */
  private async rejoin(attempt = 0): Promise<void> {
    clearTimeout(this.rejoinTimer);
    const previous = this.session;
    if (!previous || !this.signaling.socket.connected) return;
    const answer = await this.signaling.join(this.joinRequest({ peerId: previous.peerId, token: previous.resumeToken, topology: this.topology }));
    if (this.session !== previous) return;
    if (!answer.ok) {
      const delay = this.retry.rejoin.nextDelayMs(attempt, answer.error.code);
      if (delay === null) return this.failJoin(answer.error);
      this.rejoinTimer = setTimeout(() => void this.rejoin(attempt + 1), delay);
      return;
    }
    if (answer.data.resumed) return this.resumed(answer.data);
    // The seat was freed while we were away: everyone sees us as a newcomer.
    this.stopMedia();
    this.store.getState().set({ peers: {}, order: [] });
    this.start(answer.data);
  }

  /** Our seat is back (held, or restored by a restarted server): bring the room's view and media in line. */
  private resumed(data: JoinResponse): void {
    this.session = data;
    this.scheduleIceRefresh(data.iceCredentialsExpireAt);
    const store = this.store.getState();
    const present = new Set(data.peers.map((p) => p.peerId));
    for (const peer of data.peers) {
      store.upsertPeer(peer);
      // Joined while we were away: its offer went nowhere, so we offer (perfect negotiation settles a crossing).
      if (this.topology === 'mesh' && data.topology === 'mesh' && this.mesh && !this.mesh.has(peer.peerId)) this.mesh.connect(peer.peerId, true);
    }
    for (const peerId of store.order.filter((id) => !present.has(id))) {
      // A held seat means the server saw everything: whoever is not listed left. A restarted server is still
      // being found again by the others, whose media may well be flowing: they get a while to come back.
      if (data.resumed === 'held') this.removePeer(peerId);
      else this.awaitingReturn.add(peerId);
    }
    if (data.resumed === 'restored') {
      clearTimeout(this.restoreTimer);
      this.restoreTimer = setTimeout(() => [...this.awaitingReturn].forEach((id) => this.removePeer(id)), RESTORE_WAIT_MS);
      // The new server never saw our screen share, and has none of our SFU media.
      if (useMediaStore.getState().screenTrack) this.update({ screenSharing: true });
      if (data.topology === 'sfu' && this.topology === 'sfu') this.resetSfu();
    }
    if (data.topology !== this.topology) void this.switchTo(data.topology);
  }

  private get rtcConfig(): RTCConfiguration {
    return { iceServers: this.session?.iceServers ?? [], iceTransportPolicy: this.options.forceRelay ? 'relay' : 'all' };
  }

  private start(data: JoinResponse): void {
    this.session = data;
    this.scheduleIceRefresh(data.iceCredentialsExpireAt);
    this.topology = data.topology;
    const { audioMuted, videoMuted } = useMediaStore.getState();
    const store = this.store.getState();
    const screenSharing = useMediaStore.getState().screenTrack !== null;
    store.set({ phase: 'in-room', topology: data.topology, self: { peerId: data.peerId, displayName: this.displayName, audioMuted, videoMuted, screenSharing } });
    for (const peer of data.peers) store.upsertPeer(peer);
    // Rejoining afresh while presenting: the server starts everyone as not sharing.
    if (screenSharing) this.update({ screenSharing });
    // A newcomer to an SFU room goes straight to the SFU.
    if (data.topology === 'sfu') void this.startSfu();
    else this.startMesh(data.peers.map((p) => p.peerId), () => true);
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

  /**
   * TURN credentials expire (coturn then refuses to refresh relays), so fresh ones are fetched halfway
   * through their lifetime and handed to every connection.
   */
  private scheduleIceRefresh(expiresAt: number | null): void {
    clearTimeout(this.iceRefreshTimer);
    if (expiresAt === null) return;
    const delay = Math.max(30_000, (expiresAt * 1000 - Date.now()) / 2);
    this.iceRefreshTimer = setTimeout(() => void this.refreshIce(), delay);
  }

  private async refreshIce(): Promise<void> {
    const answer = await this.signaling.socket.timeout(10_000).emitWithAck('ice:refresh', {}).catch(() => null);
    if (!answer?.ok || !this.session) return this.scheduleIceRefresh(answer?.ok ? null : Date.now() / 1000 + 120);
    this.session = { ...this.session, iceServers: answer.data.iceServers, iceCredentialsExpireAt: answer.data.iceCredentialsExpireAt };
    this.mesh?.setIceServers(answer.data.iceServers);
    await this.sfu?.setIceServers(answer.data.iceServers);
    this.scheduleIceRefresh(answer.data.iceCredentialsExpireAt);
  }

  private startMesh(peerIds: string[], initiator: (peerId: string) => boolean): void {
    const selfId = this.session?.peerId ?? '';
    this.mesh ??= new MeshSession({
      selfId,
      relinkPolicy: this.retry.relink,
      rtcConfig: this.rtcConfig,
      tracks: this.media.tracks(),
      send: (to, signal) => this.sendSignal(to, signal),
      onPeerState: (peerId, link) => {
        if (this.shownPath.get(peerId) !== 'sfu') this.store.getState().patchPeer(peerId, { link });
      },
      onPeerStream: (peerId, stream) => this.showWhenFlowing(peerId, stream),
      onPeerScreen: (peerId, stream) => this.setScreen(peerId, 'mesh', stream),
      onChatChannel: (peerId, dc) => {
        const key = `mesh:${peerId}`;
        const channel: ChatChannel = { send: (data) => dc.readyState === 'open' && dc.send(data) };
        dc.addEventListener('message', (e: MessageEvent<unknown>) => typeof e.data === 'string' && this.chat.receive(e.data, channel, peerId));
        dc.addEventListener('close', () => this.chat.detach(key, channel));
        this.chat.attach(key, channel);
      },
    });
    for (const peerId of peerIds) this.mesh.connect(peerId, initiator(peerId));
  }

  /** Mesh media for a peer: shown at once on a fresh call, after it decodes when moving off the SFU. */
  private showWhenFlowing(peerId: string, stream: MediaStream): void {
    if (this.shownPath.get(peerId) !== 'sfu') return this.show(peerId, 'mesh', stream);
    const deadline = Date.now() + SWITCH_TIMEOUT_MS;
    const poll = async () => {
      const stats = (await this.mesh?.stats())?.[peerId];
      const videoMuted = this.store.getState().peers[peerId]?.info.videoMuted ?? false;
      if (stats && (videoMuted ? stats.audioPacketsReceived > 0 : stats.framesDecoded > 0)) return this.show(peerId, 'mesh', stream);
      if (Date.now() < deadline && this.mesh) setTimeout(() => void poll(), 100);
    };
    void poll();
  }

  private sendSignal(to: string, signal: Signal): void {
    void this.signaling.socket
      .timeout(10_000)
      .emitWithAck('signal:send', { to, signal })
      .then(
        (ack) => !ack.ok && console.warn(`signal to ${to} refused: ${ack.error.message}`),
        () => console.warn(`signal to ${to} not acknowledged`),
      );
  }

  private show(peerId: string, path: 'mesh' | 'sfu', stream: MediaStream, screenWaited = false): void {
    const changed = this.shownPath.get(peerId) !== path;
    // A peer that presents moves once its screen decodes on the new path too, so the old path (which the
    // peer closes when we say we receive on the new one) keeps the share on screen until then.
    const sharing = this.store.getState().peers[peerId]?.info.screenSharing ?? false;
    if (changed && !screenWaited && this.shownPath.has(peerId) && sharing && !this.screens.get(peerId)?.[path]) {
      const waiting = this.waitingForScreen.get(peerId);
      if (waiting?.path === path) {
        waiting.stream = stream;
        return;
      }
      clearTimeout(waiting?.timer);
      const timer = setTimeout(() => this.showWaiting(peerId), SCREEN_WAIT_MS);
      this.waitingForScreen.set(peerId, { path, stream, timer });
      return;
    }
    this.shownPath.set(peerId, path);
    if (changed) this.logPath(peerId, 'show', path);
    this.store.getState().patchPeer(peerId, { stream, ...(path === 'sfu' ? { link: 'connected' as const } : {}) });
    if (changed) this.sendSignal(peerId, { receiving: path });
    this.showScreen(peerId);
    if (path === 'sfu') this.applyVideoPausing();
    this.closeOldPaths();
  }

  /**
   * Break after make, in both directions: the mesh link to a peer closes once we show it via the SFU
   * and it says it shows us via the SFU; the SFU is left once every pair is back on mesh.
   */
  private closeOldPaths(timedOut = false): void {
    const settled = (id: string) => this.shownPath.get(id) === this.topology && this.theirPath.get(id) === this.topology;
    const order = this.store.getState().order;
    if (this.topology === 'sfu' && this.mesh) {
      for (const id of this.mesh.peerIds()) {
        if (!settled(id) && !timedOut && order.includes(id)) continue;
        this.mesh.disconnect(id);
        this.setScreen(id, 'mesh', null);
        this.logPath(id, 'close', 'mesh');
      }
      if (this.mesh.peerIds().length === 0) {
        this.mesh.close();
        this.mesh = null;
      }
    }
    if (this.topology === 'mesh' && this.sfu && (timedOut || order.every(settled))) {
      this.sfu.close();
      this.sfu = null;
      for (const id of order) this.setScreen(id, 'sfu', null);
      this.logPath('*', 'close', 'sfu');
    }
    const done = order.every((id) => this.shownPath.get(id) === this.topology);
    if (this.store.getState().switching && (done || timedOut)) {
      this.store.getState().set({ switching: false });
      const switchId = this.switchId;
      this.switchId = null;
      if (switchId) void this.signaling.socket.timeout(10_000).emitWithAck('topology:switched', { switchId }).catch(() => undefined);
      // A chat message in flight on a path that just closed is in its sender's history: fetch it.
      this.chat.resync();
    }
  }

  private setScreen(peerId: string, path: 'mesh' | 'sfu', stream: MediaStream | null): void {
    const byPath = this.screens.get(peerId) ?? {};
    if (stream) byPath[path] = stream;
    else delete byPath[path];
    this.screens.set(peerId, byPath);
    if (stream && this.waitingForScreen.get(peerId)?.path === path) this.showWaiting(peerId);
    this.showScreen(peerId);
  }

  /** Moves a tile that waited for its peer's screen (it arrived, or waiting longer would stall the switch). */
  private showWaiting(peerId: string): void {
    const waiting = this.waitingForScreen.get(peerId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waitingForScreen.delete(peerId);
    if (this.topology === waiting.path) this.show(peerId, waiting.path, waiting.stream, true);
  }

  /**
   * A peer's screen follows the path its tile shows; while it has not arrived there yet, the other path's
   * stays, and with neither (the old path closed first) its last frame stays until the peer stops presenting.
   */
  private showScreen(peerId: string): void {
    const peer = this.store.getState().peers[peerId];
    if (!peer) return;
    const byPath = this.screens.get(peerId);
    const path = this.shownPath.get(peerId) ?? this.topology;
    const screen = byPath?.[path] ?? byPath?.[path === 'sfu' ? 'mesh' : 'sfu'] ?? (peer.info.screenSharing ? peer.screen : null);
    if (peer.screen !== screen) this.store.getState().patchPeer(peerId, { screen });
  }

  private logPath(peerId: string, event: PathEvent['event'], path: PathEvent['path']): void {
    this.pathLog.push({ at: Date.now(), peerId, event, path });
    this.pathLog.splice(0, this.pathLog.length - PATH_LOG_SIZE);
  }

  /**
   * Sets our SFU media up from scratch: after the SFU lost it (`sfu:reset`), or when a transport did not
   * come back after its ICE restarts (sfu:join replaces the dead transports on the server). Tiles keep
   * their last frame, marked reconnecting, until media decodes through the new session.
   */
  private resetSfu(): void {
    this.sfu?.close(false);
    this.sfu = null;
    if (this.topology !== 'sfu') return;
    this.setSfuTilesLink('reconnecting');
    void this.startSfu();
  }

  /** The connection state shown on every tile whose media comes through the SFU. */
  private setSfuTilesLink(link: 'connected' | 'reconnecting'): void {
    const store = this.store.getState();
    for (const id of store.order) if (this.shownPath.get(id) === 'sfu' && store.peers[id]?.link !== link) store.patchPeer(id, { link });
  }

  private async startSfu(): Promise<void> {
    if (this.sfu) return;
    const sfu: SfuSession = (this.sfu = new SfuSession({
      socket: this.signaling.socket,
      rtcConfig: this.rtcConfig,
      tracks: this.media.tracks(),
      onPeerStream: (peerId, stream) => {
        if (this.topology === 'sfu') this.show(peerId, 'sfu', stream);
      },
      onPeerScreen: (peerId, stream) => this.setScreen(peerId, 'sfu', stream),
      onChatChannel: (channel) => {
        this.sfuChat = channel;
        if (channel) this.chat.attach('sfu', channel);
        else this.chat.detach('sfu');
      },
      onChatMessage: (data, peerId) => this.sfuChat && this.chat.receive(data, this.sfuChat, peerId),
      onChatPeerOpen: () => this.chat.resync('sfu'),
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
      const delay = this.retry.sfuSetup.nextDelayMs(this.sfuFailures++);
      if (delay !== null) setTimeout(() => this.sfu === sfu && this.resetSfu(), delay);
    }
  }

  /** Follows the server's topology decision, make-before-break. */
  private async switchTo(topology: Topology): Promise<void> {
    if (topology === this.topology || !this.session) return;
    this.topology = topology;
    this.store.getState().set({ topology, switching: true, activeSpeakerId: null, audiblePeerIds: [] });
    clearTimeout(this.switchTimer);
    this.switchTimer = setTimeout(() => this.closeOldPaths(true), SWITCH_TIMEOUT_MS);
    if (topology === 'sfu') {
      await this.startSfu();
    } else {
      // Back to mesh: the peer with the smaller id offers, so each pair negotiates once.
      const selfId = this.session.peerId;
      this.startMesh(this.store.getState().order, (peerId) => selfId < peerId);
    }
  }

  private update(update: PeerUpdate): void {
    const self = this.store.getState().self;
    if (self) this.store.getState().set({ self: { ...self, ...update } });
    void this.signaling.socket.timeout(10_000).emitWithAck('peer:update', update).catch(() => undefined);
  }

  /** Presents a screen (the browser asks which); an error is shown from the media store. */
  async startShare(): Promise<void> {
    await this.media.startShare();
  }

  stopShare(): void {
    this.media.stopShare();
  }

  setMicMuted(muted: boolean): void {
    this.media.setMicMuted(muted);
    this.update({ audioMuted: muted });
  }

  async setCameraOn(on: boolean): Promise<void> {
    await this.media.setCameraOn(on);
    this.update({ videoMuted: !on });
  }

  /** A tile reports whether it is on screen; off-screen tiles (and all, in a hidden page) stop receiving video from the SFU. */
  setTileVisible(peerId: string, visible: boolean): void {
    if (visible) this.offscreen.delete(peerId);
    else this.offscreen.add(peerId);
    this.applyVideoPausing();
  }

  private applyVideoPausing(): void {
    const hidden = document.visibilityState === 'hidden';
    for (const id of this.store.getState().order) {
      if (this.shownPath.get(id) === 'sfu') void this.sfu?.setVideoPaused(id, hidden || this.offscreen.has(id));
    }
  }

  /** Our peer id in the room (null before joining). */
  get peerId(): string | null {
    return this.session?.peerId ?? null;
  }

  /** A tile reports the width it is rendered at; on the SFU that picks the layer to receive. */
  setTileWidth(peerId: string, width: number): void {
    void this.sfu?.setPreferredWidth(peerId, width);
  }

  async stats(): Promise<Record<string, PeerStats>> {
    const [mesh, sfu]: Record<string, LinkStats>[] = await Promise.all([this.mesh?.stats() ?? {}, this.sfu?.stats() ?? {}]);
    const result: Record<string, PeerStats> = {};
    for (const id of this.store.getState().order) {
      const path = this.shownPath.get(id) ?? this.topology;
      const s = path === 'sfu' ? sfu?.[id] : mesh?.[id];
      if (s) result[id] = { ...s, path };
    }
    return result;
  }

  async leave(): Promise<void> {
    clearTimeout(this.iceRefreshTimer);
    this.session = null;
    await this.signaling.socket.timeout(5_000).emitWithAck('room:leave', {}).catch(() => undefined);
    this.close();
    this.store.getState().set({ phase: 'left', peers: {}, order: [] });
  }

  private stopMedia(): void {
    this.mesh?.close();
    this.mesh = null;
    this.sfu?.close(false);
    this.sfu = null;
    this.sfuChat = null;
    clearTimeout(this.switchTimer);
    this.shownPath.clear();
    this.theirPath.clear();
    this.screens.clear();
    for (const { timer } of this.waitingForScreen.values()) clearTimeout(timer);
    this.waitingForScreen.clear();
  }

  close(): void {
    clearTimeout(this.iceRefreshTimer);
    clearTimeout(this.rejoinTimer);
    clearTimeout(this.restoreTimer);
    this.session = null;
    this.collector.stop();
    this.stopMedia();
    this.media.stop();
    this.chat.close();
    for (const off of this.offs.splice(0)) off();
  }
}
