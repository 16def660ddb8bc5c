//! The live list of tunnels: loaded, then kept current by `TunnelCreated`, `TunnelFailed` and
//! `TunnelRecreated`, and re-read every few seconds for the engine's health-check times.

import type { Event } from "../../api/types/Event";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import { useLiveList, type LiveSource } from "../../hooks/useLiveList";

/** How often the list is re-read: health checks record a time but send no event. */
const REFRESH_MS = 5000;

export interface LiveTunnels {
  tunnels: TunnelInfo[];
  /** Why the last load failed, if it did. */
  error: string | null;
  reload: () => Promise<void>;
}

/** The tunnel an event is about, if it is about one. */
export function tunnelOf(event: Event): TunnelInfo | null {
  switch (event.type) {
    case "TunnelCreated":
    case "TunnelFailed":
      return event.data;
    case "TunnelRecreated":
      return event.data.tunnel;
    default:
      return null;
  }
}

const TUNNELS: LiveSource<TunnelInfo> = {
  load: (api) => api.listTunnels(),
  fromEvent: tunnelOf,
  keyOf: (t) => t.service,
  refreshMs: REFRESH_MS,
};

export function useTunnels(): LiveTunnels {
  const { items, error, reload } = useLiveList(TUNNELS);
  return { tunnels: items, error, reload };
}
