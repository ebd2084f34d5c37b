import { useTranslation } from 'react-i18next';
import { StreamVideo } from './StreamVideo';

/** A peer's shared screen, in the spotlight; the same tile stays while its media moves between mesh and SFU. */
export function ShareTile({ peerId, name, stream }: { peerId: string; name: string; stream: MediaStream | null }) {
  const { t } = useTranslation();
  return (
    <figure className="tile share" data-testid="share-tile" data-peer-id={peerId} aria-label={t('tile.screen', { name })}>
      <StreamVideo stream={stream} hidden={!stream} testId="share-video" />
      {!stream && (
        <div className="avatar" role="status">
          {t('tile.connectingScreen', { name })}
        </div>
      )}
      <figcaption>
        <span className="name">{t('tile.screen', { name })}</span>
      </figcaption>
    </figure>
  );
}
