//! A list read from the engine once, then kept current by its events alone: the one pattern behind
//! the live services and the live tunnels. No timer re-reads it; an event adds, replaces or drops.

import { useCallback, useEffect, useState } from "react";
import { errorMessage, type Api } from "../api";
import type { Event } from "../api/types/Event";
import { useApi } from "../ApiContext";

export interface LiveList<T> {
  items: T[];
  /** Why the load failed, if it did. */
  error: string | null;
}

/** How a list is read, followed and keyed. Define it once at module level: it must not change. */
export interface LiveSource<T> {
  load: (api: Api) => Promise<T[]>;
  /** The item an event carries, if it adds or changes one of this list's. */
  fromEvent: (event: Event) => T | null;
  /** The key of the item an event removes, if it removes one of this list's. */
  removedKey: (event: Event) => string | null;
  /** Items with the same key are the same item (a newer one replaces the older). */
  keyOf: (item: T) => string;
}

/** `list` with `item` in place of the one with its key, else added at the end. */
export function upsert<T>(list: T[], item: T, keyOf: (item: T) => string): T[] {
  const key = keyOf(item);
  return list.some((x) => keyOf(x) === key) ? list.map((x) => (keyOf(x) === key ? item : x)) : [...list, item];
}

/** `list` after `event`: the item it carries upserted, the one it removes dropped; else `list` itself. */
export function applyEvent<T>(list: T[], event: Event, source: LiveSource<T>): T[] {
  const item = source.fromEvent(event);
  if (item !== null) return upsert(list, item, source.keyOf);
  const removed = source.removedKey(event);
  if (removed === null || !list.some((x) => source.keyOf(x) === removed)) return list;
  return list.filter((x) => source.keyOf(x) !== removed);
}

/** A value read from the engine once, then kept current by its events alone: what the live
 * lists and the live topology are made of. `load` and `follow` must be stable (module level or
 * memoised): a new one reads again. `initial` is the value until the read answers. */
export function useFollowed<V>(
  load: (api: Api) => Promise<V>,
  follow: (value: V, event: Event) => V,
  initial: V,
): { value: V; error: string | null } {
  const api = useApi();
  const [value, setValue] = useState<V>(initial);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const unsubscribe = api.subscribe((event) => setValue((v) => follow(v, event)));
    load(api).then(
      (loaded) => {
        if (stopped) return;
        setValue(loaded);
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
  }, [api, load, follow]);

  return { value, error };
}

export function useLiveList<T>(source: LiveSource<T>): LiveList<T> {
  const follow = useCallback((list: T[], event: Event) => applyEvent(list, event, source), [source]);
  const { value, error } = useFollowed(source.load, follow, []);
  return { items: value, error };
}
