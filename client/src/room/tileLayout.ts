import type { Layout } from '../state/roomStore';

/** Tiles on one page of the grid, ours included: more would be too small to see, and cost every page CPU. */
export const PAGE_TILES = 9;

export interface TileLayoutInput {
  selfId: string;
  /** Remote peers in join order. */
  order: readonly string[];
  layout: Layout;
  pinnedId: string | null;
  activeSpeakerId: string | null;
  page: number;
  /** Tiles on a page, ours included (PAGE_TILES unless the user chose). */
  pageTiles?: number;
}

export interface TileLayout {
  /** The tile on the stage (pinned, or the speaker view's speaker); null for the plain grid. */
  stageId: string | null;
  /** Remote peers whose tiles are shown; the others' are off the page (no video is received for them). */
  shown: ReadonlySet<string>;
  page: number;
  pages: number;
}

/**
 * Where each tile goes: a pinned tile takes the stage in either layout; the speaker view puts the active
 * speaker there (or the first to join, before anyone spoke), the others in a strip. The grid pages through
 * the others, ours staying on every page.
 */
export function tileLayout({ selfId, order, layout, pinnedId, activeSpeakerId, page, pageTiles = PAGE_TILES }: TileLayoutInput): TileLayout {
  const pinned = pinnedId !== null && (pinnedId === selfId || order.includes(pinnedId)) ? pinnedId : null;
  const speaker = activeSpeakerId !== null && order.includes(activeSpeakerId) ? activeSpeakerId : (order[0] ?? null);
  const stageId = pinned ?? (layout === 'speaker' ? speaker : null);
  if (stageId !== null) return { stageId, shown: new Set(order), page: 0, pages: 1 };
  const perPage = Math.max(1, pageTiles - 1);
  const pages = Math.max(1, Math.ceil(order.length / perPage));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { stageId: null, shown: new Set(order.slice(current * perPage, (current + 1) * perPage)), page: current, pages };
}
