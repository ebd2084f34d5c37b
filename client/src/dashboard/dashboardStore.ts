import { createStore, type StoreApi } from 'zustand';
import { pushBounded, STATS_HISTORY_SAMPLES, type RoomStatsSnapshot, type StatsUpdate } from '@confer/shared';

export interface DashboardState {
  /** The viewed room, or null before the first answer to stats:subscribe. */
  snapshot: RoomStatsSnapshot | null;
  error: string | null;
  /**
   * Bumped on every change. Sample updates append to the snapshot's arrays in place (a new snapshot
   * object every second would re-render the whole dashboard), so `snapshot` keeps its identity then:
   * readers of live data select the newest sample (`samples[peerId].at(-1)`, `sfu.at(-1)`), which does change.
   */
  version: number;
  /** Shows a room's history (the answer to stats:subscribe), replacing whatever was shown. */
  load(snapshot: RoomStatsSnapshot): void;
  apply(update: StatsUpdate): void;
  /** Keeps the last data on screen (stale but still useful) next to the error. */
  fail(error: string): void;
  clear(): void;
}

export type DashboardStore = StoreApi<DashboardState>;

/** One viewer's stats (a vanilla store: each dashboard, and each test, makes its own). */
export const createDashboardStore = (): DashboardStore =>
  createStore<DashboardState>((set, get) => ({
    snapshot: null,
    error: null,
    version: 0,
    load: (snapshot) =>
      set((s) => ({
        // Copies the arrays that later grow in place, so the caller's object (a socket payload, a fixture) stays as it was.
        snapshot: {
          ...snapshot,
          samples: Object.fromEntries(Object.entries(snapshot.samples).map(([peerId, samples]) => [peerId, samples.slice(-STATS_HISTORY_SAMPLES)])),
          sfu: snapshot.sfu.slice(-STATS_HISTORY_SAMPLES),
        },
        error: null,
        version: s.version + 1,
      })),
    apply: (update) => {
      const { snapshot, version } = get();
      // Updates can still arrive for the room viewed before (switching rooms) or before the snapshot did.
      if (!snapshot || update.roomId !== snapshot.roomId) return;
      if (update.type === 'sample') {
        const history = (snapshot.samples[update.peerId] ??= []);
        pushBounded(history, update.sample, STATS_HISTORY_SAMPLES);
        set({ version: version + 1 });
      } else if (update.type === 'sfu') {
        pushBounded(snapshot.sfu, update.sample, STATS_HISTORY_SAMPLES);
        set({ version: version + 1 });
      } else {
        // Like the server, drop the history of those who left: a long-open dashboard stays bounded.
        const present = new Set(update.participants.map((p) => p.peerId));
        const samples = Object.fromEntries(Object.entries(snapshot.samples).filter(([peerId]) => present.has(peerId)));
        set({ snapshot: { ...snapshot, topology: update.topology, switches: update.switches, participants: update.participants, samples }, version: version + 1 });
      }
    },
    fail: (error) => set((s) => ({ error, version: s.version + 1 })),
    clear: () => set((s) => ({ snapshot: null, error: null, version: s.version + 1 })),
  }));
