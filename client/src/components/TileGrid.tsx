import { useTranslation } from 'react-i18next';
import type { ReactNode } from 'react';

/** Columns for n tiles: as square a grid as fits (1, 2, 2x2, 3x2, 3x3, ...). */
export function gridColumns(n: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(n)));
}

/** The grid of tiles; `speaker`: one tile on the stage (class on-stage), the others in a strip under it. */
export function TileGrid({ count, speaker = false, children }: { count: number; speaker?: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section
      className={speaker ? 'grid speaker' : 'grid'}
      aria-label={t('room.video')}
      data-testid="grid"
      data-layout={speaker ? 'speaker' : 'grid'}
      style={speaker ? undefined : { gridTemplateColumns: `repeat(${gridColumns(count)}, minmax(0, 1fr))` }}
    >
      {children}
    </section>
  );
}
