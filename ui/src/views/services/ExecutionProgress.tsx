//! The live progress of the latest chain start: a progress bar, a per-service line (spawned ->
//! ready, or why it failed or was skipped), and once it ends a summary naming the critical chain.

import { useEffect, useState } from "react";
import { useApi } from "../../ApiContext";
import { applyEvent, settled, type ExecutionView } from "./progress";

export function ExecutionProgress() {
  const api = useApi();
  const [view, setView] = useState<ExecutionView | null>(null);
  useEffect(() => api.subscribe((event) => setView((v) => applyEvent(v, event))), [api]);
  if (!view) return null;
  const done = settled(view);
  const report = view.report;
  return (
    <section className="execution" aria-label="Startup progress">
      <label className="progress-label">
        {report ? `Execution ${view.id}: ${report.status}` : `Starting: ${done} of ${view.total}`}
        <progress max={view.total} value={done} />
      </label>
      <ol className="timeline">
        {view.steps.map((s) => (
          <li key={s.name} className={`step step-${s.state}`}>
            <strong>{s.name}</strong> {s.state}
            {s.spawned_ms !== null && <> · spawned {s.spawned_ms} ms</>}
            {s.ready_ms !== null && <> → ready {s.ready_ms} ms</>}
            {s.reason && <> · {s.reason}</>}
          </li>
        ))}
      </ol>
      {report && (
        <p role="status" className={`summary ${report.status}`}>
          {report.status === "completed" ? "Started" : "Failed after starting"}{" "}
          {report.services.filter((s) => ["ready", "already_ready", "completed"].includes(s.state)).length} of {report.services.length} services with{" "}
          <strong>{report.strategy}</strong> in {report.total_ms} ms
          {report.critical_chain.length > 0 && <> · critical chain: {report.critical_chain.join(" → ")}</>}
          {report.error && <> · {report.error}</>}
        </p>
      )}
    </section>
  );
}
