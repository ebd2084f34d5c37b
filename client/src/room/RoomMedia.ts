import type { JoinResponse, Signal, Topology } from '@confer/shared';
import type { ChatService } from '../chat/ChatService';
import type { LocalTracks, TrackSource } from '../media/mediaTypes';
import type { RetryPolicies } from '../net/RetryPolicy';
import { ask } from '../signaling/request';
import type { SignalingSocket } from '../signaling/SignalingClient';
import type { StatsTarget } from '../stats/StatsCollector';
import { RoomDiagnostics } from './diagnostics';
import { MediaPaths } from './MediaPaths';
import { PathSwitcher } from './PathSwitcher';
import type { RoomView } from './RoomView';

export interface RoomMediaOptions {
  socket: SignalingSocket;
  view: RoomView;
  chat: ChatService;
  selfId(): string | null;
  rtcConfig(): RTCConfiguration;
  tracks(): LocalTracks;
  retry: RetryPolicies;
  /** Follow the server's warm standby (callOptions `standby=0` turns it off, to measure it). */
  standby: boolean;
}

/**
 * The room's media as the server's topology says: the mesh and SFU paths (MediaPaths) and which one each
 * tile shows (PathSwitcher), switched make-before-break: a peer's tile moves to the new path only once
 * media from it decodes there, and only then is the old path to that peer closed.
 */
export class RoomMedia {
  private readonly paths: PathSwitcher<MediaStream>;
  private readonly media: MediaPaths;
  readonly diagnostics: RoomDiagnostics;

  constructor(private readonly o: RoomMediaOptions) {
    const { view, socket, chat } = o;
    this.paths = new PathSwitcher<MediaStream>({
      roster: () => view.roster,
      isSharing: (peerId) => view.peer(peerId)?.screenSharing ?? false,
      meshPeers: () => this.media.meshPeers(),
      sfuOpen: () => this.media.sfuOpen,
      show: (peerId, path, stream) => {
        view.showStream(peerId, path, stream);
        if (path === 'sfu') this.media.applyVideoPausing();
      },
      showScreen: (peerId, screen) => view.showScreen(peerId, screen),
      tellPeer: (peerId, path) => this.sendSignal(peerId, { receiving: path }),
      closeMesh: (peerIds) => this.media.closeMesh(peerIds),
      closeSfu: () => this.media.leaveSfu(),
      finished: (switchId) => {
        view.set({ switching: false });
        // Back on the mesh of a room still one short of the SFU: its idle SFU session again.
        this.media.syncStandby();
        if (switchId) void ask(socket, 'topology:switched', { switchId });
        // A chat message in flight on a path that just closed is in its sender's history: fetch it.
        chat.resync();
      },
      log: (peerId, event, path) => this.diagnostics.log(peerId, event, path),
    });
    this.media = new MediaPaths({
      socket,
      selfId: () => o.selfId() ?? '',
      rtcConfig: () => o.rtcConfig(),
      tracks: () => o.tracks(),
      retry: o.retry,
      paths: this.paths,
      chat,
      sendSignal: (to, signal) => this.sendSignal(to, signal),
      setLink: (peerId, link) => view.setLink(peerId, link),
      roster: () => view.roster,
      videoMuted: (peerId) => view.peer(peerId)?.videoMuted ?? false,
    });
    this.diagnostics = new RoomDiagnostics(this.media, this.paths, () => view.roster);
  }

  get topology(): Topology {
    return this.paths.topology;
  }

