import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import type { RestartPolicy } from "../types/RestartPolicy";
import type { ServiceState } from "../types/ServiceState";
import { decideRestart, MAX_RESTARTS, shellExit } from "./exits";
import { MockApi } from "./mockApi";
import { spec } from "./seed";

/** A mock with one service running `command`, recording the states its events carry. */
async function withService(command: string, restart: RestartPolicy = "no", port: number | null = null) {
  const api = new MockApi();
  await api.addService(spec("migrate", port, { command, restart }));
  const states: ServiceState[] = [];
  const events: Event[] = [];
  api.subscribe((e) => {
    events.push(e);
    if (e.type === "ServiceChanged") states.push(e.data.state);
  });
  const status = async () => (await api.listServices()).find((s) => s.name === "migrate")!;
  return { api, states, events, status };
}

describe("a run that ends by itself", () => {
  it("ends completed when its command exits 0 by itself and the policy does not restart it", async () => {
    const { api, states, status } = await withService("echo migrated");
    // The start answers once ready, as the engine does; the exit follows.
    expect(await api.startService("migrate")).toMatchObject({ state: "ready" });
    await api.engine.settled();
    expect(states).toEqual(["starting", "ready", "completed"]);
    expect(await status()).toMatchObject({
      state: "completed", pid: null, since_ms: null, reason: null, restarts: 0,
      last_exit: { code: 0, signal: null },
    });
    expect((await api.logs("migrate", 1))[0]).toMatchObject({ stream: "stdout", text: "migrate: done" });
  });

  it("is stopped once stopped by request, and a start clears completed", async () => {
    const { api, states, status } = await withService("./migrate");
    api.engine.exits.set("migrate", 0);
    await api.startService("migrate");
    await api.engine.settled();
    states.length = 0;
    await api.stopService("migrate", false);
    expect(states).toEqual(["stopped"]);
    // Still how the last run ended; the state alone tells a stop from a completion.
    expect(await status()).toMatchObject({ state: "stopped", last_exit: { code: 0 } });
    await api.startService("migrate");
    expect(states).toEqual(["stopped", "starting", "ready"]);
    await api.engine.settled();
    expect((await status()).state).toBe("completed");
  });

  it("restarts a completed service without passing through stopped", async () => {
    const { api, states } = await withService("true");
    await api.startService("migrate");
    await api.engine.settled();
    states.length = 0;
    await api.restartService("migrate", true);
    await api.engine.settled();
    expect(states).toEqual(["starting", "ready", "completed"]);
  });

  it("is failed, not completed, when it exits with another code", async () => {
    const { api, status } = await withService("exit 3");
    await api.startService("migrate");
    await api.engine.settled();
    expect(await status()).toMatchObject({
      state: "failed", last_exit: { code: 3 },
      reason: "exited with code 3 (last output: migrate: error, exiting with code 3)",
    });
  });

  it("keeps a server running: a command that does not end by itself stays ready until stopped", async () => {
    const { api, states, status } = await withService("exec sleep 1000");
    await api.startService("migrate");
    await api.engine.settled();
    expect((await status()).state).toBe("ready");
    await api.stopService("migrate", false);
    expect(states).toEqual(["starting", "ready", "stopping", "stopped"]);
  });

  it("is not completed when stopped before it exits", async () => {
    const { api, states } = await withService("true");
    await api.startService("migrate");
    await api.stopService("migrate", false);
    await api.engine.settled();
    expect(states).toEqual(["starting", "ready", "stopping", "stopped"]);
  });

  it("restarts an exit 0 under `always`, never completed, and gives up after the limit", async () => {
    const { api, states, status } = await withService("exit 0", "always");
    await api.startService("migrate");
    await api.engine.settled();
    expect(states).not.toContain("completed");
    expect(states.filter((s) => s === "ready")).toHaveLength(MAX_RESTARTS + 1);
    expect(await status()).toMatchObject({
      state: "failed", restarts: MAX_RESTARTS, reason: `exited with code 0; gave up after ${MAX_RESTARTS} restarts`,
    });
  });

  it("shows a back-off as starting with no process and the restart due", async () => {
    const { api, events } = await withService("exit 0", "always");
    await api.startService("migrate");
    await api.engine.settled();
    const backoff = events.find((e) => e.type === "ServiceChanged" && e.data.restarts === 1);
    expect(backoff).toMatchObject({ data: { state: "starting", pid: null, since_ms: null } });
    expect(backoff?.type === "ServiceChanged" && backoff.data.reason).toMatch(/^exited with code 0; restart 1 due at \d+ \(unix ms\)$/);
  });

  it("completes under `on-failure` on exit 0, and restarts a failure until it gives up", async () => {
    const ok = await withService("true", "on-failure");
    await ok.api.startService("migrate");
    await ok.api.engine.settled();
    expect((await ok.status()).state).toBe("completed");
    const bad = await withService("false", "on-failure");
    await bad.api.startService("migrate");
    await bad.api.engine.settled();
    expect(await bad.status()).toMatchObject({ state: "failed", restarts: MAX_RESTARTS });
    expect((await bad.status()).reason).toMatch(/^exited with code 1 \(last output: .+\); gave up after 5 restarts$/);
  });

  it("stops a restart that is due when the service is stopped during its back-off", async () => {
    const { api, states, status } = await withService("exit 0", "always");
    await api.startService("migrate");
    // Stopped as soon as the first exit leaves it backing off.
    await new Promise<void>((resolve) => {
      const off = api.subscribe((e) => {
        if (e.type === "ServiceChanged" && e.data.restarts === 1) {
          off();
          void api.stopService("migrate", false).then(() => resolve());
        }
      });
    });
    await api.engine.settled();
    expect((await status()).state).toBe("stopped");
    expect(states.filter((s) => s === "ready")).toHaveLength(1);
  });

  it("can remove a completed service, whose port is free", async () => {
    const { api } = await withService("true", "no", 7001);
    await api.startService("migrate");
    expect((await api.portStatus(7001)).holder).toMatchObject({ service: "migrate" });
    await api.engine.settled();
    expect((await api.portStatus(7001)).holder).toBeNull();
    await api.removeService("migrate");
    expect(await api.listServices()).toEqual([]);
  });

  it("runs a completed one-shot again in a chain, then it completes again", async () => {
    const { api, status } = await withService("echo migrated");
    await api.startService("migrate");
    await api.engine.settled();
    const report = await api.startChain({ roots: ["migrate"], strategy: null, max_concurrent: null });
    expect(report.services).toEqual([expect.objectContaining({ name: "migrate", state: "ready" })]);
    await api.engine.settled();
    expect((await status()).state).toBe("completed");
  });
});

