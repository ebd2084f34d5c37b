import { useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SendResult } from '../chat/ChatService';
import { useChatStore } from '../state/chatStore';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { Controls, type ControlActions } from './Controls';
import { DevicePickers } from './DevicePicker';
import type { LobbyActions } from './Lobby';
import { ChatPanel } from './ChatPanel';
import { ParticipantList } from './ParticipantList';
import { TileGrid } from './TileGrid';
import { RemoteTile, SelfTile, SharedScreens } from './RoomTiles';

export function Room({
  roomId,
  actions,
  statsPanel,
}: {
  roomId: string;
  /** The in-call stats dashboard, given how to close it. */
  statsPanel?: (onClose: () => void) => ReactNode;
  actions: Omit<ControlActions, 'toggleParticipants' | 'toggleChat' | 'toggleStats'> &
    Pick<LobbyActions, 'selectDevice'> & { sendChat(text: string): SendResult; setTileWidth?(peerId: string, width: number): void; setTileVisible?(peerId: string, visible: boolean): void };
}) {
  const self = useRoomStore((s) => s.self);
  const order = useRoomStore((s) => s.order);
  const { topology, switching, lastSwitch } = useRoomStore(useShallow(({ topology, switching, lastSwitch }) => ({ topology, switching, lastSwitch })));
  const media = useMediaStore(
    useShallow(({ audioMuted, videoMuted, screenTrack, shareError }) => ({ audioMuted, videoMuted, sharing: screenTrack !== null, shareError })),
  );
  const [participantsOpen, setParticipantsOpen] = useState(false);
  const [statsOpen, setStatsOpen] = useState(false);
  const { open: chatOpen, unread, setOpen: setChatOpen } = useChatStore(useShallow(({ open, unread, setOpen }) => ({ open, unread, setOpen })));
  if (!self) return null;
  const { sharing } = media;

  return (
    <main className="room">
      <header className="room-header">
        <h1 className="room-name">{roomId}</h1>
        <span data-testid="participant-count">{order.length + 1} in call</span>
        <span className="detail" data-testid="topology" data-topology={topology} title="How media flows: directly between browsers (mesh) or through the media server (SFU)">
          {topology === 'sfu' ? 'via server' : 'peer to peer'}
          {switching ? ' (switching…)' : ''}
          {!switching && lastSwitch?.durationMs != null ? ` (last switch ${(lastSwitch.durationMs / 1000).toFixed(1)} s)` : ''}
        </span>
      </header>
      {sharing && (
        <div className="presenting" role="status" data-testid="presenting">
          You are presenting your screen.{' '}
          <button type="button" onClick={actions.stopShare}>
            Stop presenting
          </button>
        </div>
      )}
      {media.shareError && (
        <p className="share-error" role="alert">
          {media.shareError}
        </p>
      )}
      <SharedScreens />
      <TileGrid count={order.length + 1}>
        <SelfTile />
        {order.map((id) => (
          <RemoteTile key={id} peerId={id} onWidth={actions.setTileWidth} onVisible={actions.setTileVisible} />
        ))}
      </TileGrid>
      {participantsOpen && <ParticipantList self={{ ...self, audioMuted: media.audioMuted, videoMuted: media.videoMuted }} />}
      {chatOpen && <ChatPanel selfId={self.peerId} send={actions.sendChat} />}
      {statsOpen && statsPanel?.(() => setStatsOpen(false))}
      <details className="settings">
        <summary>Devices</summary>
        <DevicePickers onSelect={actions.selectDevice} />
      </details>
      <Controls
        state={{ audioMuted: media.audioMuted, videoMuted: media.videoMuted, sharing, participantsOpen, chatOpen, statsOpen, unread }}
        actions={{ ...actions, toggleParticipants: () => setParticipantsOpen((o) => !o), toggleChat: () => setChatOpen(!chatOpen), toggleStats: () => setStatsOpen((o) => !o) }}
      />
    </main>
  );
}
