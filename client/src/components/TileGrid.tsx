import type { ReactNode } from 'react';

/** Columns for n tiles: as square a grid as fits (1, 2, 2x2, 3x2, 3x3, ...). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

export function TileGrid({ count, children }: { count: number; children: ReactNode }) {
  return (
    <section className="grid" aria-label="Participants' video" data-testid="grid" style={{ gridTemplateColumns: `repeat(${gridColumns(count)}, minmax(0, 1fr))` }}>
      {children}
    </section>
  );
}
