//! Who holds the port of each service that waits to start (stopped, failed or completed), read
//! again whenever the services list changes (an event: a service started, stopped, failed, completed
//! or was edited) and after this window frees a port or a start fails with `port_in_use`; never on
//! a timer. Freeing goes through `free_port`: a nexsock service or an orphan is stopped, a foreign
//! process only killed when asked to.

import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../api";
import { isDown } from "../../api/states";
import type { PortHolder } from "../../api/types/PortHolder";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import { useApi } from "../../ApiContext";

/** A service's port and who else listens on it. */
export interface HeldPort {
  port: number;
  holder: PortHolder;
}

export interface PortHolders {
  /** By service name: its port, when something other than the service itself holds it. */
  held: Map<string, HeldPort>;
  /** By service name: why freeing its port failed. */
  errors: Map<string, string>;
  /** The services whose port is being freed. */
  freeing: Set<string>;
  /** `free_port` for `name`, then reads the holders again. */
  free: (name: string, killForeign: boolean) => Promise<void>;
  /** Reads the holders again (a start failed on a held port: the engine sends no port event). */
  reread: () => void;
}

/** Whether the service waits to start (it is down: stopped, failed, or a one-shot that completed),
 *  so that a holder of its port is in its way. */
export function waitsToStart(s: ServiceStatus): boolean {
  return isDown(s.state);
}

/** `map` without `key`; `map` itself when it has none. */
function without<V>(map: Map<string, V>, key: string): Map<string, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

export function usePortHolders(services: ServiceStatus[]): PortHolders {
  const api = useApi();
  const [held, setHeld] = useState<Map<string, HeldPort>>(new Map());
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const [freeing, setFreeing] = useState<Set<string>>(new Set());
  // Bumped to read again when the list itself did not change.
  const [reads, setReads] = useState(0);
  const reread = useCallback(() => setReads((n) => n + 1), []);

  useEffect(() => {
    // Only the latest read may write: an older one answering late would show a stale holder.
    let latest = true;
    const waiting = services.filter((s): s is ServiceStatus & { port: number } => s.port !== null && waitsToStart(s));
    const ports = [...new Set(waiting.map((s) => s.port))];
    // An engine that cannot say (an older host) shows no holder rather than an error.
    Promise.all(ports.map((port) => api.portStatus(port).then((status) => status.holder, () => null))).then((holders) => {
      if (!latest) return;
      const byPort = new Map(ports.map((port, i) => [port, holders[i]]));
      const next = new Map<string, HeldPort>();
      for (const s of waiting) {
        const holder = byPort.get(s.port);
        if (holder && holder.service !== s.name) next.set(s.name, { port: s.port, holder });
      }
      setHeld(next);
      // A failure to free is about a holder that is gone now.
      setErrors((e) => new Map([...e].filter(([name]) => next.has(name))));
    });
    return () => {
      latest = false;
    };
  }, [api, services, reads]);

  const free = useCallback(
    async (name: string, killForeign: boolean) => {
      setFreeing((f) => new Set(f).add(name));
      setErrors((e) => without(e, name));
      try {
        await api.freePort(name, killForeign);
      } catch (e) {
        setErrors((errs) => new Map(errs).set(name, errorMessage(e)));
      } finally {
        setFreeing((f) => {
          const next = new Set(f);
          next.delete(name);
          return next;
        });
        // A foreign process or an orphan ending sends no event: ask again either way.
        reread();
      }
    },
    [api, reread],
  );

  return { held, errors, freeing, free, reread };
}
