import { useTranslation } from 'react-i18next';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { ShareTile } from './ShareTile';
import { VideoTile, type VideoTileProps } from './VideoTile';

/**
 * Each tile reads its own slice of the stores, so news about one peer (its stream, link, quality) re-renders
 * that peer's tile only, not the room: a switch or a join sends a burst of such news, every tile at once.
 */
type TileCallbacks = Pick<VideoTileProps, 'onWidth' | 'onVisible' | 'onPin' | 'onSpeaking'>;
/** Where the room's layout puts a tile. */
type TilePlace = Pick<VideoTileProps, 'onStage' | 'offPage'>;

/** What every tile shows of the room's controls: host, hand, a reaction, the pin. */
function useTileState(peerId: string | undefined) {
  return useRoomStore(
    useShallow((s) => ({
      isHost: peerId !== undefined && s.controls.hostId === peerId,
      reaction: (peerId && s.reactions[peerId]) || null,
      pinned: peerId !== undefined && s.pinnedId === peerId,
    })),
  );
}

export const SelfTile = memo(function SelfTile({ onPin, onStage, offPage }: Pick<TileCallbacks, 'onPin'> & TilePlace) {
  const self = useRoomStore((s) => s.self);
  const selfQuality = useRoomStore((s) => s.selfQuality);
  const activeSpeaker = useRoomStore((s) => s.self !== null && s.activeSpeakerId === s.self.peerId);
  const tile = useTileState(self?.peerId);
  const { videoTrack, audioTrack, audioMuted, videoMuted } = useMediaStore(useShallow(({ videoTrack, audioTrack, audioMuted, videoMuted }) => ({ videoTrack, audioTrack, audioMuted, videoMuted })));
  // One stream per track pair: a new object on every render would reload the self-view each time.
  const stream = useMemo(
    () => (videoTrack || audioTrack ? new MediaStream([videoTrack, audioTrack].filter((t): t is MediaStreamTrack => t !== null)) : null),
    [videoTrack, audioTrack],
  );
  if (!self) return null;
  return (
    <VideoTile
      peerId={self.peerId}
      name={self.displayName}
      stream={stream}
      audioMuted={audioMuted}
      videoMuted={videoMuted}
      isSelf
      activeSpeaker={activeSpeaker}
      quality={selfQuality}
      handRaised={self.handRaisedAt !== null}
      {...tile}
      onPin={onPin}
      onStage={onStage}
      offPage={offPage}
    />
  );
});

export const RemoteTile = memo(function RemoteTile({ peerId, onWidth, onVisible, onPin, onSpeaking, onStage, offPage }: { peerId: string } & TileCallbacks & TilePlace) {
  const peer = useRoomStore((s) => s.peers[peerId]);
  const onSfu = useRoomStore((s) => s.topology === 'sfu');
  const activeSpeaker = useRoomStore((s) => s.activeSpeakerId === peerId);
  const audible = useRoomStore((s) => s.audiblePeerIds.includes(peerId));
  const speakerId = useMediaStore((s) => s.speakerId);
  const tile = useTileState(peerId);
  if (!peer) return null;
  const { info } = peer;
  return (
    <VideoTile
      peerId={peerId}
      name={info.displayName}
      stream={peer.stream}
      audioMuted={info.audioMuted}
      videoMuted={info.videoMuted}
      link={peer.link}
      speakerId={speakerId}
      activeSpeaker={activeSpeaker}
      audible={onSfu && (audible || activeSpeaker)}
      onWidth={onWidth}
      onVisible={onVisible}
      quality={peer.quality}
      handRaised={info.handRaisedAt !== null}
      {...tile}
      onPin={onPin}
      onSpeaking={onSpeaking}
      onStage={onStage}
      offPage={offPage}
    />
  );
});

const SharedScreen = memo(function SharedScreen({ peerId }: { peerId: string }) {
  const name = useRoomStore((s) => s.peers[peerId]?.info.displayName ?? '');
  const screen = useRoomStore((s) => s.peers[peerId]?.screen ?? null);
  return <ShareTile peerId={peerId} name={name} stream={screen} />;
});

/** The stage: every remote screen being shared, in join order. */
export function SharedScreens() {
  const { t } = useTranslation();
  const sharers = useRoomStore(useShallow((s) => s.order.filter((id) => s.peers[id]?.info.screenSharing)));
  if (sharers.length === 0) return null;
  return (
    <section className="stage" aria-label={t('room.sharedScreens')} style={{ gridTemplateColumns: `repeat(${Math.min(sharers.length, 2)}, minmax(0, 1fr))` }}>
      {sharers.map((id) => (
        <SharedScreen key={id} peerId={id} />
      ))}
    </section>
  );
}
