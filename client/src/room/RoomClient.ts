import type { JoinResponse, PeerUpdate, ServerToClientEvents } from '@confer/shared';
import type { CallOptions } from '../callOptions';
import type { MediaController } from '../media/MediaController';
import { MeshSession } from '../mesh/MeshSession';
import type { LinkStats } from '../mesh/PeerLink';
import type { SignalingClient } from '../signaling/SignalingClient';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';

const joinErrors: Record<string, string> = {
  ROOM_FULL: 'This room is full.',
  BAD_REQUEST: 'The room name or display name is not valid.',
};

/**
 * One room from the user's side (mediasoup-demo's RoomClient role): joins through signaling, keeps
 * the room store current from presence events, and runs the mesh media session.
 */
export class RoomClient {
  private mesh: MeshSession | null = null;
  private session: JoinResponse | null = null;
  private displayName = '';
  private readonly store = useRoomStore;
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly signaling: SignalingClient,
    private readonly media: MediaController,
    readonly roomId: string,
    private readonly options: CallOptions,
  ) {}

  /** Starts following the room's events; undone by close(). */
  open(): void {
    const socket = this.signaling.socket;
    const listen = <E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]) => {
      socket.on(event, fn as never);
      this.offs.push(() => socket.off(event, fn as never));
    };
    listen('room:peer-joined', (peer) => {
      this.store.getState().upsertPeer(peer);
      // The newcomer offers; we open our side now so its offer finds a link waiting.
      this.mesh?.connect(peer.peerId, false);
    });
    listen('room:peer-left', ({ peerId }) => {
      this.mesh?.disconnect(peerId);
      this.store.getState().removePeer(peerId);
    });
    listen('room:peer-updated', (peer) => this.store.getState().upsertPeer(peer));
    listen('signal:receive', ({ from, signal }) => void this.mesh?.handleSignal(from, signal));
    // After a dropped connection, reclaim the seat; if it is gone, join afresh and rebuild the mesh.
    const onConnect = () => void this.rejoin();
    socket.on('connect', onConnect);
    this.offs.push(() => socket.off('connect', onConnect));
    this.media.onTrackChange((kind, track) => void this.mesh?.replaceTrack(kind, track));
  }

  async join(displayName: string): Promise<void> {
    this.displayName = displayName;
    const { audioMuted, videoMuted } = useMediaStore.getState();
    this.store.getState().set({ phase: 'joining', error: null });
    const answer = await this.signaling.join({ roomId: this.roomId, displayName, audioMuted, videoMuted });
    if (!answer.ok) {
      this.store.getState().set({ phase: 'error', error: joinErrors[answer.error.code] ?? answer.error.message });
      return;
    }
    this.start(answer.data);
  }

  private async rejoin(): Promise<void> {
    const previous = this.session;
    if (!previous) return;
    const { audioMuted, videoMuted } = useMediaStore.getState();
    const answer = await this.signaling.join({
      roomId: this.roomId,
      displayName: this.displayName,
      audioMuted,
      videoMuted,
      resume: { peerId: previous.peerId, token: previous.resumeToken },
    });
    if (!answer.ok) {
      this.store.getState().set({ phase: 'error', error: joinErrors[answer.error.code] ?? answer.error.message });
      return;
    }
    if (answer.data.resumed) {
      this.session = answer.data;
      return;
    }
    // The seat was freed while we were away: everyone sees us as a newcomer.
    this.mesh?.close();
    this.store.getState().set({ peers: {}, order: [] });
    this.start(answer.data);
  }

  private start(data: JoinResponse): void {
    this.session = data;
    const { audioMuted, videoMuted } = useMediaStore.getState();
    const store = this.store.getState();
    store.set({ phase: 'in-room', self: { peerId: data.peerId, displayName: this.displayName, audioMuted, videoMuted } });
    this.mesh = new MeshSession({
      selfId: data.peerId,
      rtcConfig: { iceServers: data.iceServers, iceTransportPolicy: this.options.forceRelay ? 'relay' : 'all' },
      tracks: this.media.tracks(),
      send: (to, signal) => {
        void this.signaling.socket
          .timeout(10_000)
          .emitWithAck('signal:send', { to, signal })
          .then(
            (ack) => !ack.ok && console.warn(`signal to ${to} refused: ${ack.error.message}`),
            () => console.warn(`signal to ${to} not acknowledged`),
          );
      },
      onPeerState: (peerId, link) => this.store.getState().patchPeer(peerId, { link }),
      onPeerStream: (peerId, stream) => this.store.getState().patchPeer(peerId, { stream }),
    });
    for (const peer of data.peers) {
      store.upsertPeer(peer);
      this.mesh.connect(peer.peerId, true);
    }
  }

  private update(update: PeerUpdate): void {
    const self = this.store.getState().self;
    if (self) this.store.getState().set({ self: { ...self, ...update } });
    void this.signaling.socket.timeout(10_000).emitWithAck('peer:update', update).catch(() => undefined);
  }

  setMicMuted(muted: boolean): void {
    this.media.setMicMuted(muted);
    this.update({ audioMuted: muted });
  }

  async setCameraOn(on: boolean): Promise<void> {
    await this.media.setCameraOn(on);
    this.update({ videoMuted: !on });
  }

  stats(): Promise<Record<string, LinkStats>> {
    return this.mesh?.stats() ?? Promise.resolve({});
  }

  async leave(): Promise<void> {
    this.session = null;
    await this.signaling.socket.timeout(5_000).emitWithAck('room:leave', {}).catch(() => undefined);
    this.close();
    this.store.getState().set({ phase: 'left', peers: {}, order: [] });
  }

  close(): void {
    this.session = null;
    this.mesh?.close();
    this.mesh = null;
    this.media.stop();
    for (const off of this.offs.splice(0)) off();
  }
}
