//! The login chain's pure parts: the current value in words, the services and strategies the form
//! offers (the live ones, plus any the saved chain or the selection still names, so a chain that
//! names a service removed since shows it), and which control an engine refusal belongs to.

import type { ChainRequest } from "../../api/types/ChainRequest";
import type { ErrorCode } from "../../api/types/ErrorCode";

/** The saved login chain in words. */
export function describeLoginChain(chain: ChainRequest | null): string {
  if (!chain) return "At login, nexsock starts nothing.";
  const strategy = chain.strategy === null ? "the default strategy" : `the ${chain.strategy} strategy`;
  const bound = chain.max_concurrent === null ? "" : `, at most ${chain.max_concurrent} at once`;
  return `At login, nexsock starts ${chain.roots.join(", ")} with ${strategy}${bound}.`;
}

/** `known` in its order, then every name of `more` it lacks, each once. */
export function withExtras(known: string[], ...more: string[][]): string[] {
  const out = [...known];
  for (const name of more.flat()) if (!out.includes(name)) out.push(name);
  return out;
}

/** The control a refusal of `set_login_chain` shows at. */
export type ChainField = "services" | "strategy" | "form";

/** Where the engine's `code` belongs: a strategy it does not know at the strategy select; a
 *  service it does not have, or no service at all (`invalid_argument`), at the services. */
export function chainErrorField(code: ErrorCode | undefined): ChainField {
  switch (code) {
    case "unknown_strategy":
      return "strategy";
    case "unknown_service":
    case "invalid_argument":
      return "services";
    default:
      return "form";
  }
}
