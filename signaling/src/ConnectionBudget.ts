import { RateWindow, type ClientToServerEvents } from '@confer/shared';

/** Requests one connection may make per 10 s, by kind; generous for a real client, tight for a flood. */
export const REQUEST_LIMITS = {
  /** A client joins once, plus a few rejoins; password guessing is throttled here too. */
  'room:join': 10,
  /** Offers, answers and trickled candidates to up to 3 mesh peers, with ICE restarts. */
  'signal:send': 300,
  'peer:update': 50,
  /** A dashboard subscribes when it opens (and after a reconnect); each answer carries a snapshot of up to 2.5 MB. */
  'stats:subscribe': 10,
  /** A reaction every half second at most, on average: a burst of them must not flood the room. */
  'room:react': 20,
  /** A host acting on a room of 16 in a hurry, or one under a flood of knocks. */
  'room:moderate': 60,
  /** Everything together, including the SFU requests of a full room's consumers. */
  total: 600,
} as const satisfies Partial<Record<keyof ClientToServerEvents | 'total', number>>;
const WINDOW_MS = 10_000;
const LOGGED_REFUSALS = 10;

/** One connection's request budgets: a flood from one socket is refused without costing the others. */
export class ConnectionBudget {
  private readonly windows = new Map<string, RateWindow>();

  constructor(private readonly now: () => number = Date.now) {
    this.logs = new RateWindow(LOGGED_REFUSALS, WINDOW_MS, now);
  }

  /** Refusals logged per 10 s: a flooding client must not decide how much the server writes. */
  private readonly logs: RateWindow;

  /** Whether one more refusal of this connection may be logged now. */
  mayLog(): boolean {
    return this.logs.take();
  }

  /** Spends one request of this kind; the limit it broke, or null when within budget. */
  take(event: string): { limit: number; kind: string } | null {
    const kinds = event in REQUEST_LIMITS ? [event, 'total'] : ['total'];
    for (const kind of kinds) {
      const limit = REQUEST_LIMITS[kind as keyof typeof REQUEST_LIMITS];
      let window = this.windows.get(kind);
      if (!window) this.windows.set(kind, (window = new RateWindow(limit, WINDOW_MS, this.now)));
      if (!window.take()) return { limit, kind };
    }
    return null;
  }
}
