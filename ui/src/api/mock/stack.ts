//! `export` and `apply` in the mock engine: the stack file view of services and their edges.
//! Apply plans first, validating everything (specs, edges, the final graph's cycles) and changing
//! nothing (an import's dry run stops there), then commits: it announces each declared service
//! (`ServiceAdded` or `ServiceUpdated`) and each edge it created, updated or removed
//! (`DependencyAdded`, `DependencyRemoved`), as the engine does.

import type { ApplyReport } from "../types/ApplyReport";
import type { DependencySpec } from "../types/DependencySpec";
import type { EdgeChange } from "../types/EdgeChange";
import type { ServiceSpec } from "../types/ServiceSpec";
import type { SharedPort } from "../types/SharedPort";
import type { Stack } from "../types/Stack";
import type { StackEdge } from "../types/StackEdge";
import type { StackService } from "../types/StackService";
import type { MockEngine } from "./engine";
import { edgeChange, resolveEdge } from "./deps";
import { wouldCloseCycle } from "./graph";
import { fail, healthText, parseHealth, validateSpec } from "./validate";

/** The edges of one stack service, whichever of the two forms `depends_on` takes. */
export function stackEdges(service: StackService): [string, StackEdge][] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps.map((d) => [d, {}]) : Object.entries(deps);
}

/** A condition as the engine writes it in a stack: `started`, `healthy`, `completed`, `log`. */
const CLI_CONDITION = { started: "started", healthy: "healthy", completed_successfully: "completed", log_ready: "log" } as const;

function stackEdge(e: DependencySpec): StackEdge {
  return {
    condition: e.condition && CLI_CONDITION[e.condition], optional: !e.required, timeout: e.timeout_secs,
    tunnel: e.tunnel_mode === "none" ? null : e.tunnel_mode, health_path: e.health_path,
    env_alias: e.env_alias, keep_running_on_new_url: !e.restart_on_new_url,
  };
}

export function exportStack(engine: MockEngine): Stack {
  const services: Stack["services"] = {};
  for (const { spec } of engine.services.values()) {
    const deps = engine.edges.filter((e) => e.service === spec.name).map((e) => [e.depends_on, stackEdge(e)]);
    services[spec.name] = {
      command: spec.command, cwd: spec.cwd, port: spec.port, env: spec.env,
      health: spec.health ? healthText(spec.health) : null, restart: spec.restart,
      startup_timeout: spec.startup_timeout_secs, stop_grace: spec.stop_grace_secs,
      depends_on: Object.fromEntries(deps),
    };
  }
  return { services };
}

function specFrom(name: string, s: StackService): ServiceSpec {
  return {
    name, command: s.command ?? "", cwd: s.cwd ?? null, port: s.port ?? null, env: s.env ?? {},
    health: s.health ? parseHealth(s.health) : null, restart: s.restart ?? "no",
    startup_timeout_secs: s.startup_timeout ?? 30, stop_grace_secs: s.stop_grace ?? 10,
  };
}

function edgeFrom(service: string, dependsOn: string, o: StackEdge): DependencySpec {
  const condition = o.condition === "completed" ? "completed_successfully" : o.condition === "log" ? "log_ready" : o.condition;
  return {
    service, depends_on: dependsOn, condition: (condition ?? null) as DependencySpec["condition"],
    required: !o.optional, tunnel_mode: (o.tunnel ?? "none") as DependencySpec["tunnel_mode"],
    timeout_secs: o.timeout ?? null, health_path: o.health_path ?? null, env_alias: o.env_alias ?? null,
    restart_on_new_url: !o.keep_running_on_new_url,
  };
}

/** What apply does to each edge of the declared services, in the engine's order: per service, its
 *  declared edges (created, updated, unchanged), then its old edges it no longer declares (removed). */
function edgeChanges(existing: DependencySpec[], declared: DependencySpec[], services: string[]): EdgeChange[] {
  return services.flatMap((service) => {
    const mine = declared.filter((e) => e.service === service);
    const kept = mine.map((e): EdgeChange => {
      const old = existing.find((o) => o.service === service && o.depends_on === e.depends_on);
      return { service, depends_on: e.depends_on, change: edgeChange(old, e) };
    });
    const removed = existing
      .filter((o) => o.service === service && !mine.some((e) => e.depends_on === o.depends_on))
      .map((o): EdgeChange => ({ service, depends_on: o.depends_on, change: "removed" }));
    return [...kept, ...removed];
  });
}

