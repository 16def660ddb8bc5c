//! The History view: the recent chain starts (merged from every service's `history`, newest
//! first), the selected one's waterfall, and per service of it a trend of its spawn-to-ready time
//! across the runs read. Follows the engine: a finished chain start shows on `ExecutionFinished`.

import { useState } from "react";
import type { ExecutionReport } from "../../api/types/ExecutionReport";
import type { ChainOptions } from "../../api/types/ChainOptions";
import type { ExecutionStatus } from "../../api/types/ExecutionStatus";
import { useServices } from "../../hooks/useServices";
import { formatMs, HISTORY_LIMIT, trendOf } from "./merge";
import { TrendChart } from "./TrendChart";
import { useHistory } from "./useHistory";
import { Waterfall } from "./Waterfall";

/** The switches a chain start ran with, as the CLI's history names them. */
export function switches(o: ChainOptions): string[] {
  const out: string[] = [];
  if (o.fail_fast) out.push("fail-fast");
  if (o.timeout_secs != null) out.push(`timeout ${o.timeout_secs}s`);
  if (o.no_health_checks) out.push("no health checks");
  if (o.no_tunnels) out.push("no tunnels");
  return out;
}

/** An execution's status in the badge colours of the service state it is like. */
const STATUS_CLASS: Record<ExecutionStatus, string> = {
  running: "state-starting",
  completed: "state-ready",
  failed: "state-failed",
  timed_out: "state-failed",
};

export function HistoryView() {
  const { services, error: servicesError } = useServices();
  const { executions, loaded, error } = useHistory(services.map((s) => s.name));
  // The chain start picked; until one is (or once it is gone), the newest.
  const [picked, setPicked] = useState<number | null>(null);
  const recent = executions.slice(0, HISTORY_LIMIT);
  const selected = recent.find((r) => r.id === picked) ?? recent[0] ?? null;
  const problem = error ?? servicesError;

  return (
    <section aria-labelledby="history-title" className="view history-view">
      <div className="view-header">
        <h2 id="history-title">History</h2>
      </div>
      <p className="hint">
        The last {HISTORY_LIMIT} chain starts (from this window, the CLI or the tray). Pick one to see when each service
        waited, was spawned and became ready.
      </p>
      {problem && <p role="alert" className="error">{problem}</p>}
      {loaded && recent.length === 0 && (
        <p className="empty">No chain starts yet: start services from the Services view.</p>
      )}
      {recent.length > 0 && (
        <div className="table-scroll">
          <table className="history-list" data-testid="history-list">
            <caption>Recent chain starts</caption>
            <thead>
              <tr>
                <th scope="col">Chain start</th>
                <th scope="col">Roots</th>
                <th scope="col">Strategy</th>
                <th scope="col">Status</th>
                <th scope="col">Total</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((r) => (
                <ExecutionRow key={r.id} report={r} selected={r.id === selected?.id} onSelect={() => setPicked(r.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <>
          <h3 className="history-subtitle">
            Chain start #{selected.id}: {selected.roots.join(", ")}
          </h3>
          <Waterfall report={selected} />
          <section aria-labelledby="trends-title" className="trends">
            <h3 id="trends-title" className="history-subtitle">Spawn to ready across runs</h3>
            <div className="trend-list">
              {selected.services.map((s) => (
                <TrendChart key={s.name} service={s.name} points={trendOf(executions, s.name)} currentId={selected.id} />
              ))}
            </div>
          </section>
        </>
      )}
    </section>
  );
}

function ExecutionRow({ report, selected, onSelect }: { report: ExecutionReport; selected: boolean; onSelect: () => void }) {
  const started = new Date(report.started_at_ms);
  return (
    <tr className={selected ? "selected" : undefined} data-testid={`execution-${report.id}`}>
      <td>
        <button type="button" aria-pressed={selected} aria-label={`Show chain start #${report.id}`} onClick={onSelect}>
          #{report.id}
        </button>
      </td>
      <td>{report.roots.join(", ")}</td>
      <td>{[report.strategy, ...switches(report.options)].join(", ")}</td>
      <td>
        <span className={`badge ${STATUS_CLASS[report.status]}`}>{report.status.replace("_", " ")}</span>
      </td>
      <td>{formatMs(report.total_ms)}</td>
      <td>
        <time dateTime={started.toISOString()}>{started.toLocaleString()}</time>
      </td>
    </tr>
  );
}
