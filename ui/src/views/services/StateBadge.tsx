//! A service's state as a coloured badge with its name in text (colour is never the only cue) and
//! what it means as its title: `completed` (exited 0 by itself) reads apart from `stopped` and
//! `failed` in text, colour (`state-completed`) and title.

import { STATES } from "../../api/states";
import type { ServiceState } from "../../api/types/ServiceState";

/** The badge's title: what the state means, and the engine's reason when it gives one. */
export function stateTitle(state: ServiceState, reason?: string | null): string {
  const { meaning } = STATES[state];
  return reason ? `${meaning} — ${reason}` : meaning;
}

export function StateBadge({ state, reason }: { state: ServiceState; reason?: string | null }) {
  return (
    <span className={`badge state-${state}`} title={stateTitle(state, reason)}>
      {state}
    </span>
  );
}

/** `1h 02m`, `3m 05s`, `12s`; empty when not running. */
export function formatUptime(sinceMs: number | null, nowMs: number): string {
  if (sinceMs === null) return "";
  const secs = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}
