//! The engine's settings (the strategies it knows, its default, the login chain) from
//! `get_settings`, then from each `SettingsChanged`; the built-in list when the engine cannot say
//! (so the picker always has something to offer).

import { useEffect, useState } from "react";
import { errorMessage } from "../api";
import { useApi } from "../ApiContext";
import { DEFAULT_STRATEGY, STRATEGIES } from "../api/strategies";
import type { Settings } from "../api/types/Settings";

/** The built-ins with the built-in default, until (or unless) the engine answers. */
export const FALLBACK_SETTINGS: Settings = {
  default_strategy: DEFAULT_STRATEGY, strategies: [...STRATEGIES], login_chain: null, custom_strategies: [],
};

export interface LiveSettings {
  /** What the engine said last; null until it answers, or when it cannot. */
  settings: Settings | null;
  /** Why the engine could not say, if it could not. */
  error: string | null;
}

/** The settings as the engine holds them, kept current by `SettingsChanged`. */
export function useSettings(): LiveSettings {
  const api = useApi();
  const [live, setLive] = useState<LiveSettings>({ settings: null, error: null });
  useEffect(() => {
    let stopped = false;
    // An event carries the whole settings, as new as any answer still on its way: that answer
    // must not put an older value back.
    let changed = false;
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== "SettingsChanged") return;
      changed = true;
      setLive({ settings: event.data, error: null });
    });
    api.getSettings().then(
      (settings) => {
        if (!stopped && !changed) setLive({ settings, error: null });
      },
      (e) => {
        if (!stopped && !changed) setLive({ settings: null, error: errorMessage(e) });
      },
    );
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [api]);
  return live;
}

/** The settings, or the built-ins while (or when) the engine cannot say. */
export function useStrategies(): Settings {
  return useSettings().settings ?? FALLBACK_SETTINGS;
}
