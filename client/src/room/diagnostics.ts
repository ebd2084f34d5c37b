import { pushBounded, type Topology } from '@confer/shared';
import type { LinkStats } from '../media/mediaTypes';
import type { MediaPaths } from './MediaPaths';
import type { PathSwitcher } from './PathSwitcher';

export type PeerStats = LinkStats & { path: Topology };

/** A step of a switch as this side saw it: a peer's tile moved to a path, or an old path was closed. */
export interface PathEvent {
  at: number;
  /** `*` when the SFU session (every peer's SFU media) was closed. */
  peerId: string;
  event: 'show' | 'close';
  path: Topology;
}
/** Enough for several switches of a full room. */
const PATH_LOG_SIZE = 200;

/** For diagnosis and tests (window.__room in e2e): the switch steps, each tile's counters from the path it shows, every connection. */
export class RoomDiagnostics {
  readonly pathLog: PathEvent[] = [];

  constructor(
    private readonly media: MediaPaths,
    private readonly paths: PathSwitcher<MediaStream>,
    private readonly roster: () => string[],
  ) {}

  log(peerId: string, event: PathEvent['event'], path: Topology): void {
    pushBounded(this.pathLog, { at: Date.now(), peerId, event, path }, PATH_LOG_SIZE);
  }

  connections() {
    return this.media.statsTargets().map(({ context, getStats }) => ({ id: context.id, getStats }));
  }

  async stats(): Promise<Record<string, PeerStats>> {
    const byPath = await this.media.stats();
    const result: Record<string, PeerStats> = {};
    for (const id of this.roster()) {
      const path = this.paths.shown(id) ?? this.paths.topology;
      const s = byPath[path][id];
      if (s) result[id] = { ...s, path };
    }
    return result;
  }
}
