import type { Topology } from '@confer/shared';
import type { en } from '../i18n/en';

/** A dashboard text (its key under `stats.`). */
export type StatsKey = keyof typeof en.stats;

/** Display helpers for the dashboard's tables: one dash for "not measured" everywhere. */

export const NONE = '–';

export const kbps = (bitsPerSecond: number) => (bitsPerSecond / 1000).toFixed(0);

export const rounded = (value: number | null) => (value === null ? NONE : value.toFixed(0));

// Shared: building a formatter per call (toLocaleTimeString) is what costs.
const clockFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
export const clock = (at: number) => clockFormat.format(at);

export const duration = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export const resolution = (width: number | null, height: number | null) => (width === null || height === null ? NONE : `${width}×${height}`);

/** A topology's name on the dashboard (a translation key). */
export const topologyKey = (topology: Topology): 'stats.sfu' | 'stats.mesh' => (topology === 'sfu' ? 'stats.sfu' : 'stats.mesh');
