//! The live list of services: loaded once, then kept current by `ServiceChanged` events.

import { useEffect, useState } from "react";
import type { ServiceStatus } from "../api/types/ServiceStatus";
import { useLiveList, type LiveSource } from "./useLiveList";

export interface LiveServices {
  services: ServiceStatus[];
  /** Why the last load failed, if it did. */
  error: string | null;
  reload: () => Promise<void>;
}

const SERVICES: LiveSource<ServiceStatus> = {
  load: (api) => api.listServices(),
  fromEvent: (event) => (event.type === "ServiceChanged" ? event.data : null),
  keyOf: (s) => s.name,
};

export function useServices(): LiveServices {
  const { items, error, reload } = useLiveList(SERVICES);
  return { services: items, error, reload };
}

/** The current time in Unix ms, updated every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
