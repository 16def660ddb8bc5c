//! `get_settings`, `set_default_strategy`, `set_login_chain`, `add_strategy` and
//! `remove_strategy` in the mock engine: only a strategy it knows can become the default, chain
//! starts without a strategy use it, the login chain names at least one service it has and a
//! strategy it knows (or none), a declared strategy has a new valid name over a built-in base,
//! and every change is announced with `SettingsChanged`.

import type { ChainRequest } from "../types/ChainRequest";
import type { Settings } from "../types/Settings";
import type { StrategySpec } from "../types/StrategySpec";
import { STRATEGIES } from "../strategies";
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
    custom_strategies: engine.customStrategies.map((s) => ({ ...s })),
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

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `add_strategy`, checked in the engine's order: its name, its priority names, its bound, its
 *  base (a built-in), then that the name is free. */
export function addStrategy(engine: MockEngine, spec: StrategySpec): void {
  const name = spec.name ?? "";
  const invalid = (what: string, bad: string, field: string) =>
    fail("invalid_name", `invalid ${what} \`${bad}\`: use letters, digits, \`-\` and \`_\`, at most 64 characters`, field);
  if (!NAME.test(name)) invalid("strategy name", name, "name");
  const badPriority = (spec.priority ?? []).find((p) => !NAME.test(p));
  if (badPriority !== undefined) invalid("priority service", badPriority, "priority");
  if (spec.max_concurrent === 0) fail("invalid_argument", "--max-concurrent must be at least 1", "max_concurrent");
  if (!(STRATEGIES as readonly string[]).includes(spec.base)) {
    fail("unknown_strategy", `unknown base strategy \`${spec.base}\` (a declared strategy is built on one of: ${STRATEGIES.join(", ")})`, "base");
  }
  if (engine.strategies.includes(name)) fail("duplicate_strategy", `a strategy named \`${name}\` already exists`, "name");
  engine.customStrategies = [...engine.customStrategies, { ...spec, name }].sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : 1));
  engine.strategies = [...STRATEGIES, ...engine.strategies.filter((s) => !(STRATEGIES as readonly string[]).includes(s) && s !== name), name];
  engine.emit({ type: "SettingsChanged", data: getSettings(engine) });
}

/** `remove_strategy`: only a declared one; a default or login chain naming it falls back. */
export function removeStrategy(engine: MockEngine, name: string): void {
  if (!engine.customStrategies.some((s) => s.name === name)) {
    if (engine.strategies.includes(name)) fail("invalid_argument", `\`${name}\` is built in: it cannot be changed or removed`, "name");
    unknownStrategy(engine, name);
  }
  engine.customStrategies = engine.customStrategies.filter((s) => s.name !== name);
  engine.strategies = engine.strategies.filter((s) => s !== name);
  if (engine.defaultStrategy === name) engine.defaultStrategy = "concurrent";
  if (engine.loginChain?.strategy === name) engine.loginChain = { ...engine.loginChain, strategy: null };
  engine.emit({ type: "SettingsChanged", data: getSettings(engine) });
}
