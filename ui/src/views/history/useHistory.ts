//! The recent chain starts, followed: `history` is asked for every service (the engine answers per
//! service) and the answers are merged by execution id. It is read again when the services change
//! (one added or removed) and on each `ExecutionFinished`, whose report shows at once while the
//! read runs. No timer: a chain start from the window, the CLI or the tray ends with that event.

import { useEffect, useRef, useState } from "react";
import { errorMessage, isApiError } from "../../api";
import type { ExecutionReport } from "../../api/types/ExecutionReport";
import { useApi } from "../../ApiContext";
import { HISTORY_LIMIT, mergeHistories } from "./merge";

export interface LiveHistory {
  /** Every chain start read, once each, newest first. */
  executions: ExecutionReport[];
  /** Whether a read of the services' histories has answered. */
  loaded: boolean;
  /** Why the last read failed, if it did. */
  error: string | null;
}

const NOTHING_YET: LiveHistory = { executions: [], loaded: false, error: null };

/** The merged history of the services `names`. */
export function useHistory(names: string[]): LiveHistory {
  const api = useApi();
  // Only which services there are matters, not their order or their states.
  const key = [...new Set(names)].sort().join("\n");
  const [history, setHistory] = useState<LiveHistory>(NOTHING_YET);
  // Only the latest read may write: an older one answering late would drop a newer chain start.
  const generation = useRef(0);

  useEffect(() => {
    const services = key === "" ? [] : key.split("\n");
    const read = () => {
      const mine = ++generation.current;
      if (services.length === 0) return;
      void Promise.allSettled(services.map((name) => api.history(name, HISTORY_LIMIT))).then((answers) => {
        if (mine !== generation.current) return;
        const lists: ExecutionReport[][] = [];
        let error: string | null = null;
        for (const answer of answers) {
          if (answer.status === "fulfilled") lists.push(answer.value);
          // A service removed since the list was read has no history to give; the others do.
          else if (!(isApiError(answer.reason) && answer.reason.code === "unknown_service")) {
            error ??= errorMessage(answer.reason);
          }
        }
        setHistory({ executions: mergeHistories(lists), loaded: true, error });
      });
    };
    read();
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== "ExecutionFinished") return;
      setHistory((h) => ({ ...h, executions: mergeHistories([h.executions, [event.data]]) }));
      read();
    });
    return () => {
      generation.current++;
      unsubscribe();
    };
  }, [api, key]);

  return history;
}
