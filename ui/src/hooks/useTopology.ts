//! The live topology (services and their dependency edges) for the graph and the health matrix:
//! exported once, then kept current by service and dependency events alone.

import { useEffect, useState } from "react";
import { errorMessage } from "../api";
import { followTopology, topologyOf, type Topology } from "../api/topology";
import { useApi } from "../ApiContext";

export interface LiveTopology {
  /** Null until the export answers. */
  topology: Topology | null;
  /** Why the export failed, if it did. */
  error: string | null;
}

export function useTopology(): LiveTopology {
  const api = useApi();
  const [topology, setTopology] = useState<Topology | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const unsubscribe = api.subscribe((event) => setTopology((t) => t && followTopology(t, event)));
    api.exportStack().then(
      (stack) => {
        if (stopped) return;
        setTopology(topologyOf(stack));
        setError(null);
      },
      (e) => {
        if (!stopped) setError(errorMessage(e));
      },
    );
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [api]);

  return { topology, error };
}
