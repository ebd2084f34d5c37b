import { useCallback, useEffect, useMemo } from 'react';
import { joinTokenName, type CallOptions } from '../callOptions';
import { MediaController } from '../media/MediaController';
import { RoomClient } from '../room/RoomClient';
import type { SignalingClient } from '../signaling/SignalingClient';
import { initialChatState, useChatStore } from '../state/chatStore';
import { useRoomStore } from '../state/roomStore';
import { StatsPanel } from '../dashboard/StatsPanel';
import { Lobby } from './Lobby';
import { Room } from './Room';

/** Owns the room's media and room client for as long as the page shows this room. */
export function RoomPage({ roomId, signaling, options }: { roomId: string; signaling: SignalingClient; options: CallOptions }) {
  const { media, room } = useMemo(() => {
    const media = new MediaController(options);
    return { media, room: new RoomClient(signaling, media, roomId, options) };
  }, [roomId, signaling, options]);
  const phase = useRoomStore((s) => s.phase);
  const error = useRoomStore((s) => s.error);

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
      setCameraOn: (on: boolean) => void room.setCameraOn(on),
      setMicMuted: (muted: boolean) => room.setMicMuted(muted),
      join: (name: string, password?: string) => void room.join(name, password),
      leave: () => void room.leave(),
      startShare: () => void room.startShare(),
      stopShare: () => room.stopShare(),
      sendChat: (text: string) => room.chat.send(text),
      setTileWidth: (peerId: string, width: number) => room.setTileWidth(peerId, width),
      setTileVisible: (peerId: string, visible: boolean) => room.setTileVisible(peerId, visible),
    }),
    [media, room],
  );

  const statsPanel = useCallback((onClose: () => void) => <StatsPanel socket={signaling.socket} roomId={roomId} onClose={onClose} />, [signaling, roomId]);

  if (phase === 'in-room') return <Room roomId={roomId} actions={actions} statsPanel={statsPanel} />;
  if (phase === 'left') {
    return (
      <main className="left">
        <p role="status">You left {roomId}.</p>
        <a href={location.pathname + location.search}>Rejoin</a> · <a href="/">Home</a>
      </main>
    );
  }
  return <Lobby roomId={roomId} actions={actions} joining={phase === 'joining'} error={error} tokenName={joinTokenName(options.joinToken)} />;
}
