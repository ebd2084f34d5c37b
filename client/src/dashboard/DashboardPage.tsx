import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StatsRoomSummary } from '@confer/shared';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { createDashboardStore, type DashboardStore } from './dashboardStore';
import { topologyKey } from './format';
import { StatsDashboard } from './StatsDashboard';
import { createStatsSource, describeError, type StatsSource } from './statsSource';
import { useStatsSubscription } from './useStatsSubscription';

/** The token lives for this tab only (never in the URL, history or localStorage). */
const TOKEN_KEY = 'confer.operatorToken';

// Storage can be disabled (privacy settings); the page then keeps the token in memory only.
function readToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}
function writeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Memory only, as above.
  }
}

function RoomView({ source, store, roomId, operatorToken, onClose }: { source: StatsSource; store: DashboardStore; roomId: string; operatorToken: string; onClose(): void }) {
  useStatsSubscription(source, store, roomId, operatorToken);
  return <StatsDashboard store={store} onClose={onClose} />;
}

/** The operator's page: any room's stats, with the operator token. */
export function DashboardPage({ socket }: { socket: SignalingSocket }) {
  const { t } = useTranslation();
  const source = useMemo(() => createStatsSource(socket), [socket]);
  const [store] = useState(createDashboardStore);
  const [token, setToken] = useState(readToken);
  const [rooms, setRooms] = useState<StatsRoomSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** The room shown, with the token it was opened with (editing the field does not resubscribe). */
  const [viewing, setViewing] = useState<{ roomId: string; token: string } | null>(null);

  const showRooms = async () => {
    setBusy(true);
    const ack = await source.rooms(token);
    setBusy(false);
    if (ack.ok) {
      writeToken(token);
      setRooms(ack.data.rooms.toSorted((a, b) => a.roomId.localeCompare(b.roomId)));
      setError(null);
    } else {
      if (ack.error.code === 'FORBIDDEN') writeToken(null);
      setRooms(null);
      setError(describeError(ack.error));
    }
  };

  return (
    <main className="stats-page">
      <h1>{t('stats.pageTitle')}</h1>
      <form
        className="stats-login"
        onSubmit={(e) => {
          e.preventDefault();
          void showRooms();
        }}
      >
        <label className="field">
          {t('stats.operatorToken')}
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy || !token}>
          {t('stats.showRooms')}
        </button>
      </form>
      {error && (
        <p className="stats-error" role="alert">
          {error}
        </p>
      )}
      {rooms && (
        <nav aria-label={t('stats.rooms')}>
          {rooms.length === 0 ? (
            <p className="detail">{t('stats.noRooms')}</p>
          ) : (
            <ul className="stats-rooms">
              {rooms.map((r) => (
                <li key={r.roomId}>
                  <button type="button" aria-current={viewing?.roomId === r.roomId ? 'true' : undefined} onClick={() => setViewing({ roomId: r.roomId, token })}>
                    {r.roomId}
                  </button>{' '}
                  <span className="detail">
                    {t('stats.roomSummary', { count: r.participants, topology: t(topologyKey(r.topology)) })}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </nav>
      )}
      {viewing && <RoomView source={source} store={store} roomId={viewing.roomId} operatorToken={viewing.token} onClose={() => setViewing(null)} />}
    </main>
  );
}
