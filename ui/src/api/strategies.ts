//! The start strategies the engine registers by default, in the order the UI offers them.

export const STRATEGIES = ["sequential", "parallel-safe", "concurrent", "critical-path"] as const;

/** One of the built-in strategy names. */
export type Strategy = (typeof STRATEGIES)[number];

/** The engine's default strategy. */
export const DEFAULT_STRATEGY: Strategy = "concurrent";
