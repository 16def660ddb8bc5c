//! The dry run of a chain start (`plan_chain`): the waves that would start together, and for
//! each service what would happen, what it waits for, its tunnels and its port (with who holds
//! it now). Nothing starts.

import type { ChainPlan } from "../../api/types/ChainPlan";
import type { PlannedAction } from "../../api/types/PlannedAction";
import { formatMs } from "../history/merge";

const ACTION: Record<PlannedAction, string> = {
  start: "start",
  already_ready: "already ready",
  completed: "completed",
  join: "join its start",
};

export function PlanPanel({ plan, onClose }: { plan: ChainPlan; onClose: () => void }) {
  return (
    <section aria-label="Plan" className="plan-panel">
      <h3>
        Plan by {plan.strategy}: expected {formatMs(plan.expected_ms)}
      </h3>
      {plan.waves.length === 0 ? (
        <p>Nothing to start: every service is ready or completed.</p>
      ) : (
        <ol aria-label="Waves">
          {plan.waves.map((wave, i) => (
            <li key={i}>{wave.join(", ")}</li>
          ))}
        </ol>
      )}
      <table>
        <thead>
          <tr><th>Service</th><th>Action</th><th>Waits for</th><th>Tunnels</th><th>Port</th></tr>
        </thead>
        <tbody>
          {plan.services.map((s) => (
            <tr key={s.name} data-testid={`plan-${s.name}`}>
              <th scope="row">{s.name}</th>
              <td>{ACTION[s.action]}</td>
              <td>{s.waits.map((w) => `${w.dependency} (${w.condition})`).join(", ") || "–"}</td>
              <td>{s.tunnels.join(", ") || "–"}</td>
              <td>
                {s.port ?? "–"}
                {s.port_holder && <span className="reason"> taken by pid {s.port_holder.pid ?? "?"}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">Nothing was started.</p>
      <button type="button" onClick={onClose}>Close plan</button>
    </section>
  );
}
