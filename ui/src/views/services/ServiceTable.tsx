//! The services as a table: a checkbox per row for batch actions, state, port (and who else holds
//! it, for a service waiting to start), uptime, and the row's Environment, edit and remove buttons.
//! "Environment" opens the service's environment at its next start in a row under it (`EnvPanel`).

import { Fragment, useState } from "react";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import { EnvPanel, envPanelId } from "./EnvPanel";
import { HeldPort } from "./HeldPort";
import { formatUptime, StateBadge } from "./StateBadge";
import { waitsToStart, type PortHolders } from "./usePortHolders";

interface Props {
  services: ServiceStatus[];
  selected: Set<string>;
  onToggle: (name: string) => void;
  onToggleAll: () => void;
  onEdit: (name: string) => void;
  onRemove: (name: string) => void;
  /** Who holds the ports of the services waiting to start, and how to free them. */
  ports: PortHolders;
  now: number;
}

export function ServiceTable({ services, selected, onToggle, onToggleAll, onEdit, onRemove, ports, now }: Props) {
  // Removing asks once more in the row itself (no native dialog: the webview may not show one).
  const [confirming, setConfirming] = useState<string | null>(null);
  // The services whose environment panel is open.
  const [envOpen, setEnvOpen] = useState<Set<string>>(new Set());
  const toggleEnv = (name: string) =>
    setEnvOpen((open) => {
      const next = new Set(open);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });
  const all = services.length > 0 && services.every((s) => selected.has(s.name));
  return (
    <table className="services">
      <thead>
        <tr>
          <th scope="col">
            <input type="checkbox" aria-label="Select all services" checked={all} onChange={onToggleAll} />
          </th>
          <th scope="col">Service</th>
          <th scope="col">State</th>
          <th scope="col">Port</th>
          <th scope="col">Uptime</th>
          <th scope="col">Profile</th>
          <th scope="col"><span className="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {services.length === 0 && (
          <tr>
            <td colSpan={7} className="empty">No services yet: add one.</td>
          </tr>
        )}
        {services.map((s) => {
          const held = ports.held.get(s.name);
          const showEnv = envOpen.has(s.name);
          return (
            <Fragment key={s.name}>
              <tr data-testid={`service-${s.name}`} className={selected.has(s.name) ? "selected" : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${s.name}`}
                    checked={selected.has(s.name)}
                    onChange={() => onToggle(s.name)}
                  />
                </td>
                <th scope="row">{s.name}</th>
                <td>
                  <StateBadge state={s.state} reason={s.reason} />
                  {s.restart_to_apply && (
                    <span className="badge restart-to-apply" title="Its definition changed while it runs: a restart applies it">
                      restart to apply
                    </span>
                  )}
                  {s.reason && <span className="reason">{s.reason}</span>}
                </td>
                <td>
                  <span>{s.port ?? "–"}</span>
                  {held && held.port === s.port && waitsToStart(s) && (
                    <HeldPort
                      name={s.name}
                      holder={held.holder}
                      freeing={ports.freeing.has(s.name)}
                      error={ports.errors.get(s.name)}
                      onFree={(killForeign) => void ports.free(s.name, killForeign)}
                    />
                  )}
                </td>
                <td>{formatUptime(s.state === "ready" ? s.since_ms : null, now)}</td>
                <td>{s.tunnel_profile ?? "default"}</td>
                <td>
                  <div className="row-actions">
                    <button
                      type="button"
                      aria-label={`Environment of ${s.name}`}
                      aria-expanded={showEnv}
                      aria-controls={showEnv ? envPanelId(s.name) : undefined}
                      onClick={() => toggleEnv(s.name)}
                    >
                      Environment
                    </button>
                    <button type="button" onClick={() => onEdit(s.name)} aria-label={`Edit ${s.name}`}>Edit</button>
                    {confirming === s.name ? (
                      <>
                        <button type="button" className="danger" onClick={() => { setConfirming(null); onRemove(s.name); }}>
                          Yes, remove {s.name}
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>Keep</button>
                      </>
                    ) : (
                      <button type="button" onClick={() => setConfirming(s.name)} aria-label={`Remove ${s.name}`}>Remove</button>
                    )}
                  </div>
                </td>
              </tr>
              {showEnv && (
                <tr className="env-row">
                  <td colSpan={7}>
                    <EnvPanel name={s.name} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
