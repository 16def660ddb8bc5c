//! What each `ServiceState` means to the window, one entry per state: a `Record` over the
//! contract's union, so a state the engine adds fails the type check until it is described here.
//! `completed` is a one-shot that exited 0 by itself (a migration that did its job): down, not
//! failed, and startable again like `stopped`.

import type { ServiceState } from "./types/ServiceState";

interface StateInfo {
  /** What the state means, in words (the badge's title). */
  meaning: string;
  /** No process and nothing scheduled: the service can be started (and removed). */
  down: boolean;
}

export const STATES: Record<ServiceState, StateInfo> = {
  stopped: { meaning: "Stopped by request, or never run", down: true },
  starting: { meaning: "Starting: spawned (or about to restart), not ready yet", down: false },
  ready: { meaning: "Running and ready", down: false },
  stopping: { meaning: "Being stopped", down: false },
  failed: { meaning: "Its last start or run failed", down: true },
  completed: { meaning: "Completed: exited 0 by itself (a one-shot that did its job); not running", down: true },
};

/** Every service state, in the contract's order. */
export const SERVICE_STATES = Object.keys(STATES) as ServiceState[];

/** Whether a service in `state` is down and can be started: stopped, failed or completed. */
export function isDown(state: ServiceState): boolean {
  return STATES[state].down;
}
