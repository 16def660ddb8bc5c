//! `get_settings`, `set_default_strategy` and `set_login_chain` in the mock engine: only a
//! strategy it knows can become the default, chain starts without a strategy use it, the login
//! chain names at least one service it has and a strategy it knows (or none), and every change is
//! announced with `SettingsChanged`.

import type { ChainRequest } from "../types/ChainRequest";
import type { Settings } from "../types/Settings";
import type { MockEngine } from "./engine";
import { fail } from "./validate";

/** The engine's refusal of a strategy name it does not know. */
export function unknownStrategy(engine: MockEngine, name: string): never {
  return fail("unknown_strategy", `unknown strategy \`${name}\` (known: ${engine.strategies.join(", ")})`);
}

/** `get_settings`. */
export function getSettings(engine: MockEngine): Settings {
  const chain = engine.loginChain;
  return {
    default_strategy: engine.defaultStrategy,
    strategies: [...engine.strategies],
    login_chain: chain && { ...chain, roots: [...chain.roots] },
  };
}

/** `set_default_strategy`. */
export function setDefaultStrategy(engine: MockEngine, name: string): void {
  if (!engine.strategies.includes(name)) unknownStrategy(engine, name);
  engine.defaultStrategy = name;
  engine.emit({ type: "SettingsChanged", data: getSettings(engine) });
}

/** `set_login_chain`, checked in the engine's order: at least one root, each a service it has, a
 *  strategy it knows (none: the default at login), `max_concurrent` at least 1; `null` clears it.
 *  Kept as given (a service removed later stays named, as in the engine's config). */
export function setLoginChain(engine: MockEngine, chain: ChainRequest | null): void {
  if (chain) {
    if (chain.roots.length === 0) fail("invalid_argument", "name at least one service to start at login");
    chain.roots.forEach((name) => engine.service(name));
    if (chain.strategy !== null && !engine.strategies.includes(chain.strategy)) unknownStrategy(engine, chain.strategy);
    if (chain.max_concurrent === 0) fail("invalid_argument", "--max-concurrent must be at least 1");
  }
  engine.loginChain = chain && { ...chain, roots: [...chain.roots] };
  engine.emit({ type: "SettingsChanged", data: getSettings(engine) });
}
