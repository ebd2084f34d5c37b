import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { parseCallOptions } from './callOptions';
import { ConnectionBadge } from './components/ConnectionBadge';
import { Home } from './components/Home';
import { DashboardPage } from './dashboard/DashboardPage';
import { RoomPage } from './components/RoomPage';
import { parseRoute, roomPath } from './routing';
import type { SignalingClient } from './signaling/SignalingClient';
import { useConnectionStore } from './state/connectionStore';

export function App({ signaling }: { signaling: SignalingClient }) {
  const { t } = useTranslation();
  const { status, attempt, lastError } = useConnectionStore();
  const [location, setLocation] = useState(() => ({ path: window.location.pathname, search: window.location.search }));
  useEffect(() => {
    const onPop = () => setLocation({ path: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (roomId: string) => {
    history.pushState(null, '', roomPath(roomId) + location.search);
    setLocation({ path: roomPath(roomId), search: location.search });
  };
  const route = parseRoute(location.path);
  // A join token in the fragment is read once, then dropped from the address bar so a copied link does not carry it.
  const [hash] = useState(() => {
    const { hash: h, pathname, search } = window.location;
    if (h) history.replaceState(null, '', pathname + search);
    return h;
  });
  const options = useMemo(() => parseCallOptions(location.search, hash), [location.search, hash]);

  return (
    <div className="app">
      <header className="topbar">
        <a href="/" className="brand">
          {t('app.brand')}
        </a>
        <ConnectionBadge status={status} attempt={attempt} lastError={lastError} />
      </header>
      {route.page === 'home' && (
        <main className="landing">
          <h1>{t('app.tagline')}</h1>
          <p>{t('app.intro')}</p>
          <Home navigate={navigate} />
        </main>
      )}
      {route.page === 'invalid-room' && (
        <main className="landing">
          <p role="alert" data-testid="room-error">
            {t('app.invalidRoom', { name: route.name, reason: route.reason })}
          </p>
          <a href="/">{t('app.chooseAnother')}</a>
        </main>
      )}
      {route.page === 'dashboard' && <DashboardPage socket={signaling.socket} />}
      {route.page === 'room' && <RoomPage key={route.roomId} roomId={route.roomId} signaling={signaling} options={options} />}
    </div>
  );
}
