//! A tunnel's recorded exchanges, kept live: read once (the newest `LIMIT`), then on each
//! `ExchangeRecorded` of that service the ones after the last seen are asked for (the event
//! carries only the id: headers and bodies are read masked unless `reveal`). No timer. Reads run
//! one after another, so an answer never overtakes an older one. A closed tunnel's exchanges are
//! gone with it (`TunnelClosed`); a tunnel opened again is read anew (`TunnelCreated`).

import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, isApiError } from "../../api";
import type { Exchange } from "../../api/types/Exchange";
import { useApi } from "../../ApiContext";

/** How many exchanges the view keeps (the engine keeps 500). */
export const LIMIT = 200;

/** `list` with the exchanges of `more` it does not have yet, in order, at most `LIMIT` (the oldest leave). */
export function merge(list: Exchange[], more: Exchange[]): Exchange[] {
  const known = new Set(list.map((e) => e.id));
  const next = [...list, ...more.filter((e) => !known.has(e.id))];
  return next.length > LIMIT ? next.slice(next.length - LIMIT) : next;
}

export interface LiveExchanges {
  /** `null` until the first read answers. */
  exchanges: Exchange[] | null;
  /** Why reading failed (no tunnel, ...), or that the tunnel was closed. */
  error: string | null;
  /** Adds an exchange this window got in an answer (a replay) without waiting for its event. */
  add: (exchange: Exchange) => void;
}

export function useExchanges(service: string | null, reveal: boolean): LiveExchanges {
  const api = useApi();
  const [exchanges, setExchanges] = useState<Exchange[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opened, setOpened] = useState(0);
  const last = useRef<number | null>(null);

  useEffect(() => {
    setExchanges(null);
    setError(null);
    last.current = null;
    if (service === null) return;
    let stopped = false;
    let queue = Promise.resolve();
    // One read after another: each asks for what came after the last one seen.
    const read = () => {
      queue = queue.then(async () => {
        if (stopped) return;
        try {
          const after = last.current;
          const more = await api.listExchanges(service, after === null ? LIMIT : null, after, reveal);
          if (stopped) return;
          if (more.length > 0) last.current = more[more.length - 1].id;
          setExchanges((list) => merge(list ?? [], more));
          setError(null);
        } catch (e) {
          if (stopped) return;
          setExchanges((list) => list ?? []);
          setError(isApiError(e) && e.code === "unknown_tunnel"
            ? `${service} has no tunnel open: open one in Tunnels to record its requests.`
            : errorMessage(e));
        }
      });
    };
    const unsubscribe = api.subscribe((event) => {
      if (event.type === "ExchangeRecorded" && event.data.service === service) read();
      if (event.type === "TunnelClosed" && event.data.service === service) {
        setError(`The tunnel of ${service} was closed: its recorded requests went with it.`);
      }
      if (event.type === "TunnelCreated" && event.data.service === service) setOpened((n) => n + 1);
    });
    read();
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [api, service, reveal, opened]);

  const add = useCallback((exchange: Exchange) => setExchanges((list) => merge(list ?? [], [exchange])), []);
  return { exchanges, error, add };
}
