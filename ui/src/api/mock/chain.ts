//! `start_chain` in the mock engine: the roots and everything they need, in batches shaped by the
//! strategy, with `Execution` progress events and a report naming the critical chain, kept for
//! `history` before `ExecutionFinished` announces it.

import type { ChainRequest } from "../types/ChainRequest";
import type { ExecutionReport } from "../types/ExecutionReport";
import type { ServiceTiming } from "../types/ServiceTiming";
import type { MockEngine } from "./engine";
import { chainOrder, levels } from "./graph";
import { recordExecution } from "./history";
import { unknownStrategy } from "./settings";
import { fail } from "./validate";


/** Which services start together: one at a time, or level by level bounded by `max`. */
function batches(strategy: string, order: string[], depth: Map<string, number>, max: number | null): string[][] {
  if (strategy === "sequential") return order.map((name) => [name]);
  const out: string[][] = [];
  const top = Math.max(0, ...depth.values());
  for (let level = 0; level <= top; level++) {
    const names = order.filter((n) => depth.get(n) === level);
    const size = max && max > 0 ? max : names.length;
    for (let i = 0; i < names.length; i += size) out.push(names.slice(i, i + size));
  }
  return out;
}

/** Runs the chain and resolves with its report. */
export async function startChain(engine: MockEngine, request: ChainRequest): Promise<ExecutionReport> {
  const strategy = request.strategy ?? engine.defaultStrategy;
  if (!engine.strategies.includes(strategy)) unknownStrategy(engine, strategy);
  if (request.roots.length === 0) fail("invalid_argument", "name at least one service to start");
  if (request.max_concurrent === 0) fail("invalid_argument", "max concurrency must be at least 1");
  request.roots.forEach((name) => engine.service(name));
  const order = chainOrder(engine.edges, request.roots);
  const id = ++engine.executions;
  const startedAt = engine.now();
  const timings = new Map<string, ServiceTiming>(
    order.map((name) => [name, { name, state: "waiting", spawned_ms: null, ready_ms: null, reason: null }]),
  );
  // The order services became ready in: milliseconds tie on a fast machine, this never does.
  const readyOrder = new Map<string, number>();
  const update = (name: string, change: Partial<ServiceTiming>) => {
    if (change.state === "ready") readyOrder.set(name, readyOrder.size);
    const timing = { ...timings.get(name)!, ...change };
    timings.set(name, timing);
    engine.emit({ type: "Execution", data: { execution_id: id, total: order.length, service: timing } });
  };
  for (const batch of batches(strategy, order, levels(engine.edges, order), request.max_concurrent)) {
    await Promise.all(batch.map(async (name) => {
      const failedDep = engine.edges.find(
        (e) => e.service === name && e.required && ["failed", "skipped"].includes(timings.get(e.depends_on)?.state ?? ""),
      );
      if (failedDep) {
        update(name, { state: "skipped", reason: `dependency \`${failedDep.depends_on}\` did not become ready` });
        return;
      }
      update(name, { state: "starting", spawned_ms: engine.now() - startedAt });
      // A refused start (its port held: `port_in_use`) fails the step with the service's reason.
      const status = await engine.start(name).catch(() => engine.service(name).status);
      if (status.state === "ready") update(name, { state: "ready", ready_ms: engine.now() - startedAt });
      else update(name, { state: "failed", reason: status.reason });
    }));
  }
  const services = order.map((name) => timings.get(name)!);
  const failed = services.find((t) => t.state === "failed");
  const report: ExecutionReport = {
    id,
    status: failed ? "failed" : "completed",
    strategy,
    roots: request.roots,
    started_at_ms: startedAt,
    total_ms: engine.now() - startedAt,
    services,
    critical_chain: criticalChain(engine, readyOrder),
    error: failed ? `service \`${failed.name}\` failed to start: ${failed.reason ?? "unknown reason"}` : null,
    options: {},
  };
  recordExecution(engine, report);
  engine.emit({ type: "ExecutionFinished", data: report });
  return report;
}

/** From the last service to become ready, back through the dependency that was ready last. */
function criticalChain(engine: MockEngine, readyOrder: Map<string, number>): string[] {
  const rank = (name: string) => readyOrder.get(name) ?? -1;
  const chain: string[] = [];
  let current: string | undefined = [...readyOrder.keys()].sort((a, b) => rank(b) - rank(a))[0];
  while (current !== undefined) {
    chain.unshift(current);
    const deps = engine.edges.filter((e) => e.service === current).map((e) => e.depends_on);
    current = deps.sort((a, b) => rank(b) - rank(a)).find((d) => rank(d) >= 0);
  }
  return chain;
}
