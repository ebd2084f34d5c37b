import type { PeerInfo } from '@confer/shared';
import { useShallow } from 'zustand/react/shallow';
import { useRoomStore } from '../state/roomStore';

export function ParticipantList({ self }: { self: PeerInfo }) {
  const peers = useRoomStore(useShallow((s) => s.order.map((id) => s.peers[id]).filter((p) => p !== undefined)));
  const row = (info: PeerInfo, suffix: string) => (
    <li key={info.peerId} data-testid="participant">
      <span>{info.displayName}</span>
      {suffix && <span className="detail">{suffix}</span>}
      {info.audioMuted && <span className="detail">muted</span>}
      {info.videoMuted && <span className="detail">camera off</span>}
    </li>
  );
  return (
    <aside id="participants" className="participants" aria-label="Participants">
      <h2>Participants ({peers.length + 1})</h2>
      <ul>
        {row(self, '(you)')}
        {peers.map((p) => row(p.info, p.link === 'connected' ? '' : p.link))}
      </ul>
    </aside>
  );
}
