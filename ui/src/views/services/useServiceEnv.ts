//! The environment a service gets at its next start (`service_env`), read when the panel opens or
//! "Show secrets" flips, and read again on the events that change it: the service's spec
//! (`ServiceAdded`/`ServiceUpdated`), its dependency edges (`DependencyAdded`/`DependencyRemoved`,
//! a tunnelled dependency removed with its edges), and a tunnelled dependency's tunnel opening,
//! failing, re-created under a new URL or closing. A passing health check (`TunnelChecked`) of a
//! tunnel whose URL is shown already changes nothing. Never on a timer.

import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { tunnelSource } from "../../api/env";
import type { EnvVar } from "../../api/types/EnvVar";
import type { Event } from "../../api/types/Event";
import type { TunnelInfo } from "../../api/types/TunnelInfo";
import { useApi } from "../../ApiContext";

export interface LiveEnv {
  /** The variables in the engine's order; null until the first answer. */
  vars: EnvVar[] | null;
  /** Why the last read failed, if it did. */
  error: string | null;
}

/** By tunnelled dependency: the URL the variables show for it (`null`: not open). */
function shownUrls(vars: EnvVar[]): Map<string, string | null> {
  const urls = new Map<string, string | null>();
  for (const v of vars) {
    const dependency = tunnelSource(v.source);
    if (dependency !== null) urls.set(dependency, v.value);
  }
  return urls;
}

/** Whether `event` may change what `service_env` answers for `name`, given the variables shown
 *  (`null` while the first read is under way: any tunnel change may matter then). */
export function touchesEnv(event: Event, name: string, vars: EnvVar[] | null): boolean {
  const urls = vars === null ? null : shownUrls(vars);
  // A tunnel matters when it is one of the service's dependencies and its URL is not the one shown.
  const moved = (t: TunnelInfo) =>
    urls === null || (urls.has(t.service) && urls.get(t.service) !== (t.status === "open" ? t.public_url : null));
  switch (event.type) {
    case "ServiceAdded":
    case "ServiceUpdated":
      return event.data.spec.name === name;
    case "ServiceRemoved":
      // The service's own removal unmounts its row; a tunnelled dependency takes its edge with it.
      return urls === null || urls.has(event.data.name);
    case "DependencyAdded":
      return event.data.edge.service === name;
    case "DependencyRemoved":
      return event.data.service === name;
    case "TunnelCreated":
    case "TunnelFailed":
    case "TunnelChecked":
    case "TunnelClosed":
      return moved(event.data);
    case "TunnelRecreated":
      return moved(event.data.tunnel);
    default:
      return false;
  }
}

export function useServiceEnv(name: string, reveal: boolean): LiveEnv {
  const api = useApi();
  const [env, setEnv] = useState<LiveEnv>({ vars: null, error: null });
  // What the latest answer holds, for deciding which events matter without subscribing again.
  const shown = useRef<EnvVar[] | null>(null);
  // Only the latest read may write: an older one answering late would show a stale environment.
  const generation = useRef(0);

  useEffect(() => {
    const read = () => {
      const mine = ++generation.current;
      api.serviceEnv(name, reveal).then(
        (vars) => {
          if (mine !== generation.current) return;
          shown.current = vars;
          setEnv({ vars, error: null });
        },
        (e) => {
          if (mine === generation.current) setEnv((prev) => ({ vars: prev.vars, error: errorMessage(e) }));
        },
      );
    };
    read();
    const unsubscribe = api.subscribe((event) => {
      if (touchesEnv(event, name, shown.current)) read();
    });
    return () => {
      // Whatever is still being read belongs to a closed panel (or the other "Show secrets").
      generation.current++;
      unsubscribe();
    };
  }, [api, name, reveal]);

  return env;
}
