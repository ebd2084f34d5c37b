import { describe, expect, it } from 'vitest';
import { PAGE_TILES, tileLayout } from './tileLayout';

const peers = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);
const base = { selfId: 'me', layout: 'grid' as const, pinnedId: null, activeSpeakerId: null, page: 0 };

describe('tileLayout', () => {
  it('shows a small room on one page of the grid, with nothing on the stage', () => {
    expect(tileLayout({ ...base, order: peers(3) })).toEqual({ stageId: null, shown: new Set(peers(3)), page: 0, pages: 1 });
  });

  it('pages a large grid, ours on every page, and keeps the page within range', () => {
    const order = peers(20);
    const perPage = PAGE_TILES - 1;
    expect(tileLayout({ ...base, order })).toMatchObject({ pages: 3, shown: new Set(order.slice(0, perPage)) });
    expect(tileLayout({ ...base, order, page: 2 })).toMatchObject({ page: 2, shown: new Set(order.slice(2 * perPage)) });
    expect(tileLayout({ ...base, order, page: 7 }).page).toBe(2);
    // Someone left and the last page went with them.
    expect(tileLayout({ ...base, order: peers(8), page: 2 })).toMatchObject({ page: 0, pages: 1 });
  });

  it('puts the active speaker on the stage of the speaker view, the first to join before anyone spoke', () => {
    expect(tileLayout({ ...base, layout: 'speaker', order: peers(12), activeSpeakerId: 'p10' })).toMatchObject({ stageId: 'p10', pages: 1, shown: new Set(peers(12)) });
    expect(tileLayout({ ...base, layout: 'speaker', order: peers(3) }).stageId).toBe('p0');
    expect(tileLayout({ ...base, layout: 'speaker', order: peers(3), activeSpeakerId: 'gone' }).stageId).toBe('p0');
    expect(tileLayout({ ...base, layout: 'speaker', order: [] }).stageId).toBeNull();
  });

  it('a pinned tile takes the stage in either layout, until its peer leaves', () => {
    expect(tileLayout({ ...base, order: peers(3), pinnedId: 'p2' }).stageId).toBe('p2');
    expect(tileLayout({ ...base, layout: 'speaker', order: peers(3), pinnedId: 'me', activeSpeakerId: 'p1' }).stageId).toBe('me');
    expect(tileLayout({ ...base, order: peers(3), pinnedId: 'gone' }).stageId).toBeNull();
  });
});