/** The events of apply's edge changes; unchanged edges send none. */
function announceEdges(engine: MockEngine, changes: EdgeChange[], declared: DependencySpec[]): void {
  for (const c of changes) {
    if (c.change === "removed") {
      engine.emit({ type: "DependencyRemoved", data: { service: c.service, depends_on: c.depends_on } });
    } else if (c.change !== "unchanged") {
      const edge = declared.find((e) => e.service === c.service && e.depends_on === c.depends_on);
      if (edge) engine.emit({ type: "DependencyAdded", data: { edge, change: c.change } });
    }
  }
}

/** The ports of the declared `specs` that two or more of the final specs (the services once the
 *  stack is applied) declare, as the engine reports them: sorted by port, names sorted. */
function sharedPorts(finalSpecs: Iterable<ServiceSpec>, specs: ServiceSpec[]): SharedPort[] {
  const byPort = new Map<number, string[]>();
  for (const s of finalSpecs) {
    if (s.port !== null) byPort.set(s.port, [...(byPort.get(s.port) ?? []), s.name]);
  }
  return [...byPort]
    .filter(([port, names]) => names.length > 1 && specs.some((s) => s.port === port))
    .sort(([a], [b]) => a - b)
    .map(([port, names]) => ({ port, services: names.sort() }));
}

/** What apply would do: its report, and the specs, edges and final graph to commit. Validates
 *  everything and changes nothing, so an import's dry run is this alone. */
export interface StackPlan {
  report: ApplyReport;
  specs: ServiceSpec[];
  declared: DependencySpec[];
  final: DependencySpec[];
}

export function planStack(engine: MockEngine, stack: Stack): StackPlan {
  const specs = Object.entries(stack.services).map(([name, s]) => specFrom(name, s));
  specs.forEach(validateSpec);
  // Resolve edges against a scratch engine view holding the final specs, then check the final graph.
  const finalSpecs = new Map([...engine.services].map(([n, s]) => [n, s.spec]));
  specs.forEach((s) => finalSpecs.set(s.name, s));
  const scratch = { service: (n: string) => ({ spec: finalSpecs.get(n) ?? fail("unknown_service", `no service named \`${n}\``) }) };
  const declared = Object.entries(stack.services).flatMap(([name, s]) =>
    stackEdges(s).map(([dep, o]) => resolveEdge(scratch as unknown as MockEngine, edgeFrom(name, dep, o))),
  );
  const kept = engine.edges.filter((e) => !(e.service in stack.services));
  const final: DependencySpec[] = [];
  for (const edge of [...kept, ...declared]) {
    const cycle = wouldCloseCycle(final, edge.service, edge.depends_on);
    if (cycle) fail("dependency_cycle", `dependency cycle: ${cycle.join(" -> ")}`);
    final.push(edge);
  }
  const report: ApplyReport = {
    services: specs.map((s) => {
      const old = engine.services.get(s.name);
      const change = !old ? "created" : JSON.stringify(old.spec) === JSON.stringify(s) ? "unchanged" : "updated";
      return { name: s.name, change };
    }),
    dependencies: edgeChanges(engine.edges, declared, specs.map((s) => s.name)),
    shared_ports: sharedPorts(finalSpecs.values(), specs),
  };
  return { report, specs, declared, final };
}

/** Makes a plan so, with its events; answers its report. */
export function commitStack(engine: MockEngine, { report, specs, declared, final }: StackPlan): ApplyReport {
  engine.edges = final;
  for (const spec of specs) {
    const old = engine.services.get(spec.name);
    if (old) {
      // A running service keeps running; the new spec applies from its next start.
      old.spec = spec;
      old.status = { ...old.status, port: spec.port };
      engine.emit({ type: "ServiceUpdated", data: { spec, status: old.status } });
    } else {
      engine.add(spec);
    }
  }
  announceEdges(engine, report.dependencies, declared);
  return report;
}

export function applyStack(engine: MockEngine, stack: Stack): ApplyReport {
  return commitStack(engine, planStack(engine, stack));
}
