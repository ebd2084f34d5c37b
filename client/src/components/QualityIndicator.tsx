import type { Quality } from '@confer/shared';

const bars = { excellent: 3, good: 2, poor: 1, bad: 1, unknown: 0 } as const;

/** Three signal bars for a tile, with why the call is not perfect in the tooltip (and for screen readers). */
export function QualityIndicator({ quality }: { quality: Quality | null }) {
  if (!quality || quality.level === 'unknown') return null;
  const why = quality.reasons.length > 0 ? `: ${quality.reasons.join(', ')}` : '';
  const label = `Connection ${quality.level} (${quality.score.toFixed(1)} of 5)${why}`;
  return (
    <span className={`quality quality-${quality.level}`} data-testid="quality-indicator" data-level={quality.level} data-score={quality.score} title={label} role="img" aria-label={label}>
      {[1, 2, 3].map((bar) => (
        <i key={bar} className={bar <= bars[quality.level] ? 'on' : ''} />
      ))}
    </span>
  );
}
