//! The health matrix: each service (row) against each service something depends on (column). A
//! cell says the dependency's live state and whether the row's condition on it holds, in text and
//! colour. Everything follows the engine's events: states `ServiceChanged`, rows the services added
//! and removed, edges `DependencyAdded` and `DependencyRemoved` (and `ServiceRemoved`, which takes
//! a service's edges with it), so a change made anywhere shows without a reload.

import { useServices } from "../../hooks/useServices";
import { useTopology } from "../../hooks/useTopology";
import { healthMatrix, type HealthCell } from "./matrix";

export function HealthView() {
  const { services, error: statusError } = useServices();
  const { topology, error: edgeError } = useTopology();
  const matrix = healthMatrix(Object.keys(topology?.services ?? {}), topology?.edges ?? [], services);
  const problem = edgeError ?? statusError;

  return (
    <section aria-labelledby="health-title" className="view health-view">
      <div className="view-header">
        <h2 id="health-title">Dependency health</h2>
      </div>
      <p className="hint">
        Each row is a service, each column a service it may depend on: the cell shows that dependency's state and
        whether the row's condition on it is met (✓), or what it is waiting for.
      </p>
      {problem && <p role="alert" className="error">{problem}</p>}
      {topology && matrix.columns.length === 0 && <p className="empty">No dependencies yet: add some in the Graph view.</p>}
      {topology && matrix.columns.length > 0 && (
        <div className="table-scroll">
          <table className="health-matrix">
            <caption>Health matrix</caption>
            <thead>
              <tr>
                <th scope="col">Service</th>
                {matrix.columns.map((c) => <th key={c} scope="col">{c}</th>)}
              </tr>
            </thead>
            <tbody>
              {matrix.rows.map((row) => (
                <tr key={row}>
                  <th scope="row">{row}</th>
                  {matrix.columns.map((col) => (
                    <Cell key={col} testId={`health-${row}-${col}`} cell={matrix.cell(row, col)} />
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Cell({ cell, testId }: { cell: HealthCell | undefined; testId: string }) {
  if (!cell) return <td className="health-cell none" aria-label="no dependency" data-testid={testId} />;
  return (
    <td className={`health-cell tone-${cell.tone}`} data-testid={testId}>
      <span>{cell.text}</span>
      {cell.optional && <>{" "}<span className="tag">optional</span></>}
    </td>
  );
}
