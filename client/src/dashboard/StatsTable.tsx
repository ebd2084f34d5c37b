import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { StatsKey } from './format';

/** The dashboard's tables: a scrolling wrapper, an optional caption, one header row; the rows are the children. */
export function StatsTable({ caption, columns, children }: { caption?: StatsKey; columns: StatsKey[]; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="stats-table-wrap">
      <table className="stats-table">
        {caption && <caption>{t(`stats.${caption}`)}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column}>{t(`stats.${column}`)}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
