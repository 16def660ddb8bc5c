//! Service output in the mock engine: fake services "print" a few lines as they start and stop,
//! each kept per service and broadcast as a `Log` event; `logs` answers with the last lines.

import type { LogLine } from "../types/LogLine";
import type { Response } from "../types/Response";
import type { Stream } from "../types/Stream";
import type { MockEngine } from "./engine";

/** Lines kept per service; older ones are dropped, like a rotated log file. */
export const MAX_KEPT_LINES = 10_000;

/** Appends one line to the service's log and broadcasts it. */
export function print(engine: MockEngine, service: string, text: string, stream: Stream = "stdout"): void {
  const line: LogLine = { stream, text, at_ms: engine.now() };
  const lines = engine.logs.get(service) ?? [];
  lines.push(line);
  if (lines.length > MAX_KEPT_LINES) lines.splice(0, lines.length - MAX_KEPT_LINES);
  engine.logs.set(service, lines);
  engine.emit({ type: "Log", data: { service, line } });
}

/** What a fake service prints when its process is spawned. */
export function printSpawned(engine: MockEngine, service: string): void {
  const { spec, status } = engine.service(service);
  print(engine, service, `$ ${spec.command}`);
  print(engine, service, `${service} starting (pid ${status.pid ?? "?"})`);
}

/** What it prints once it is up, or why it failed (on stderr). */
export function printOutcome(engine: MockEngine, service: string, failure: string | undefined): void {
  if (failure) return print(engine, service, `error: ${failure}`, "stderr");
  const port = engine.service(service).spec.port;
  print(engine, service, port === null ? "ready" : `listening on :${port}`);
}

/** The service's last words, as the engine names them in a failure: its last non-empty stderr line
 *  among its last 100, else its last non-empty line there; `null` when it printed nothing. */
export function lastWords(engine: MockEngine, service: string): string | null {
  const recent = (engine.logs.get(service) ?? [])
    .slice(-100)
    .filter((l) => l.stream !== "marker" && l.text.trim() !== "")
    .reverse();
  const line = recent.find((l) => l.stream === "stderr") ?? recent[0];
  return line ? line.text.trim() : null;
}

/** `logs`: the last `tail` lines (all when `null`); an unknown service is `unknown_service`. */
export function readLogs(engine: MockEngine, name: string, tail: number | null): Response {
  engine.service(name);
  const lines = engine.logs.get(name) ?? [];
  return { type: "logs", data: tail === null ? [...lines] : lines.slice(Math.max(0, lines.length - tail)) };
}
