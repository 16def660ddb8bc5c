import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/types/Condition";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceState } from "../../api/types/ServiceState";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import { conditionMet, healthCell, healthMatrix } from "./matrix";

const edge = (service: string, depends_on: string, condition: Condition, required = true): DependencySpec => ({
  service, depends_on, condition, required, tunnel_mode: "none",
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
});

const status = (name: string, state: ServiceState, exitCode?: number | null): ServiceStatus => ({
  name, state, pid: null, port: null, since_ms: null, reason: null, restarts: 0, tunnel_profile: null, restart_to_apply: false, log_write_failures: 0, last_log_error: null,
  last_exit: exitCode === undefined ? null : { code: exitCode, signal: exitCode === null ? 15 : null, at_ms: 1 },
});

describe("conditionMet", () => {
  it.each<[Condition, ServiceState, boolean]>([
    ["started", "stopped", false], ["started", "starting", true], ["started", "ready", true],
    ["started", "stopping", false], ["started", "failed", false],
    ["healthy", "starting", false], ["healthy", "ready", true], ["healthy", "failed", false],
    ["log_ready", "starting", false], ["log_ready", "ready", true],
    ["completed_successfully", "ready", false], ["completed_successfully", "stopped", false],
    ["completed_successfully", "completed", true], ["completed_successfully", "failed", false],
    ["started", "completed", true], ["healthy", "completed", true], ["log_ready", "completed", true],
  ])("%s with the dependency %s is %s", (condition, state, met) => {
    expect(conditionMet(condition, status("db", state))).toBe(met);
  });

  it("counts `completed_successfully` only once completed, not when stopped after exit code 0", () => {
    expect(conditionMet("completed_successfully", status("m", "completed", 0))).toBe(true);
    // Stopped by request (or never run): not a completion, whatever the last exit code.
    expect(conditionMet("completed_successfully", status("m", "stopped", 0))).toBe(false);
    expect(conditionMet("completed_successfully", status("m", "stopped", 1))).toBe(false);
    expect(conditionMet("completed_successfully", status("m", "stopped", null))).toBe(false);
    expect(conditionMet("completed_successfully", status("m", "failed", 0))).toBe(false);
  });
});

describe("healthCell", () => {
  it.each<[Condition, ServiceStatus, string, string]>([
    ["healthy", status("db", "ready"), "ready ✓", "ok"],
    ["healthy", status("db", "starting"), "starting – waiting for healthy", "waiting"],
    ["started", status("db", "starting"), "starting ✓", "ok"],
    ["started", status("db", "stopped"), "stopped – waiting for started", "idle"],
    ["log_ready", status("db", "stopping"), "stopping – waiting for log ready", "waiting"],
    ["healthy", status("db", "failed"), "failed ✗", "failed"],
    ["completed_successfully", status("m", "completed", 0), "completed ✓", "done"],
    ["started", status("m", "completed", 0), "completed ✓", "done"],
    ["completed_successfully", status("m", "stopped", 0), "stopped – waiting for completed", "idle"],
    ["completed_successfully", status("m", "stopped"), "stopped – waiting for completed", "idle"],
    ["completed_successfully", status("m", "stopped", 2), "stopped ✗ exit 2", "failed"],
    ["completed_successfully", status("m", "stopped", null), "stopped ✗ signal 15", "failed"],
    ["completed_successfully", status("m", "ready"), "ready – waiting for completed", "waiting"],
  ])("says what %s with %o means", (condition, live, text, tone) => {
    expect(healthCell(edge("api", live.name, condition), live)).toMatchObject({ text, tone });
  });

  it("says a completed dependency is satisfied and done, apart from stopped and failed", () => {
    const completed = healthCell(edge("api", "m", "completed_successfully"), status("m", "completed", 0));
    expect(completed).toEqual({
      state: "completed", condition: "completed_successfully", satisfied: true, optional: false,
      text: "completed ✓", tone: "done",
    });
    const stopped = healthCell(edge("api", "m", "completed_successfully"), status("m", "stopped", 0));
    const failed = healthCell(edge("api", "m", "completed_successfully"), status("m", "failed", 1));
    expect([stopped.tone, failed.tone]).toEqual(["idle", "failed"]);
    expect([stopped.satisfied, failed.satisfied]).toEqual([false, false]);
  });

  it("marks optional edges and counts a service without a status as stopped", () => {
    expect(healthCell(edge("api", "db", "started", false))).toMatchObject({
      state: "stopped", satisfied: false, optional: true, text: "stopped – waiting for started",
    });
  });
});

describe("healthMatrix", () => {
  it("has every service as a row, every dependency as a column, and cells only for edges", () => {
    const edges = [edge("web", "api", "healthy"), edge("api", "db", "healthy"), edge("api", "cache", "started", false)];
    const m = healthMatrix(["web", "api", "db", "cache"], edges, [status("db", "ready"), status("api", "starting")]);
    expect(m.rows).toEqual(["api", "cache", "db", "web"]);
    expect(m.columns).toEqual(["api", "cache", "db"]);
    expect(m.cell("api", "db")?.text).toBe("ready ✓");
    expect(m.cell("web", "api")?.text).toBe("starting – waiting for healthy");
    expect(m.cell("api", "cache")).toMatchObject({ text: "stopped – waiting for started", optional: true });
    expect(m.cell("web", "db")).toBeUndefined();
    expect(m.cell("db", "api")).toBeUndefined();
  });
});
