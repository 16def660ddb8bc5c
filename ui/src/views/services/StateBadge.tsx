//! A service's state as a coloured badge with its name in text (colour is never the only cue).

import type { ServiceState } from "../../api/types/ServiceState";

export function StateBadge({ state, reason }: { state: ServiceState; reason?: string | null }) {
  return (
    <span className={`badge state-${state}`} title={reason ?? undefined}>
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
