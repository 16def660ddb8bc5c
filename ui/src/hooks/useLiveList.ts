//! A list read from the engine, then kept current by its events: the one pattern behind the live
//! services and the live tunnels.

import { useCallback, useEffect, useState } from "react";
import { errorMessage, type Api } from "../api";
import type { Event } from "../api/types/Event";
import { useApi } from "../ApiContext";

export interface LiveList<T> {
  items: T[];
  /** Why the last load failed, if it did. */
  error: string | null;
  reload: () => Promise<void>;
}

/** How a list is read, followed and keyed. Define it once at module level: it must not change. */
export interface LiveSource<T> {
  load: (api: Api) => Promise<T[]>;
  /** The item an event carries, if it carries one of this list's. */
  fromEvent: (event: Event) => T | null;
  /** Items with the same key are the same item (a newer one replaces the older). */
  keyOf: (item: T) => string;
  /** Also re-read every so many ms (for what changes without an event). */
  refreshMs?: number;
}

/** `list` with `item` in place of the one with its key, else added at the end. */
export function upsert<T>(list: T[], item: T, keyOf: (item: T) => string): T[] {
  const key = keyOf(item);
  return list.some((x) => keyOf(x) === key) ? list.map((x) => (keyOf(x) === key ? item : x)) : [...list, item];
}

export function useLiveList<T>({ load, fromEvent, keyOf, refreshMs }: LiveSource<T>): LiveList<T> {
  const api = useApi();
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setItems(await load(api));
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, load]);

  useEffect(() => {
    void reload();
    const timer = refreshMs === undefined ? undefined : setInterval(() => void reload(), refreshMs);
    const unsubscribe = api.subscribe((event) => {
      const item = fromEvent(event);
      if (item !== null) setItems((list) => upsert(list, item, keyOf));
    });
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [api, reload, fromEvent, keyOf, refreshMs]);

  return { items, error, reload };
}
