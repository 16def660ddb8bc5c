//! The live list of tunnels: loaded, then kept current by `TunnelCreated`, `TunnelFailed` and
//! `TunnelRecreated`, and re-read every few seconds for the engine's health-check times.

import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../api";
import type { Event } from "../../api/types/Event";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import { useApi } from "../../ApiContext";

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

/** `list` with `tunnel` in place of the one for its service, else added. */
export function upsertTunnel(list: TunnelInfo[], tunnel: TunnelInfo): TunnelInfo[] {
  return list.some((t) => t.service === tunnel.service)
    ? list.map((t) => (t.service === tunnel.service ? tunnel : t))
    : [...list, tunnel];
}

export function useTunnels(): LiveTunnels {
  const api = useApi();
  const [tunnels, setTunnels] = useState<TunnelInfo[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setTunnels(await api.listTunnels());
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api]);

  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    const unsubscribe = api.subscribe((event) => {
      const tunnel = tunnelOf(event);
      if (tunnel) setTunnels((list) => upsertTunnel(list, tunnel));
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [api, reload]);

  return { tunnels, error, reload };
}
