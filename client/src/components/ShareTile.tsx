import { StreamVideo } from './StreamVideo';

/** A peer's shared screen, in the spotlight; the same tile stays while its media moves between mesh and SFU. */
export function ShareTile({ peerId, name, stream }: { peerId: string; name: string; stream: MediaStream | null }) {
  return (
    <figure className="tile share" data-testid="share-tile" data-peer-id={peerId} aria-label={`${name}'s screen`}>
      <StreamVideo stream={stream} hidden={!stream} testId="share-video" />
      {!stream && (
        <div className="avatar" role="status">
          Connecting to {name}&apos;s screen…
        </div>
      )}
      <figcaption>
        <span className="name">{name}&apos;s screen</span>
      </figcaption>
    </figure>
  );
}
