import { useCallback, useEffect, useMemo } from 'react';
import { joinTokenName, type CallOptions } from '../callOptions';
import { MediaController } from '../media/MediaController';
import type { MediaKind } from '../media/mediaTypes';
import { RoomClient } from '../room/RoomClient';
import type { SignalingClient } from '../signaling/SignalingClient';
import { initialChatState, useChatStore } from '../state/chatStore';
import type { ModerationAction, ReactionEmoji } from '@confer/shared';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import { useRoomStore } from '../state/roomStore';
import { StatsPanel } from '../dashboard/StatsPanel';
import { Lobby } from './Lobby';
import { Room } from './Room';

/** The room's own link: never the join token or password this page may have been opened with. */
async function copyInvite(room: RoomClient): Promise<void> {
  const link = `${location.origin}${location.pathname}`;
  try {
    await navigator.clipboard.writeText(link);
    room.showNotice(i18next.t('room.inviteCopied', { link }));
  } catch {
    room.showNotice(i18next.t('room.inviteCopy', { link }));
  }
}

/** Owns the room's media and room client for as long as the page shows this room. */
export function RoomPage({ roomId, signaling, options }: { roomId: string; signaling: SignalingClient; options: CallOptions }) {
  const { media, room } = useMemo(() => {
    const media = new MediaController(options);
    return { media, room: new RoomClient(signaling, media, roomId, options) };
  }, [roomId, signaling, options]);
  const { t } = useTranslation();
  const phase = useRoomStore((s) => s.phase);
  const error = useRoomStore((s) => s.error);
  const leftReason = useRoomStore((s) => s.leftReason);

  useEffect(() => {
    useRoomStore.getState().reset();
    useChatStore.getState().set(initialChatState);
    room.open();
    void media.start();
    Object.assign(window, { __confer: { ...(window as { __confer?: object }).__confer, room } });
    // Closing the tab leaves at once instead of holding the seat for a reconnect.
    const onPageHide = () => signaling.close();
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      room.close();
    };
  }, [media, room, signaling]);

  // Stable across renders, so tiles keep their size and visibility observers while the store changes.
  const actions = useMemo(
    () => ({
      selectDevice: (kind: 'camera' | 'microphone' | 'speaker', id: string) => void media.selectDevice(kind, id),
      setFilter: (kind: MediaKind, on: boolean) => void media.setFilter(kind, on),
      setCameraOn: (on: boolean) => void room.setCameraOn(on),
      setMicMuted: (muted: boolean) => room.setMicMuted(muted),
      join: (name: string, password?: string) => void room.join(name, password),
      leave: () => void room.leave(),
      startShare: () => void room.startShare(),
      stopShare: () => room.stopShare(),
      sendChat: (text: string) => room.chat.send(text),
      setTileWidth: (peerId: string, width: number) => room.setTileWidth(peerId, width),
      setTileVisible: (peerId: string, visible: boolean) => room.setTileVisible(peerId, visible),
      setHandRaised: (raised: boolean) => room.setHandRaised(raised),
      react: (emoji: ReactionEmoji) => room.react(emoji),
      moderate: (action: ModerationAction, peerId: string) => void room.moderate(action, peerId),
      setLocked: (locked: boolean) => void room.setLocked(locked),
      endMeeting: () => void room.endMeeting(),
      copyInvite: () => void copyInvite(room),
    }),
    [media, room],
  );

  const statsPanel = useCallback((onClose: () => void) => <StatsPanel socket={signaling.socket} roomId={roomId} onClose={onClose} />, [signaling, roomId]);

  if (phase === 'in-room') return <Room roomId={roomId} actions={actions} statsPanel={statsPanel} pageTiles={options.pageTiles} />;
  if (phase === 'left') {
    return (
      <main className="left">
        <p role="status" data-testid="left-message">
          {t(`left.${leftReason}`, { room: roomId })}
        </p>
        <a href={location.pathname + location.search}>{t('left.rejoin')}</a> · <a href="/">{t('left.home')}</a>
      </main>
    );
  }
  if (phase === 'waiting') {
    return (
      <main className="left">
        <p role="status" data-testid="waiting-room">
          {t('left.waiting')}
        </p>
        <button type="button" onClick={() => void room.leave()}>
          {t('left.cancel')}
        </button>
      </main>
    );
  }
  return <Lobby roomId={roomId} actions={actions} joining={phase === 'joining'} error={error} tokenName={joinTokenName(options.joinToken)} />;
}
