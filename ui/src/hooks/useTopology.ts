//! The live topology (services and their dependency edges) for the graph and the health matrix:
//! exported once, then kept current by service and dependency events alone.

import type { Api } from "../api";
import { followTopology, topologyOf, type Topology } from "../api/topology";
import type { Event } from "../api/types/Event";
import { useFollowed } from "./useLiveList";

export interface LiveTopology {
  /** Null until the export answers. */
  topology: Topology | null;
  /** Why the export failed, if it did. */
  error: string | null;
}

const load = async (api: Api): Promise<Topology | null> => topologyOf(await api.exportStack());
const follow = (t: Topology | null, event: Event): Topology | null => t && followTopology(t, event);

export function useTopology(): LiveTopology {
  const { value, error } = useFollowed(load, follow, null);
  return { topology: value, error };
}
