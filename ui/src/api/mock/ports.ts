//! Held ports in the mock engine, like the engine's: a running service holds its own port, and
//! `portHolders` models the other listeners a test (or the demo) seeds: a foreign process, or an
//! orphan of an earlier run (`orphan_of`). A service never starts while something else holds its
//! port (`port_in_use`, the holder named; the service is failed with that reason); `free_port`
//! stops a holding service, removes an orphan, and a foreign process only with `kill_foreign`.

import type { PortHolder } from "../types/PortHolder";
import type { PortStatus } from "../types/PortStatus";
import { describeHolder, isOurs } from "../ports";
import type { MockEngine } from "./engine";
import { fail, validatePort } from "./validate";

/** A process listening on a port that is no running service: foreign, or an orphan of an earlier
 *  run of `orphan_of`. `pid` `null` is a process nexsock cannot see (another user's). */
export interface SeededHolder {
  pid: number | null;
  command: string | null;
  orphan_of?: string | null;
}

/** Who listens on `port`: a running (starting, ready, stopping) service that declares it, else a
 *  seeded holder; `null` when it is free. */
export function portHolder(engine: MockEngine, port: number): PortHolder | null {
  for (const { spec, status } of engine.services.values()) {
    const up = status.state === "starting" || status.state === "ready" || status.state === "stopping";
    if (up && spec.port === port) return { pid: status.pid, command: spec.command, service: spec.name, orphan_of: null };
  }
  const seeded = engine.portHolders.get(port);
  if (!seeded) return null;
  return { pid: seeded.pid, command: seeded.command, service: null, orphan_of: seeded.orphan_of ?? null };
}

/** `port_status`. */
export function portStatus(engine: MockEngine, port: number): PortStatus {
  validatePort(port);
  const declaredBy = [...engine.services.values()].filter((s) => s.spec.port === port).map((s) => s.spec.name);
  return { port, holder: portHolder(engine, port), declared_by: declaredBy };
}

/** The engine's `port_in_use` message: the holder, and the CLI line that frees the port. */
export function portInUseMessage(name: string, port: number, holder: PortHolder): string {
  const hint = isOurs(holder)
    ? `; \`nexsock service start ${name} --free-port\` stops it first`
    : holder.pid !== null ? `; \`nexsock service start ${name} --free-port --kill-holder\` ends it first` : "";
  return `port ${port} of \`${name}\` is held by ${describeHolder(holder)}${hint}`;
}

/** Who keeps `name` from starting: the holder of its port, unless that is `name` itself. */
export function blockingHolder(engine: MockEngine, name: string): { port: number; holder: PortHolder } | null {
  const port = engine.service(name).spec.port;
  if (port === null) return null;
  const holder = portHolder(engine, port);
  return holder && holder.service !== name ? { port, holder } : null;
}

/** `free_port`: once the port of `name` is free, its status with the holder that was stopped
 *  (`null` when it was free; the service itself when it holds its own port, as nothing is done). */
export async function freePort(engine: MockEngine, name: string, killForeign: boolean): Promise<PortStatus> {
  const port = engine.service(name).spec.port;
  if (port === null) fail("invalid_argument", `\`${name}\` declares no port`);
  const status = portStatus(engine, port);
  const holder = status.holder;
  if (holder === null || holder.service === name) return status;
  if (holder.service !== null) {
    await engine.stop(holder.service, false);
  } else if (holder.pid !== null && (holder.orphan_of !== null || killForeign)) {
    await engine.pause();
    engine.portHolders.delete(port);
  } else {
    fail("port_in_use", portInUseMessage(name, port, holder));
  }
  // Answered once the port is free; a process still (or newly) listening is named instead.
  const after = portHolder(engine, port);
  if (after !== null) fail("port_in_use", portInUseMessage(name, port, after));
  return { ...status, holder };
}
