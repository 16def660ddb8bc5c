//! The health matrix: each service (row) against each service something depends on (column). A
//! cell says the dependency's live state and whether the row's condition on it holds, in text and
//! colour. States follow `ServiceChanged` events; edges reload on mount, window focus and Refresh.

import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { dependenciesOf } from "../../api/stackEdges";
import type { Stack } from "../../api/types/Stack";
import { useApi } from "../../ApiContext";
import { useServices } from "../../hooks/useServices";
import { healthMatrix, type HealthCell } from "./matrix";

export function HealthView() {
  const api = useApi();
  const { services, error: loadError } = useServices();
  const [stack, setStack] = useState<Stack | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Only the latest export may write: an older one finishing late would show stale edges.
  const generation = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const next = await api.exportStack();
      if (mine !== generation.current) return;
      setStack(next);
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(errorMessage(e));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const onFocus = () => void refresh();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [refresh]);

  const matrix = healthMatrix(Object.keys(stack?.services ?? {}), stack ? dependenciesOf(stack) : [], services);
  const problem = error ?? loadError;

  return (
    <section aria-labelledby="health-title" className="view health-view">
      <div className="view-header">
        <h2 id="health-title">Dependency health</h2>
        <button type="button" onClick={() => void refresh()}>Refresh</button>
      </div>
      <p className="hint">
        Each row is a service, each column a service it may depend on: the cell shows that dependency's state and
        whether the row's condition on it is met (✓), or what it is waiting for.
      </p>
      {problem && <p role="alert" className="error">{problem}</p>}
      {stack && matrix.columns.length === 0 && <p className="empty">No dependencies yet: add some in the Graph view.</p>}
      {stack && matrix.columns.length > 0 && (
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
