//! One service's log: the tail from `logs`, then the live lines of its `Log` events, capped at
//! `MAX_LINES` (the oldest go first). Lines that arrive while the tail loads follow the tail.

import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import type { LogLine } from "../../api/types/LogLine";
import type { LogEntry } from "./filter";

/** How many lines the log view keeps. */
export const MAX_LINES = 5000;
/** How many lines it loads when a service is chosen. */
export const TAIL_LINES = 1000;

export interface LiveLog {
  lines: LogEntry[];
  /** Why the tail could not be loaded (an unknown service, say). */
  error: string | null;
  loading: boolean;
}

/** The log of `service`; empty while none is chosen. */
export function useLogs(service: string): LiveLog {
  const api = useApi();
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const nextId = useRef(0);

  useEffect(() => {
    setLines([]);
    setError(null);
    if (!service) return;
    setLoading(true);
    const entry = (line: LogLine): LogEntry => ({ id: nextId.current++, stream: line.stream, text: line.text });
    const append = (more: LogEntry[]) => setLines((list) => [...list, ...more].slice(-MAX_LINES));
    let loaded = false;
    let stopped = false;
    const early: LogEntry[] = [];
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== "Log" || event.data.service !== service) return;
      if (loaded) append([entry(event.data.line)]);
      else early.push(entry(event.data.line));
    });
    api.logs(service, TAIL_LINES).then(
      (tail) => {
        if (stopped) return;
        loaded = true;
        setLines([...tail.map(entry), ...early].slice(-MAX_LINES));
        setLoading(false);
      },
      (e) => {
        if (stopped) return;
        // Live lines still show after a failed load; they just have no tail before them.
        loaded = true;
        append(early);
        setError(errorMessage(e));
        setLoading(false);
      },
    );
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [api, service]);

  return { lines, error, loading };
}
