import { useId, useState } from 'react';
import type { ChartSpec, DataTable } from './charts/spec.js';
import { TimeChart } from './TimeChart.js';

/** One chart as a figure: title and caption, the plot (or a clear "no data"), and its values as a table. */
export function ChartFigure({ spec }: { spec: ChartSpec }) {
  const [showTable, setShowTable] = useState(false);
  const tableId = useId();
  return (
    <figure className="dash-chart card" data-testid={`chart-${spec.name}`} aria-label={spec.summary}>
      <figcaption>
        <h2>{spec.title}</h2>
        <p className="dash-caption">{spec.caption}</p>
      </figcaption>
      {spec.empty ? (
        <p className="dash-nodata">No data in this range.</p>
      ) : (
        <>
          <TimeChart options={spec.options} data={spec.data} />
          <div className="row dash-chart-actions">
            <button type="button" className="link" aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
              {showTable ? 'Hide data table' : 'Show data table'}
            </button>
          </div>
          {/* Always in the page for screen readers; shown on request for everyone else. */}
          <div
            id={tableId}
            className={showTable ? 'dash-table-wrap' : 'dash-sr-only'}
            {...(showTable ? { tabIndex: 0, role: 'region', 'aria-label': `${spec.title}: data` } : {})}
          >
            <ValuesTable title={spec.title} table={spec.table} />
          </div>
        </>
      )}
    </figure>
  );
}

function ValuesTable({ title, table }: { title: string; table: DataTable }) {
  return (
    <table className="dash-values">
      <caption>{title}: values per bucket</caption>
      <thead>
        <tr>
          {table.columns.map((c, i) => (
            <th key={c} scope="col" className={i === 0 ? undefined : 'num'}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row, r) => (
          <tr key={r}>
            {row.map((cell, i) =>
              i === 0 ? (
                <th key={i} scope="row">
                  {cell}
                </th>
              ) : (
                <td key={i} className="num">
                  {cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
