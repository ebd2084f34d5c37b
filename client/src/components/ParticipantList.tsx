import { useTranslation } from 'react-i18next';
import type { Knock, ModerationAction, PeerInfo } from '@confer/shared';
import { useShallow } from 'zustand/react/shallow';
import { useRoomStore } from '../state/roomStore';

export type Moderate = (action: ModerationAction, peerId: string) => void;

/** Raised hands first, in the order they went up; then everyone else as they joined. */
export function byHand(people: readonly PeerInfo[]): PeerInfo[] {
  const raised = people.filter((p) => p.handRaisedAt !== null).sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0));
  return [...raised, ...people.filter((p) => p.handRaisedAt === null)];
}

/** The host's buttons for one participant; there is no "unmute": only they can make themselves heard. */
function HostActions({ peer, moderate }: { peer: PeerInfo; moderate: Moderate }) {
  const { t } = useTranslation();
  const name = peer.displayName;
  return (
    <span className="host-actions" role="group" aria-label={t('participants.hostActions', { name })}>
      {!peer.audioMuted && (
        <button type="button" onClick={() => moderate('mute', peer.peerId)} aria-label={t('participants.muteName', { name })}>
          {t('participants.mute')}
        </button>
      )}
      {!peer.videoMuted && (
        <button type="button" onClick={() => moderate('stop-video', peer.peerId)} aria-label={t('participants.stopCameraName', { name })}>
          {t('participants.stopCamera')}
        </button>
      )}
      {peer.handRaisedAt !== null && (
        <button type="button" onClick={() => moderate('lower-hand', peer.peerId)} aria-label={t('participants.lowerHandName', { name })}>
          {t('participants.lowerHand')}
        </button>
      )}
      <button type="button" onClick={() => moderate('make-host', peer.peerId)} aria-label={t('participants.makeHostName', { name })}>
        {t('participants.makeHost')}
      </button>
      <button type="button" className="danger" onClick={() => moderate('remove', peer.peerId)} aria-label={t('participants.removeName', { name })}>
        {t('participants.remove')}
      </button>
    </span>
  );
}

/** To the host: who waits to come in, each with Admit / Deny. */
export function WaitingList({ waiting, moderate }: { waiting: readonly Knock[]; moderate: Moderate }) {
  const { t } = useTranslation();
  if (waiting.length === 0) return null;
  return (
    <section className="waiting-list" aria-label={t('participants.waiting')} data-testid="waiting-list">
      <ul>
        {waiting.map((k) => (
          <li key={k.peerId} data-testid="knock">
            <span>{t('participants.wantsToJoin', { name: k.displayName })}</span>
            <button type="button" onClick={() => moderate('admit', k.peerId)} aria-label={t('participants.admitName', { name: k.displayName })}>
              {t('participants.admit')}
            </button>
            <button type="button" onClick={() => moderate('deny', k.peerId)} aria-label={t('participants.denyName', { name: k.displayName })}>
              {t('participants.deny')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ParticipantList({ self, moderate }: { self: PeerInfo; moderate: Moderate }) {
  const { t } = useTranslation();
  const peers = useRoomStore(useShallow((s) => s.order.map((id) => s.peers[id]).filter((p) => p !== undefined)));
  const { hostId } = useRoomStore((s) => s.controls);
  const links = new Map(peers.map((p) => [p.info.peerId, p.link]));
  const isHost = hostId === self.peerId;
  const row = (info: PeerInfo) => {
    const link = links.get(info.peerId);
    const you = info.peerId === self.peerId;
    return (
      <li key={info.peerId} data-testid="participant" data-peer-id={info.peerId}>
        {info.handRaisedAt !== null && (
          <span className="indicator" role="img" aria-label={t('tile.handRaised')}>
            ✋
          </span>
        )}
        <span>{info.displayName}</span>
        {you && <span className="detail">{t('participants.you')}</span>}
        {info.peerId === hostId && <span className="detail">{t('participants.host')}</span>}
        {link && link !== 'connected' && <span className="detail">{t(`tile.${link}`)}</span>}
        {info.audioMuted && <span className="detail">{t('participants.muted')}</span>}
        {info.videoMuted && <span className="detail">{t('participants.cameraOff')}</span>}
        {isHost && !you && <HostActions peer={info} moderate={moderate} />}
      </li>
    );
  };
  return (
    <aside id="participants" className="participants" aria-label={t('toolbar.participants')}>
      <h2>{t('participants.title', { count: peers.length + 1 })}</h2>
      <ul>{byHand([self, ...peers.map((p) => p.info)]).map(row)}</ul>
    </aside>
  );
}
