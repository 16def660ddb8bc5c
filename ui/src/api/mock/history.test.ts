import { describe, expect, it } from "vitest";
import { BridgeApi } from "../bridge";
import type { ExecutionReport } from "../types/ExecutionReport";
import type { Request } from "../types/Request";
import { MockApi } from "./mockApi";
import { seedDemo } from "./seed";

/** The demo stack (api needs db and cache, web needs api) with no delay. */
function demo() {
  const api = new MockApi();
  seedDemo(api.engine);
  return api;
}

const ids = (reports: ExecutionReport[]) => reports.map((r) => r.id);

describe("history in the mock engine", () => {
  it("answers the chain starts that included a service, newest first", async () => {
    const api = demo();
    const first = await api.startChain({ roots: ["api"], strategy: null, max_concurrent: null });
    const second = await api.startChain({ roots: ["cache"], strategy: "sequential", max_concurrent: null });
    const third = await api.startChain({ roots: ["web"], strategy: null, max_concurrent: null });
    expect(ids([first, second, third])).toEqual([1, 2, 3]);
    expect(ids(await api.history("cache", null))).toEqual([3, 2, 1]);
    expect(ids(await api.history("db", null))).toEqual([3, 1]);
    expect(ids(await api.history("web", null))).toEqual([3]);
    expect(await api.history("api", null)).toEqual([third, first]);
    expect((await api.history("cache", null))[1]).toMatchObject({ strategy: "sequential", roots: ["cache"] });
  });

  it("honours the limit, and the engine's default of 10 without one", async () => {
    const api = demo();
    for (let i = 0; i < 12; i++) await api.startChain({ roots: ["cache"], strategy: null, max_concurrent: null });
    expect(ids(await api.history("cache", 3))).toEqual([12, 11, 10]);
    expect(await api.history("cache", 0)).toEqual([]);
    expect(ids(await api.history("cache", null))).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(await api.history("db", null)).toEqual([]);
  });

  it("keeps failed chain starts, with what failed and what was skipped", async () => {
    const api = demo();
    api.engine.failing.set("db", "exited with code 3");
    await api.startChain({ roots: ["web"], strategy: null, max_concurrent: null });
    const [report] = await api.history("web", null);
    expect(report!.status).toBe("failed");
    expect(report!.services.find((s) => s.name === "web")).toMatchObject({ state: "skipped", spawned_ms: null });
    expect(report!.services.find((s) => s.name === "db")).toMatchObject({ state: "failed", reason: "exited with code 3" });
  });

  it("has the report when ExecutionFinished announces it", async () => {
    const api = demo();
    const read: Promise<ExecutionReport[]>[] = [];
    const stop = api.subscribe((event) => {
      if (event.type === "ExecutionFinished") read.push(api.history("api", 1));
    });
    await api.startChain({ roots: ["api"], strategy: null, max_concurrent: null });
    stop();
    expect(read).toHaveLength(1);
    expect(ids(await read[0]!)).toEqual([1]);
  });

  it("refuses a service it does not know", async () => {
    await expect(demo().history("nope", null)).rejects.toMatchObject({ code: "unknown_service" });
  });
});

it("BridgeApi sends `history` with the name and limit and expects `history`", async () => {
  const sent: Request[] = [];
  const reports: ExecutionReport[] = [];
  const api = new BridgeApi(async (request) => {
    sent.push(request);
    return { type: "history", data: reports };
  }, () => () => {});
  await expect(api.history("api", 20)).resolves.toBe(reports);
  await api.history("db", null);
  expect(sent).toEqual([
    { type: "history", data: { name: "api", limit: 20 } },
    { type: "history", data: { name: "db", limit: null } },
  ]);
  const wrong = new BridgeApi(async () => ({ type: "done" }), () => () => {});
  await expect(wrong.history("api", null)).rejects.toMatchObject({ code: "internal" });
});
