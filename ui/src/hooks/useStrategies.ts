//! The strategies the engine knows and its default, from `get_settings`; the built-in list when
//! the engine cannot say (so the picker always has something to offer).

import { useEffect, useState } from "react";
import { useApi } from "../ApiContext";
import { DEFAULT_STRATEGY, STRATEGIES } from "../api/strategies";
import type { Settings } from "../api/types/Settings";

/** The built-ins with the built-in default, until (or unless) the engine answers. */
export const FALLBACK_SETTINGS: Settings = { default_strategy: DEFAULT_STRATEGY, strategies: [...STRATEGIES] };

export function useStrategies(): Settings {
  const api = useApi();
  const [settings, setSettings] = useState<Settings>(FALLBACK_SETTINGS);
  useEffect(() => {
    api.getSettings().then(setSettings, () => setSettings(FALLBACK_SETTINGS));
  }, [api]);
  return settings;
}
