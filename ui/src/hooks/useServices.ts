//! The live list of services: loaded once, then kept current by events: `ServiceAdded` adds one,
//! `ServiceChanged` and `ServiceUpdated` replace its status, `ServiceRemoved` drops it.

import type { Event } from "../api/types/Event";
import type { ServiceStatus } from "../api/types/ServiceStatus";
import { useLiveList, type LiveSource } from "./useLiveList";

export interface LiveServices {
  services: ServiceStatus[];
  /** Why the load failed, if it did. */
  error: string | null;
}

/** The status an event carries, if it adds or changes a service. */
export function serviceOf(event: Event): ServiceStatus | null {
  switch (event.type) {
    case "ServiceChanged":
      return event.data;
    case "ServiceAdded":
    case "ServiceUpdated":
      return event.data.status;
    default:
      return null;
  }
}

export const SERVICES: LiveSource<ServiceStatus> = {
  load: (api) => api.listServices(),
  fromEvent: serviceOf,
  removedKey: (event) => (event.type === "ServiceRemoved" ? event.data.name : null),
  keyOf: (s) => s.name,
};

export function useServices(): LiveServices {
  const { items, error } = useLiveList(SERVICES);
  return { services: items, error };
}
