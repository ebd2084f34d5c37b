import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { createDashboardStore } from './dashboardStore';
import { StatsDashboard } from './StatsDashboard';
import { createStatsSource } from './statsSource';
import { useStatsSubscription } from './useStatsSubscription';

/** The in-call panel: one's own room's stats (no operator token needed), for as long as it is open. */
export function StatsPanel({ socket, roomId, onClose }: { socket: SignalingSocket; roomId: string; onClose(): void }) {
  const { t } = useTranslation();
  const source = useMemo(() => createStatsSource(socket), [socket]);
  const [store] = useState(createDashboardStore);
  useStatsSubscription(source, store, roomId);
  return (
    <aside className="stats-panel" id="call-stats" aria-label={t('stats.title')}>
      <StatsDashboard store={store} onClose={onClose} />
    </aside>
  );
}