  /** Follows the server's media events (signals, topology, SFU) and page visibility; the returned function stops. */
  listen(): () => void {
    const { socket } = this.o;
    const onSignal = ({ from, signal }: { from: string; signal: Signal }) =>
      'receiving' in signal ? this.paths.peerReceiving(from, signal.receiving) : this.media.meshSignal(from, signal);
    const onTopology = ({ topology, switchId }: { topology: Topology; switchId: string }) => this.switchTo(topology, switchId);
    const onStandby = ({ standby }: { standby: boolean }) => this.setStandby(standby);
    const onVisibility = () => this.media.applyVideoPausing();
    socket.on('signal:receive', onSignal);
    socket.on('room:topology', onTopology);
    socket.on('room:standby', onStandby);
    document.addEventListener('visibilitychange', onVisibility);
    const stopSfu = this.media.listen();
    return () => {
      socket.off('signal:receive', onSignal);
      socket.off('room:topology', onTopology);
      socket.off('room:standby', onStandby);
      document.removeEventListener('visibilitychange', onVisibility);
      stopSfu();
    };
  }

  /**
   * A new seat: media from scratch on the room's topology (a newcomer to an SFU room goes straight to the SFU).
   * Settles once our mesh offers are out (at once on the SFU).
   */
  start(data: JoinResponse): Promise<void> {
    this.paths.start(data.topology);
    let offered = Promise.resolve();
    if (data.topology === 'sfu') void this.media.startSfu();
    else offered = this.media.startMesh(data.peers.map((p) => p.peerId), () => true);
    this.setStandby(data.standby);
    return offered;
  }

  private setStandby(standby: boolean): void {
    this.media.setStandby(standby && this.o.standby);
  }

  /** Our seat is back (held, or restored by a restarted server): bring the media in line with the room. */
  resumed(data: JoinResponse): void {
    // Joined while we were away: their offers went nowhere, so we offer (perfect negotiation settles a crossing).
    if (this.topology === 'mesh' && data.topology === 'mesh' && this.media.meshOpen) {
      for (const { peerId } of data.peers) if (!this.media.hasMeshLink(peerId)) this.media.connect(peerId, true);
    }
    // A restarted server has none of our SFU media.
    if (data.resumed === 'restored' && data.topology === 'sfu' && this.topology === 'sfu') this.media.resetSfu();
    this.switchTo(data.topology, null);
    this.setStandby(data.standby);
  }

  /** Follows the server's topology decision. */
  private switchTo(topology: Topology, switchId: string | null): void {
    const selfId = this.o.selfId();
    if (topology === this.topology || !selfId) return;
    this.paths.begin(topology, switchId);
    this.o.view.switching(topology);
    if (topology === 'sfu') return void this.media.startSfu();
    // Back to mesh: the peer with the smaller id offers, so each pair negotiates once.
    void this.media.startMesh(this.o.view.roster, (peerId) => selfId < peerId);
  }

  /** In mesh the newcomer offers; we open our side now so its offer finds a link waiting. */
  peerJoined(peerId: string): void {
    if (this.topology === 'mesh') this.media.connect(peerId, false);
  }

  peerLeft(peerId: string): void {
    this.media.removePeer(peerId);
    this.paths.peerLeft(peerId);
  }

  /** A tile waiting for this peer's screen need not wait once it stopped presenting, nor keep its last frame. */
  sharingStopped(peerId: string): void {
    this.paths.sharingStopped(peerId);
  }

  replaceTrack(kind: TrackSource, track: MediaStreamTrack | null): void {
    this.media.replaceTrack(kind, track);
  }

  setIceServers(iceServers: RTCIceServer[]): void {
    void this.media.setIceServers(iceServers);
  }

  setTileVisible(peerId: string, visible: boolean): void {
    this.media.setTileVisible(peerId, visible);
  }

  setTileWidth(peerId: string, width: number): void {
    this.media.setTileWidth(peerId, width);
  }

  statsTargets(): StatsTarget[] {
    return this.media.statsTargets();
  }

  private sendSignal(to: string, signal: Signal): void {
    void ask(this.o.socket, 'signal:send', { to, signal }).then((ack) => !ack.ok && console.warn(`signal to ${to} refused: ${ack.error.message}`));
  }

  close(): void {
    this.media.close();
    this.paths.reset();
  }
}
