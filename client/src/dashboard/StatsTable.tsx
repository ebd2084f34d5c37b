import type { ReactNode } from 'react';

/** The dashboard's tables: a scrolling wrapper, an optional caption, one header row; the rows are the children. */
export function StatsTable({ caption, columns, children }: { caption?: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="stats-table-wrap">
      <table className="stats-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column}>{column}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
