import type { ConnectionStatus } from '../state/connectionStore';

const labels: Record<ConnectionStatus, string> = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
};

export function ConnectionBadge(props: { status: ConnectionStatus; attempt: number; lastError: string | null }) {
  const { status, attempt, lastError } = props;
  return (
    <div className={`badge badge-${status}`} role="status" aria-live="polite" data-testid="connection-status" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span>{labels[status]}</span>
      {status === 'reconnecting' && attempt > 0 && <span className="detail"> (attempt {attempt})</span>}
      {status !== 'connected' && lastError && <span className="detail"> — {lastError}</span>}
    </div>
  );
}
