import i18next from 'i18next';
import { describeRefusal } from '../i18n/refusals';
import type { JoinResponse, ModerationAction, PeerUpdate, ReactionEmoji, ServerToClientEvents } from '@confer/shared';
import type { CallOptions } from '../callOptions';
import { ChatService } from '../chat/ChatService';
import type { MediaController } from '../media/MediaController';
import { defaultRetryPolicies, type RetryPolicies } from '../net/RetryPolicy';
import { ask, SHORT_REQUEST_MS } from '../signaling/request';
import type { SignalingClient } from '../signaling/SignalingClient';
import { StatsCollector } from '../stats/StatsCollector';
import { useMediaStore } from '../state/mediaStore';
import type { RoomDiagnostics } from './diagnostics';
import { RoomMedia } from './RoomMedia';
import { RoomSession } from './RoomSession';
import { RoomView } from './RoomView';

/** The longest the lobby stays up after the join answer while our first offers are being made. */
const SHOW_ROOM_WITHIN_MS = 250;
/** How long a reaction stays over its tile, and a notice of what the host did to us on screen. */
export const REACTION_MS = 4000;
const NOTICE_MS = 6000;
const notices = { mute: 'room.hostMuted', 'stop-video': 'room.hostStoppedVideo' } as const;

/**
 * One room from the user's side (mediasoup-demo's RoomClient role), a façade over RoomSession (our seat),
 * RoomMedia (mesh and SFU, switched make-before-break), RoomView (the room store), chat and the stats
 * collector. This class wires the server's presence events and the user's controls to them.
 */
export class RoomClient {
  private readonly view = new RoomView();
  private readonly offs: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private reactionCount = 0;
  private readonly session: RoomSession;
  private readonly media: RoomMedia;
  readonly chat = new ChatService(
    () => (this.session.current ? { peerId: this.session.current.peerId, displayName: this.session.name } : null),
    undefined,
    (peerId) => this.view.peer(peerId)?.displayName ?? null,
  );
  /** getStats of every connection once a second: to the server's dashboard and to our tiles' indicators. */
  private readonly collector = new StatsCollector({
    targets: () => this.media.statsTargets(),
    topology: () => this.media.topology,
    send: async (samples) => (await ask(this.signaling.socket, 'stats:report', { samples }, SHORT_REQUEST_MS)).ok,
    onSample: (sample) => this.view.showQuality(sample),
  });

  constructor(
    private readonly signaling: SignalingClient,
    private readonly devices: MediaController,
    readonly roomId: string,
    private readonly options: CallOptions,
    retry: RetryPolicies = defaultRetryPolicies(),
  ) {
    const { socket } = signaling;
    this.session = new RoomSession({
      roomId,
      joinToken: options.joinToken,
      mediaState: () => ({ audioMuted: useMediaStore.getState().audioMuted, videoMuted: useMediaStore.getState().videoMuted }),
      topology: () => this.media.topology,
      connected: () => socket.connected,
      join: (request) => signaling.join(request),
      refreshIce: () => ask(socket, 'ice:refresh', {}),
      rejoinPolicy: retry.rejoin,
      onStart: (data, fresh) => this.start(data, fresh),
      onResumed: (data) => this.resumed(data),
      onFailed: (message) => this.view.set({ phase: 'error', error: message }),
      onWaiting: () => this.view.set({ phase: 'waiting', error: null }),
      onIceServers: (iceServers) => this.media.setIceServers(iceServers),
      onPeerGone: (peerId) => this.removePeer(peerId),
      roster: () => this.view.roster,
    });
    this.media = new RoomMedia({
      socket,
      view: this.view,
      chat: this.chat,
      selfId: () => this.peerId,
      rtcConfig: () => ({ iceServers: this.session.current?.iceServers ?? [], iceTransportPolicy: options.forceRelay ? 'relay' : 'all' }),
      tracks: () => devices.tracks(),
      retry,
      standby: options.standby,
    });
  }

  /** For diagnosis and tests: the switch steps, each tile's counters from the path it shows, every connection. */
  get diagnostics(): RoomDiagnostics {
    return this.media.diagnostics;
  }

  /** Our peer id in the room (null before joining). */
  get peerId(): string | null {
    return this.session.current?.peerId ?? null;
  }

  /** Starts following the room's events; undone by close(). */
  open(): void {
    const socket = this.signaling.socket;
    const listen = <E extends keyof ServerToClientEvents | 'connect'>(event: E, fn: E extends keyof ServerToClientEvents ? ServerToClientEvents[E] : () => void) => {
      socket.on(event, fn as never);
      this.offs.push(() => socket.off(event, fn as never));
    };
    listen('room:peer-joined', (peer) => {
      this.session.forget(peer.peerId);
      this.view.upsert([peer]);
      this.media.peerJoined(peer.peerId);
    });
    listen('room:peer-left', ({ peerId }) => this.removePeer(peerId));
    listen('room:peer-updated', (peer) => {
      // About us (the host lowered our hand, or muted us: room:moderated acts on our devices).
      if (peer.peerId === this.peerId) return this.view.updateSelf({ handRaisedAt: peer.handRaisedAt });
      this.view.upsert([peer]);
      if (!peer.screenSharing) this.media.sharingStopped(peer.peerId);
    });
    listen('room:switch-complete', (record) => this.view.set({ lastSwitch: record }));
    listen('room:controls', (controls) => this.view.set({ controls, ...(controls.hostId === this.peerId ? {} : { waiting: [] }) }));
    listen('room:waiting', ({ waiting }) => this.view.set({ waiting }));
    listen('room:reaction', ({ peerId, emoji }) => this.showReaction(peerId, emoji));
    listen('room:moderated', ({ action }) => {
      // The host silences; only we can make ourselves heard or seen again.
      if (action === 'mute') this.setMicMuted(true);
      else void this.setCameraOn(false);
      this.showNotice(i18next.t(notices[action]));
    });
    listen('room:admission', (answer) => {
      if (answer.admitted) void this.session.admitted(answer.ticket);
      else {
        this.session.close();
        this.view.set({ phase: 'left', leftReason: 'denied' });
      }
    });
    listen('room:closed', ({ reason }) => {
      this.close();
      this.view.set({ phase: 'left', leftReason: reason, peers: {}, order: [] });
    });
    listen('room:active-speaker', ({ peerId }) => this.view.set({ activeSpeakerId: peerId }));
    listen('room:audio-levels', ({ levels }) => this.view.set({ audiblePeerIds: levels.map((l) => l.peerId) }));
    // After a dropped connection, reclaim the seat; if it is gone, join afresh and rebuild the media.
    listen('connect', () => void this.session.rejoin());
    this.offs.push(this.media.listen());
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
    this.view.set({ phase: 'joining', error: null });
    await this.session.join(displayName, password);
  }

