//! The live list of tunnels: loaded once, then kept current by the engine's tunnel events:
//! created, failed, re-created and checked (a passing health check moves `last_check_ms` on)
//! replace a tunnel; closed drops it.

import type { Event } from "../../api/types/Event";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import { useLiveList, type LiveSource } from "../../hooks/useLiveList";

export interface LiveTunnels {
  tunnels: TunnelInfo[];
  /** Why the load failed, if it did. */
  error: string | null;
}

/** The tunnel an event carries, if it opens or changes one. */
export function tunnelOf(event: Event): TunnelInfo | null {
  switch (event.type) {
    case "TunnelCreated":
    case "TunnelFailed":
    case "TunnelChecked":
      return event.data;
    case "TunnelRecreated":
      return event.data.tunnel;
    default:
      return null;
  }
}

export const TUNNELS: LiveSource<TunnelInfo> = {
  load: (api) => api.listTunnels(),
  fromEvent: tunnelOf,
  removedKey: (event) => (event.type === "TunnelClosed" ? event.data.service : null),
  keyOf: (t) => t.service,
};

export function useTunnels(): LiveTunnels {
  const { items, error } = useLiveList(TUNNELS);
  return { tunnels: items, error };
}
