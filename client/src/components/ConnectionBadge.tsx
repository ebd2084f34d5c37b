import { useTranslation } from 'react-i18next';
import type { ConnectionStatus } from '../state/connectionStore';

export function ConnectionBadge(props: { status: ConnectionStatus; attempt: number; lastError: string | null }) {
  const { status, attempt, lastError } = props;
  const { t } = useTranslation();
  return (
    <div className={`badge badge-${status}`} role="status" aria-live="polite" data-testid="connection-status" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span>{t(`connection.${status}`)}</span>
      {status === 'reconnecting' && attempt > 0 && <span className="detail"> {t('connection.attempt', { attempt })}</span>}
      {status !== 'connected' && lastError && <span className="detail"> — {lastError}</span>}
    </div>
  );
}