  private removePeer(peerId: string): void {
    this.session.forget(peerId);
    this.media.peerLeft(peerId);
    this.view.removePeer(peerId);
  }

  /** A new seat: the first join, or after the old one was freed while we were away (everyone sees a newcomer). */
  private start(data: JoinResponse, fresh: boolean): void {
    if (fresh) this.media.close();
    const { audioMuted, videoMuted, screenTrack } = useMediaStore.getState();
    const screenSharing = screenTrack !== null;
    this.view.entered({ peerId: data.peerId, displayName: this.session.name, audioMuted, videoMuted, screenSharing, handRaisedAt: null, joinedAt: Date.now() }, data.topology, data.peers, fresh);
    this.view.set({ controls: data.controls });
    // Rejoining afresh while presenting: the server starts everyone as not sharing.
    if (screenSharing) this.update({ screenSharing });
    // The room renders once our first offers are out (or after SHOW_ROOM_WITHIN_MS): rendering it before
    // would hold each offer back by the render's length, and the peers' answers with it.
    const offered = this.media.start(data);
    void Promise.race([offered, new Promise((resolve) => setTimeout(resolve, SHOW_ROOM_WITHIN_MS))]).then(() => this.view.show());
    if (this.options.stats) this.collector.start();
  }

  /** Our seat is back (held, or restored by a restarted server): bring the room's view and media in line. */
  private resumed(data: JoinResponse): void {
    this.view.upsert(data.peers);
    this.view.set({ controls: data.controls });
    // A restarted server never saw our screen share.
    if (data.resumed === 'restored' && useMediaStore.getState().screenTrack) this.update({ screenSharing: true });
    this.media.resumed(data);
  }

  private update(update: PeerUpdate): void {
    this.view.updateSelf(update);
    void ask(this.signaling.socket, 'peer:update', update);
  }

  setHandRaised(raised: boolean): void {
    this.view.updateSelf({ handRaisedAt: raised ? Date.now() : null });
    void ask(this.signaling.socket, 'peer:update', { handRaised: raised });
  }

  /** Everyone sees it over our tile (we too, when the server sends it back). */
  react(emoji: ReactionEmoji): void {
    void ask(this.signaling.socket, 'room:react', { emoji });
  }

  /** Host: act on a participant, or answer one who waits. A refusal (we are no longer host) is shown as a notice. */
  async moderate(action: ModerationAction, peerId: string): Promise<void> {
    const answer = await ask(this.signaling.socket, 'room:moderate', { action, peerId });
    if (!answer.ok) this.showNotice(describeRefusal(answer.error));
  }

  async setLocked(locked: boolean): Promise<void> {
    const answer = await ask(this.signaling.socket, 'room:lock', { locked });
    if (answer.ok) this.view.set({ controls: answer.data });
    else this.showNotice(describeRefusal(answer.error));
  }

  async endMeeting(): Promise<void> {
    const answer = await ask(this.signaling.socket, 'room:end', {});
    if (!answer.ok) this.showNotice(describeRefusal(answer.error));
  }

  private showReaction(peerId: string, emoji: ReactionEmoji): void {
    const shown = { emoji, id: ++this.reactionCount };
    this.view.set({ reactions: { ...this.view.reactions, [peerId]: shown } });
    this.later(REACTION_MS, () => {
      const { [peerId]: current, ...rest } = this.view.reactions;
      if (current?.id === shown.id) this.view.set({ reactions: rest });
    });
  }

  /** A line the user reads for a few seconds. */
  showNotice(notice: string): void {
    this.view.set({ notice });
    this.later(NOTICE_MS, () => {
      if (this.view.notice === notice) this.view.set({ notice: null });
    });
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
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

  /** A tile reports the width it is rendered at; on the SFU that picks the layer to receive. */
  setTileWidth(peerId: string, width: number): void {
    this.media.setTileWidth(peerId, width);
  }

  async leave(): Promise<void> {
    this.session.close();
    await ask(this.signaling.socket, 'room:leave', {}, SHORT_REQUEST_MS);
    this.close();
    this.view.set({ phase: 'left', leftReason: 'self', peers: {}, order: [] });
  }

  close(): void {
    this.session.close();
    this.collector.stop();
    this.media.close();
    this.devices.stop();
    this.chat.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const off of this.offs.splice(0)) off();
  }
}
