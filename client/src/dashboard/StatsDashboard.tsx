import { useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { RoomStatsSnapshot, SwitchReason, SwitchRecord } from '@confer/shared';
import type { DashboardStore } from './dashboardStore';
import { clock, duration, topologyKey } from './format';
import { ParticipantCard } from './ParticipantStats';
import { SfuSection } from './SfuStats';

/** Saves the snapshot as the server would send it, for a bug report or offline analysis. */
export function downloadSnapshot(snapshot: RoomStatsSnapshot, now = Date.now()): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(snapshot)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `confer-stats-${snapshot.roomId}-${new Date(now).toISOString().replace(/[:.]/g, '-')}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download by the next task; until then the URL must stay valid.
  setTimeout(() => URL.revokeObjectURL(url));
}

const reasons = { participants: 'switchParticipants', 'screen-share': 'switchScreenShare', strain: 'switchStrain', 'below-threshold': 'switchBelowThreshold' } as const satisfies Record<SwitchReason, string>;

function SwitchTimeline({ switches }: { switches: SwitchRecord[] }) {
  const { t } = useTranslation();
  if (switches.length === 0) return <p className="detail stats-switches">{t('stats.noSwitches')}</p>;
  return (
    <ol className="stats-switches" aria-label={t('stats.switches')}>
      {switches.map((s) => (
        <li key={s.switchId} data-testid="stats-switch" data-switch-id={s.switchId}>
          <strong>
            {s.from} → {s.to}
          </strong>{' '}
          <span className="detail">({t(`stats.${reasons[s.reason]}`)})</span>{' '}
          <time dateTime={new Date(s.startedAt).toISOString()}>{clock(s.startedAt)}</time> · {s.durationMs === null ? t(s.endedAt === null ? 'stats.inProgress' : 'stats.ended') : duration(s.durationMs)}
          {s.unfinished > 0 && <span className="stats-warn"> · {t('stats.unfinished', { count: s.unfinished })}</span>}
        </li>
      ))}
    </ol>
  );
}

/**
 * One room's call quality. This component re-renders only when the room's outline changes (joins,
 * leaves, switches): each participant card follows its own newest sample and each chart draws by itself.
 */
export function StatsDashboard({ store, onClose }: { store: DashboardStore; onClose?: () => void }) {
  const snapshot = useStore(store, (s) => s.snapshot);
  const error = useStore(store, (s) => s.error);
  const participants = snapshot?.participants;
  const names = useMemo(() => new Map((participants ?? []).map((p) => [p.peerId, p.displayName])), [participants]);
  const headingId = useId();
  const { t } = useTranslation();

  return (
    <section className="stats-dashboard" data-testid="stats-dashboard" aria-labelledby={headingId}>
      <header className="stats-header">
        <h2 id={headingId}>{snapshot ? t('stats.titleRoom', { room: snapshot.roomId }) : t('stats.title')}</h2>
        {snapshot && (
          <span className="stats-topology" data-testid="stats-topology" data-topology={snapshot.topology}>
            {t('stats.inRoom', { topology: t(topologyKey(snapshot.topology)), count: snapshot.participants.length })}
          </span>
        )}
        <span className="stats-actions">
          <button
            type="button"
            data-testid="stats-download"
            disabled={!snapshot}
            onClick={() => {
              const current = store.getState().snapshot;
              if (current) downloadSnapshot(current);
            }}
          >
            {t('stats.download')}
          </button>
          {onClose && (
            <button type="button" onClick={onClose}>
              {t('stats.close')}
            </button>
          )}
        </span>
      </header>
      {error && (
        <p className="stats-error" role="alert">
          {error}
        </p>
      )}
      {!snapshot ? (
        !error && <p role="status">{t('stats.loading')}</p>
      ) : (
        <>
          <SwitchTimeline switches={snapshot.switches} />
          {snapshot.participants.length === 0 && <p className="detail">{t('stats.nobody')}</p>}
          <div className="stats-participants">
            {snapshot.participants.map((p) => (
              <ParticipantCard key={p.peerId} store={store} participant={p} names={names} />
            ))}
          </div>
          <SfuSection store={store} names={names} />
        </>
      )}
    </section>
  );
}
