import { ConnectionBadge } from './components/ConnectionBadge';
import { useConnectionStore } from './state/connectionStore';

export function App() {
  const { status, attempt, lastError } = useConnectionStore();
  return (
    <main className="landing">
      <header>
        <h1>Confer</h1>
        <ConnectionBadge status={status} attempt={attempt} lastError={lastError} />
      </header>
      <p>Video rooms in the browser: open a link, see and hear each other.</p>
    </main>
  );
}
