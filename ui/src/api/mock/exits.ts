//! Processes that end by themselves in the mock engine, handled as the engine handles them. A run
//! ends by itself when the test says so (`exits`: service -> exit code) or when its command is one
//! the mock can read (`true`, `exit 3`, `echo migrated`: see `shellExit`). Once ready, such a run
//! does its work (one pause) and exits; then the service's restart policy decides, like the
//! engine's `restart.rs`: `always` restarts any exit, `on-failure` a non-zero one, with at most
//! `MAX_RESTARTS` in a row before giving up (`failed`). An exit it does not restart leaves the
//! service `completed` when the code is 0 (a one-shot such as a migration that did its job), else
//! `failed` with the exit as its reason. A stop by request makes a completed service `stopped`,
//! and a start clears it (`starting`): see `MockEngine.stop` and `MockEngine.start`.

import type { ExitInfo } from "../types/ExitInfo";
import type { RestartPolicy } from "../types/RestartPolicy";
import type { MockEngine } from "./engine";
import { lastWords, print } from "./logs";

/** Restarts in a row after which the engine gives up and marks the service failed. */
export const MAX_RESTARTS = 5;
/** The engine's first back-off delay, doubled on each further restart up to `BACKOFF_CAP_MS`. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 30_000;

/** What to do after a process ended on its own. */
export type RestartDecision =
  | { kind: "restart"; attempt: number; delayMs: number }
  | { kind: "stay" }
  | { kind: "give_up" };

/** Which exits each policy restarts. */
const RESTARTS: Record<RestartPolicy, (succeeded: boolean) => boolean> = {
  no: () => false,
  "on-failure": (succeeded) => !succeeded,
  always: () => true,
};

/** The engine's `restart::decide`; `previous` counts the restarts in a row so far. (The engine
 *  resets that count after a run of 30 s or more; the mock's runs are never that long.) */
export function decideRestart(policy: RestartPolicy, succeeded: boolean, previous: number): RestartDecision {
  if (!RESTARTS[policy](succeeded)) return { kind: "stay" };
  if (previous >= MAX_RESTARTS) return { kind: "give_up" };
  return { kind: "restart", attempt: previous + 1, delayMs: Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** previous) };
}

/** How a command line ends by itself, when the mock can tell: `true` and `:` exit 0, `false` 1,
 *  `exit N` N, `echo …` 0; a compound line (`;`, `&`, `|`) or any other command keeps running
 *  (`null`), like a server. */
export function shellExit(command: string): number | null {
  const line = command.trim();
  if (/[;&|]/.test(line)) return null;
  if (line === "true" || line === ":" || /^echo(\s|$)/.test(line)) return 0;
  if (line === "false") return 1;
  const exit = /^exit(?:\s+(\d+))?$/.exec(line);
  return exit ? Number(exit[1] ?? 0) % 256 : null;
}

/** The code a run of `name` exits with by itself, or `null` when it keeps running. */
export function exitCodeOf(engine: MockEngine, name: string): number | null {
  const { exits } = engine;
  return exits.has(name) ? (exits.get(name) ?? null) : shellExit(engine.service(name).spec.command);
}

/** Whether run `generation` of `name` is still the service's run, in `state`. */
function current(engine: MockEngine, name: string, generation: number, state: "ready" | "starting"): boolean {
  return engine.generations.get(name) === generation && engine.services.get(name)?.status.state === state;
}

/** Ends the ready run `generation` of `name` with `code` after it did its work, then restarts it,
 *  or leaves it `completed` or `failed`, as the engine does. Nothing when the run was stopped or
 *  replaced meanwhile. */
export async function endRun(engine: MockEngine, name: string, generation: number, code: number): Promise<void> {
  await engine.pause();
  if (!current(engine, name, generation, "ready")) return;
  const { spec, status } = engine.service(name);
  const succeeded = code === 0;
  if (succeeded) print(engine, name, `${name}: done`);
  else print(engine, name, `${name}: error, exiting with code ${code}`, "stderr");
  const lastExit: ExitInfo = { code, signal: null, at_ms: engine.now() };
  const exit = `exited with code ${code}`;
  const words = succeeded ? null : lastWords(engine, name);
  const reason = words ? `${exit} (last output: ${words})` : exit;
  const decision = decideRestart(spec.restart, succeeded, status.restarts);
  switch (decision.kind) {
    case "stay":
      if (succeeded) engine.setState(name, "completed", null, { last_exit: lastExit });
      else engine.setState(name, "failed", reason, { last_exit: lastExit });
      return;
    case "give_up":
      engine.setState(name, "failed", `${reason}; gave up after ${MAX_RESTARTS} restarts`, { last_exit: lastExit });
      return;
    case "restart": {
      // Backing off: `starting` with no process, the reason saying when the restart is due.
      const due = lastExit.at_ms + decision.delayMs;
      engine.setState(name, "starting", `${reason}; restart ${decision.attempt} due at ${due} (unix ms)`, {
        pid: null, since_ms: null, restarts: decision.attempt, last_exit: lastExit,
      });
      await engine.pause();
      // Stopped during the back-off, or started anew: this restart is off.
      if (!current(engine, name, generation, "starting") || engine.service(name).status.pid !== null) return;
      // A refused spawn (its port held) leaves the service failed, as the engine does.
      await engine.spawn(name, decision.attempt).catch(() => undefined);
    }
  }
}
