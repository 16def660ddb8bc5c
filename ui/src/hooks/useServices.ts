//! The live list of services: loaded once, then kept current by `ServiceChanged` events.

import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../api";
import { useApi } from "../ApiContext";
import type { ServiceStatus } from "../api/types/ServiceStatus";

export interface LiveServices {
  services: ServiceStatus[];
  /** Why the last load failed, if it did. */
  error: string | null;
  reload: () => Promise<void>;
}

export function useServices(): LiveServices {
  const api = useApi();
  const [services, setServices] = useState<ServiceStatus[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setServices(await api.listServices());
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api]);

  useEffect(() => {
    void reload();
    return api.subscribe((event) => {
      if (event.type !== "ServiceChanged") return;
      const status = event.data;
      setServices((list) =>
        list.some((s) => s.name === status.name)
          ? list.map((s) => (s.name === status.name ? status : s))
          : [...list, status],
      );
    });
  }, [api, reload]);

  return { services, error, reload };
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
