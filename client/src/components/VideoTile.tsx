import { useEffect, useRef } from 'react';
import type { Quality } from '@confer/shared';
import type { ShownReaction } from '../state/roomStore';
import type { LinkState } from '../media/mediaTypes';
import { QualityIndicator } from './QualityIndicator';
import { StreamVideo } from './StreamVideo';
import { useSpeaking } from './useSpeaking';
import { useSrcObject } from './useSrcObject';
import { AudioLines, Hand, MicOff, Pin, PinOff, VideoOff } from 'lucide-react';
import { useTranslation } from 'react-i18next';

export interface VideoTileProps {
  peerId: string;
  name: string;
  stream: MediaStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
  /** Media connection to this peer; absent for the local tile. */
  link?: LinkState;
  isSelf?: boolean;
  speakerId?: string | null;
  /** The room's active speaker (named by the SFU, or picked in mesh): outlined while it speaks. */
  activeSpeaker?: boolean;
  /** The SFU hears this peer now (its audio-level observer, or its dominant speaker). */
  audible?: boolean;
  /** Told the tile's rendered width, so the SFU can send a layer that fits it. */
  onWidth?: (peerId: string, width: number) => void;
  /** Told when the tile scrolls into or out of view, so the SFU can stop sending what nobody sees. */
  onVisible?: (peerId: string, visible: boolean) => void;
  /** Call quality of this tile's media (from getStats), with its reasons. */
  quality?: Quality | null;
  handRaised?: boolean;
  isHost?: boolean;
  reaction?: ShownReaction | null;
  /** Large, on the stage of the speaker view (or pinned there). */
  onStage?: boolean;
  /** On another page of the grid: not shown (its audio plays on), so the SFU stops sending its video. */
  offPage?: boolean;
  pinned?: boolean;
  onPin?: (peerId: string, pinned: boolean) => void;
  /** Told when this peer starts or stops speaking (the mesh's speaker view follows it). */
  onSpeaking?: (peerId: string, speaking: boolean) => void;
}

export function VideoTile(props: VideoTileProps) {
  const { peerId, name, stream, audioMuted, videoMuted, link, isSelf = false, speakerId = null, activeSpeaker = false, audible = false, onWidth, onVisible, quality = null } = props;
  const { handRaised = false, isHost = false, reaction = null, onStage = false, offPage = false, pinned = false, onPin, onSpeaking } = props;
  const { t } = useTranslation();
  const tileRef = useRef<HTMLElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const audioTrack = stream?.getAudioTracks()[0] ?? null;
  // Heard here or by the SFU; the outline is for the active speaker only, the others show a speaking icon.
  const heard = useSpeaking(audioTrack, audioMuted);
  const speaking = !audioMuted && (heard || audible);
  const outlined = speaking && activeSpeaker;

  useSrcObject(audioRef, stream);

  useEffect(() => onSpeaking?.(peerId, speaking), [onSpeaking, peerId, speaking]);

  useEffect(() => {
    const audio = audioRef.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (audio?.setSinkId && speakerId) void audio.setSinkId(speakerId).catch(() => undefined);
  }, [speakerId]);

  useEffect(() => {
    const tile = tileRef.current;
    if (!tile || !onWidth || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => entry && onWidth(peerId, entry.contentRect.width));
    observer.observe(tile);
    return () => observer.disconnect();
  }, [onWidth, peerId]);

  useEffect(() => {
    const tile = tileRef.current;
    if (!tile || !onVisible || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(([entry]) => entry && onVisible(peerId, entry.isIntersecting));
    observer.observe(tile);
    return () => observer.disconnect();
  }, [onVisible, peerId]);

  const showVideo = stream !== null && !videoMuted;
  return (
    <figure
      ref={tileRef}
      className={`tile${outlined ? ' active-speaker' : ''}${isSelf ? ' self' : ''}${onStage ? ' on-stage' : ''}`}
      hidden={offPage}
      data-on-stage={onStage}
      data-hand-raised={handRaised}
      data-testid="tile"
      data-peer-id={peerId}
      data-speaking={speaking}
      data-active-speaker={activeSpeaker}
      data-audible={audible}
      data-link={link ?? 'local'}
      aria-label={isSelf ? t('tile.you', { name }) : name}
    >
      <StreamVideo stream={stream} hidden={!showVideo} />
      {!isSelf && <audio ref={audioRef} autoPlay data-testid="tile-audio" />}
      {!showVideo && (
        <div className="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </div>
      )}
      <figcaption>
        <span className="name" data-testid="tile-name">
          {isSelf ? t('tile.you', { name }) : name}
        </span>
        {isHost && (
          <span className="indicator host" data-testid="host-badge">
            {t('tile.host')}
          </span>
        )}
        {handRaised && (
          <span className="indicator hand" data-testid="hand-indicator" role="img" aria-label={t('tile.handRaised')}>
            <Hand aria-hidden="true" size={16} />
          </span>
        )}
        {audioMuted && (
          <span className="indicator" data-testid="muted-indicator" role="img" aria-label={t('tile.micMuted')}>
            <MicOff aria-hidden="true" size={16} />
          </span>
        )}
        {videoMuted && (
          <span className="indicator" data-testid="camera-off-indicator" role="img" aria-label={t('tile.cameraOff')}>
            <VideoOff aria-hidden="true" size={16} />
          </span>
        )}
        <QualityIndicator quality={quality} />
        {speaking && (
          <span className="indicator speaking" data-testid="speaking-indicator" role="img" aria-label={t('tile.speaking')}>
            <AudioLines aria-hidden="true" size={16} />
          </span>
        )}
      </figcaption>
      {reaction && (
        <div key={reaction.id} className="reaction" data-testid="reaction" role="img" aria-label={t('tile.reacts', { name, emoji: reaction.emoji })}>
          {reaction.emoji}
        </div>
      )}
      {onPin && (
        <button type="button" className="pin" aria-pressed={pinned} aria-label={pinned ? t('tile.unpin', { name }) : t('tile.pin', { name })} onClick={() => onPin(peerId, !pinned)}>
          {pinned ? <PinOff aria-hidden="true" size={16} /> : <Pin aria-hidden="true" size={16} />}
        </button>
      )}
      {link && link !== 'connected' && (
        <div className={`link-state link-${link}`} data-testid="link-state" role="status">
          {t(`tile.${link}`)}
        </div>
      )}
    </figure>
  );
}
