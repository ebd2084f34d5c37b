import { create } from 'zustand';
import type { Knock, PeerInfo, Quality, ReactionEmoji, RoomControls, SwitchRecord, Topology } from '@confer/shared';
import type { LinkState } from '../media/mediaTypes';

export interface RemotePeer {
  info: PeerInfo;
  link: LinkState;
  stream: MediaStream | null;
  /** The peer's shared screen, while it presents and its media arrives. */
  screen: MediaStream | null;
  speaking: boolean;
  /** How well its media reaches us (from our stats), null before the first sample. */
  quality: Quality | null;
}

export type RoomPhase = 'lobby' | 'joining' | 'waiting' | 'in-room' | 'left' | 'error';
/** Why we are out of the room: we left, the host removed us or ended the meeting, or did not let us in. */
export type LeftReason = 'self' | 'removed' | 'ended' | 'denied';
export type Layout = 'grid' | 'speaker';
/** A reaction shown over a tile; `id` tells two equal reactions in a row apart. */
export interface ShownReaction {
  emoji: ReactionEmoji;
  id: number;
}

interface RoomState {
  phase: RoomPhase;
  /** Why joining failed or the room was lost, for the user to read. */
  error: string | null;
  self: PeerInfo | null;
  /** How media flows now, and whether a switch between mesh and SFU is under way. */
  topology: Topology;
  switching: boolean;
  /** On the SFU, the server's dominant speaker. */
  activeSpeakerId: string | null;
  /** On the SFU, the peers the server hears now. */
  audiblePeerIds: string[];
  /** The room's last completed mesh ⇄ SFU switch, with its duration. */
  lastSwitch: SwitchRecord | null;
  selfSpeaking: boolean;
  /** How well our own media leaves us (from our stats). */
  selfQuality: Quality | null;
  /** In join order. */
  peers: Record<string, RemotePeer>;
  order: string[];
  leftReason: LeftReason;
  /** Who is host, and whether the room is locked. */
  controls: RoomControls;
  /** To the host: who waits to come in. */
  waiting: Knock[];
  /** By peer id (ours too): reactions on screen now. */
  reactions: Record<string, ShownReaction>;
  /** Something the host did to us, for a moment ("The host muted your microphone"). */
  notice: string | null;
  layout: Layout;
  /** The tile the user pinned to the stage (on this page only). */
  pinnedId: string | null;
  /** The grid's page (0-based) in a room with more tiles than fit one. */
  page: number;
  set(partial: Partial<Omit<RoomState, 'set' | 'upsertPeer' | 'patchPeer' | 'removePeer' | 'reset'>>): void;
  upsertPeer(info: PeerInfo): void;
  patchPeer(peerId: string, patch: Partial<RemotePeer>): void;
  removePeer(peerId: string): void;
  reset(): void;
}

const initial = {
  leftReason: 'self' as LeftReason,
  controls: { hostId: null, locked: false } as RoomControls,
  waiting: [] as Knock[],
  reactions: {} as Record<string, ShownReaction>,
  notice: null as string | null,
  layout: 'grid' as Layout,
  pinnedId: null as string | null,
  page: 0,
  phase: 'lobby' as RoomPhase, error: null, self: null, topology: 'mesh' as Topology, switching: false, activeSpeakerId: null, audiblePeerIds: [] as string[], lastSwitch: null as SwitchRecord | null, selfSpeaking: false, selfQuality: null as Quality | null, peers: {}, order: [] };

export const useRoomStore = create<RoomState>((set) => ({
  ...initial,
  set: (partial) => set(partial),
  upsertPeer: (info) =>
    set((s) => {
      const existing = s.peers[info.peerId];
      return {
        peers: { ...s.peers, [info.peerId]: existing ? { ...existing, info } : { info, link: 'connecting', stream: null, screen: null, speaking: false, quality: null } },
        order: existing ? s.order : [...s.order, info.peerId],
      };
    }),
  patchPeer: (peerId, patch) =>
    set((s) => {
      const peer = s.peers[peerId];
      return peer ? { peers: { ...s.peers, [peerId]: { ...peer, ...patch } } } : {};
    }),
  removePeer: (peerId) =>
    set((s) => {
      const { [peerId]: _removed, ...rest } = s.peers;
      return { peers: rest, order: s.order.filter((id) => id !== peerId) };
    }),
  reset: () => set(initial),
}));
