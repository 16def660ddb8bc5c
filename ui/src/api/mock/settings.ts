//! `get_settings` and `set_default_strategy` in the mock engine: only a strategy it knows can
//! become the default, chain starts without a strategy use it, and the change is announced with
//! `SettingsChanged`.

import type { Settings } from "../types/Settings";
import type { MockEngine } from "./engine";
import { fail } from "./validate";

/** The engine's refusal of a strategy name it does not know. */
export function unknownStrategy(engine: MockEngine, name: string): never {
  return fail("unknown_strategy", `unknown strategy \`${name}\` (known: ${engine.strategies.join(", ")})`);
}

/** `get_settings`. */
export function getSettings(engine: MockEngine): Settings {
  return { default_strategy: engine.defaultStrategy, strategies: [...engine.strategies] };
}

/** `set_default_strategy`. */
export function setDefaultStrategy(engine: MockEngine, name: string): void {
  if (!engine.strategies.includes(name)) unknownStrategy(engine, name);
  engine.defaultStrategy = name;
  engine.emit({ type: "SettingsChanged", data: getSettings(engine) });
}
