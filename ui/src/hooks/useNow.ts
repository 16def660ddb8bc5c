//! A clock for "x s ago" and uptimes: the only timer of the window. It re-reads nothing from the
//! engine; what the engine holds arrives as events.

import { useEffect, useState } from "react";

/** The current time in Unix ms, updated every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
