import { useTranslation } from 'react-i18next';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { SendResult } from '../chat/ChatService';
import { useChatStore } from '../state/chatStore';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { Controls, type ControlActions } from './Controls';
import { DevicePickers } from './DevicePicker';
import type { LobbyActions } from './Lobby';
import { ChatPanel } from './ChatPanel';
import { ParticipantList, WaitingList, type Moderate } from './ParticipantList';
import { nextActiveSpeaker } from '../room/activeSpeaker';
import { tileLayout } from '../room/tileLayout';
import { TileGrid } from './TileGrid';
import { RemoteTile, SelfTile, SharedScreens } from './RoomTiles';
import { loadSetting, saveSetting } from '../settings';

/** Whether this browser hides its own tile, remembered like the theme. */
const SELF_VIEW_KEY = 'confer.selfView';

export function Room({
  roomId,
  actions,
  statsPanel,
  pageTiles,
}: {
  roomId: string;
  /** Tiles on a page of the grid (callOptions). */
  pageTiles?: number;
  /** The in-call stats dashboard, given how to close it. */
  statsPanel?: (onClose: () => void) => ReactNode;
  actions: Omit<ControlActions, 'toggleParticipants' | 'toggleChat' | 'toggleStats' | 'setLayout' | 'toggleSelfView'> &
    Pick<LobbyActions, 'selectDevice' | 'setFilter'> & {
      sendChat(text: string): SendResult;
      setTileWidth?(peerId: string, width: number): void;
      setTileVisible?(peerId: string, visible: boolean): void;
      moderate: Moderate;
    };
}) {
  const { t } = useTranslation();
  const self = useRoomStore((s) => s.self);
  const order = useRoomStore((s) => s.order);
  const { controls, waiting, notice, layout, pinnedId, page, activeSpeakerId, set } = useRoomStore(
    useShallow(({ controls, waiting, notice, layout, pinnedId, page, activeSpeakerId, set }) => ({ controls, waiting, notice, layout, pinnedId, page, activeSpeakerId, set })),
  );
  const place = tileLayout({ selfId: self?.peerId ?? '', order, layout, pinnedId, activeSpeakerId, page, pageTiles });
  const { setTileVisible } = actions;
  // A tile off the page is hidden: its visibility observer says so, and the SFU stops sending its video.
  const offPage = order.filter((id) => !place.shown.has(id)).join();
  useEffect(() => {
    for (const id of offPage ? offPage.split(',') : []) setTileVisible?.(id, false);
  }, [offPage, setTileVisible]);
  const onPin = useCallback((peerId: string, pinned: boolean) => set({ pinnedId: pinned ? peerId : null }), [set]);
  // In mesh each browser hears who speaks and picks the active speaker (outlined, and the speaker view's speaker).
  const speakingPeers = useRef<string[]>([]);
  const onSpeaking = useCallback((peerId: string, speaking: boolean) => {
    const state = useRoomStore.getState();
    // In the order they started (a peer gone from the room speaks no more).
    const present = speakingPeers.current.filter((id) => state.peers[id]);
    speakingPeers.current = !speaking ? present.filter((id) => id !== peerId) : present.includes(peerId) ? present : [...present, peerId];
    if (state.topology === 'mesh') set({ activeSpeakerId: nextActiveSpeaker(state.activeSpeakerId, speakingPeers.current) });
  }, [set]);
  const { topology, switching, lastSwitch } = useRoomStore(useShallow(({ topology, switching, lastSwitch }) => ({ topology, switching, lastSwitch })));
  const media = useMediaStore(
    useShallow(({ audioMuted, videoMuted, screenTrack, shareError }) => ({ audioMuted, videoMuted, sharing: screenTrack !== null, shareError })),
  );
  const [participantsOpen, setParticipantsOpen] = useState(false);
  const [statsOpen, setStatsOpen] = useState(false);
  const [selfHidden, setSelfHidden] = useState(() => loadSetting(SELF_VIEW_KEY) === 'hidden');
  const { open: chatOpen, unread, setOpen: setChatOpen } = useChatStore(useShallow(({ open, unread, setOpen }) => ({ open, unread, setOpen })));
  if (!self) return null;
  const { sharing } = media;
  // Hidden from the grid only: pinned, or the speaker view's speaker, it is still shown on the stage.
  const selfShown = !selfHidden || place.stageId === self.peerId;

  return (
    <main className="room">
      <header className="room-header">
        <h1 className="room-name">{roomId}</h1>
        <span data-testid="participant-count">{t('room.inCall', { count: order.length + 1 })}</span>
        {controls.locked && (
          <span className="detail" data-testid="locked" title={t('room.lockedHint')}>
            {t('room.locked')}
          </span>
        )}
        <span className="detail" data-testid="topology" data-topology={topology} title={t('room.topologyHint')}>
          {topology === 'sfu' ? t('room.viaServer') : t('room.peerToPeer')}
          {switching ? t('room.switching') : ''}
          {!switching && lastSwitch?.durationMs != null ? t('room.lastSwitch', { seconds: (lastSwitch.durationMs / 1000).toFixed(1) }) : ''}
        </span>
      </header>
      {sharing && (
        <div className="presenting" role="status" data-testid="presenting">
          {t('room.presenting')}{' '}
          <button type="button" onClick={actions.stopShare}>
            {t('room.stopPresenting')}
          </button>
        </div>
      )}
      {media.shareError && (
        <p className="share-error" role="alert">
          {media.shareError}
        </p>
      )}
      {notice && (
        <p className="notice" role="status" data-testid="notice">
          {notice}
        </p>
      )}
      {controls.hostId === self.peerId && <WaitingList waiting={waiting} moderate={actions.moderate} />}
      <div className="call-area">
        <div className="call-main">
          <SharedScreens />
          <TileGrid count={place.stageId ? 0 : place.shown.size + (selfShown ? 1 : 0)} speaker={place.stageId !== null}>
            {selfShown && <SelfTile onPin={onPin} onStage={place.stageId === self.peerId} />}
            {order.map((id) => (
              <RemoteTile key={id} peerId={id} onWidth={actions.setTileWidth} onVisible={actions.setTileVisible} onPin={onPin} onSpeaking={onSpeaking} onStage={place.stageId === id} offPage={!place.shown.has(id)} />
            ))}
          </TileGrid>
          {place.pages > 1 && (
            <nav className="pager" aria-label={t('room.pages')}>
              <button type="button" disabled={place.page === 0} onClick={() => set({ page: place.page - 1 })}>
                {t('room.previousPage')}
              </button>
              <span data-testid="page">
                {t('room.page', { page: place.page + 1, pages: place.pages })}
              </span>
              <button type="button" disabled={place.page === place.pages - 1} onClick={() => set({ page: place.page + 1 })}>
                {t('room.nextPage')}
              </button>
            </nav>
          )}
        </div>
        {participantsOpen && <ParticipantList self={{ ...self, audioMuted: media.audioMuted, videoMuted: media.videoMuted }} moderate={actions.moderate} />}
        {chatOpen && <ChatPanel selfId={self.peerId} send={actions.sendChat} />}
      </div>
      {statsOpen && statsPanel?.(() => setStatsOpen(false))}
      <details className="settings">
        <summary>{t('devices.title')}</summary>
        <DevicePickers actions={actions} />
      </details>
      <Controls
        state={{ audioMuted: media.audioMuted, videoMuted: media.videoMuted, sharing, participantsOpen, chatOpen, statsOpen, unread, handRaised: self.handRaisedAt !== null, layout, selfHidden, isHost: controls.hostId === self.peerId, locked: controls.locked }}
        actions={{
          ...actions,
          toggleParticipants: () => setParticipantsOpen((o) => !o),
          toggleChat: () => setChatOpen(!chatOpen),
          toggleStats: () => setStatsOpen((o) => !o),
          setLayout: (next) => set({ layout: next, pinnedId: null }),
          toggleSelfView: () => {
            saveSetting(SELF_VIEW_KEY, selfHidden ? 'shown' : 'hidden');
            setSelfHidden(!selfHidden);
          },
        }}
      />
    </main>
  );
}
