import { useMemo, useState, type ReactNode } from 'react';
import type { SendResult } from '../chat/ChatService';
import { useChatStore } from '../state/chatStore';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { Controls, type ControlActions } from './Controls';
import { DevicePicker } from './DevicePicker';
import type { LobbyActions } from './Lobby';
import { ChatPanel } from './ChatPanel';
import { ParticipantList } from './ParticipantList';
import { ShareTile } from './ShareTile';
import { TileGrid } from './TileGrid';
import { VideoTile } from './VideoTile';

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
  const { self, peers, order, topology, switching, activeSpeakerId, audiblePeerIds, lastSwitch, selfQuality } = useRoomStore();
  const media = useMediaStore();
  const [participantsOpen, setParticipantsOpen] = useState(false);
  const [statsOpen, setStatsOpen] = useState(false);
  const chat = useChatStore();
  // One stream per track pair: a new object on every render would reload the self-view each time the store changes.
  const { videoTrack, audioTrack } = media;
  const selfStream = useMemo(
    () => (videoTrack || audioTrack ? new MediaStream([videoTrack, audioTrack].filter((t): t is MediaStreamTrack => t !== null)) : null),
    [videoTrack, audioTrack],
  );
  if (!self) return null;
  const remotes = order.map((id) => peers[id]).filter((p) => p !== undefined);
  const sharers = remotes.filter((p) => p.info.screenSharing);
  const sharing = media.screenTrack !== null;

  return (
    <main className="room">
      <header className="room-header">
        <h1 className="room-name">{roomId}</h1>
        <span data-testid="participant-count">{remotes.length + 1} in call</span>
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
      {sharers.length > 0 && (
        <section className="stage" aria-label="Shared screens" style={{ gridTemplateColumns: `repeat(${Math.min(sharers.length, 2)}, minmax(0, 1fr))` }}>
          {sharers.map((p) => (
            <ShareTile key={p.info.peerId} peerId={p.info.peerId} name={p.info.displayName} stream={p.screen} />
          ))}
        </section>
      )}
      <TileGrid count={remotes.length + 1}>
        <VideoTile peerId={self.peerId} name={self.displayName} stream={selfStream} audioMuted={media.audioMuted} videoMuted={media.videoMuted} isSelf quality={selfQuality} />
        {remotes.map((p) => (
          <VideoTile
            key={p.info.peerId}
            peerId={p.info.peerId}
            name={p.info.displayName}
            stream={p.stream}
            audioMuted={p.info.audioMuted}
            videoMuted={p.info.videoMuted}
            link={p.link}
            speakerId={media.speakerId}
            activeSpeaker={topology === 'sfu' && activeSpeakerId === p.info.peerId}
            audible={topology === 'sfu' && audiblePeerIds.includes(p.info.peerId)}
            onWidth={actions.setTileWidth}
            onVisible={actions.setTileVisible}
            quality={p.quality}
          />
        ))}
      </TileGrid>
      {participantsOpen && <ParticipantList self={{ ...self, audioMuted: media.audioMuted, videoMuted: media.videoMuted }} peers={remotes} />}
      {chat.open && <ChatPanel selfId={self.peerId} send={actions.sendChat} />}
      {statsOpen && statsPanel?.(() => setStatsOpen(false))}
      <details className="settings">
        <summary>Devices</summary>
        <DevicePicker label="Camera" devices={media.devices.cameras} value={media.cameraId} onChange={(id) => actions.selectDevice('camera', id)} />
        <DevicePicker label="Microphone" devices={media.devices.microphones} value={media.microphoneId} onChange={(id) => actions.selectDevice('microphone', id)} />
        <DevicePicker label="Speaker" devices={media.devices.speakers} value={media.speakerId} onChange={(id) => actions.selectDevice('speaker', id)} />
      </details>
      <Controls
        state={{ audioMuted: media.audioMuted, videoMuted: media.videoMuted, sharing, participantsOpen, chatOpen: chat.open, statsOpen, unread: chat.unread }}
        actions={{ ...actions, toggleParticipants: () => setParticipantsOpen((o) => !o), toggleChat: () => chat.setOpen(!chat.open), toggleStats: () => setStatsOpen((o) => !o) }}
      />
    </main>
  );
}