describe("the mock's restart decision and shell commands", () => {
  it.each<[RestartPolicy, boolean, string]>([
    ["no", true, "stay"], ["no", false, "stay"], ["on-failure", true, "stay"],
    ["on-failure", false, "restart"], ["always", true, "restart"], ["always", false, "restart"],
  ])("%s with succeeded=%s decides %s", (policy, succeeded, kind) => {
    expect(decideRestart(policy, succeeded, 0).kind).toBe(kind);
  });

  it("doubles the back-off and gives up after the limit, like the engine", () => {
    expect([0, 1, 2].map((n) => decideRestart("always", true, n))).toEqual([
      { kind: "restart", attempt: 1, delayMs: 100 },
      { kind: "restart", attempt: 2, delayMs: 200 },
      { kind: "restart", attempt: 3, delayMs: 400 },
    ]);
    expect(decideRestart("always", true, MAX_RESTARTS)).toEqual({ kind: "give_up" });
  });

  it.each<[string, number | null]>([
    ["true", 0], [":", 0], ["echo migrated", 0], ["false", 1], ["exit 3", 3], ["exit", 0],
    ["exec sleep 1000", null], ["./run-db", null], ["echo a; sleep 9", null], ["exec python3 migrate.py", null],
  ])("reads %j as exiting with %s", (command, code) => {
    expect(shellExit(command)).toBe(code);
  });
});
