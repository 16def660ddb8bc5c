import { describe, expect, it } from "vitest";
import { report, timing } from "../../test/reports";
import { tickStep, waterfallLayout, waterfallSummary, type WaterfallSize } from "./waterfall";

// A plot 500 units wide from x = 100: 1 ms of a 1000 ms chain start is half a unit.
const SIZE: WaterfallSize = {
  width: 700, labelWidth: 100, valueWidth: 100, axisHeight: 20, rowHeight: 30, barHeight: 10, minBar: 2,
};

const chain = report(
  12,
  [
    timing("db", 0, 200),
    timing("cache", 0, 100),
    timing("api", 200, 600),
    timing("worker", 300, null, "failed", "exited with code 1"),
    timing("web", null, null, "skipped", "dependency `worker` did not become ready"),
  ],
  { total_ms: 1000, critical_chain: ["db", "api"], status: "failed", error: "worker failed: exited with code 1" },
);

describe("waterfallLayout", () => {
  const layout = waterfallLayout(chain, SIZE);
  const row = (name: string) => layout.rows.find((r) => r.name === name)!;

  it("spans the plot over the execution's total time", () => {
    expect([layout.plotLeft, layout.plotRight, layout.domainMs, layout.endX]).toEqual([100, 600, 1000, 600]);
    expect(layout.height).toBe(20 + 5 * 30);
  });

  it("places a bar from spawn to ready in proportion to the time", () => {
    expect(row("db").run).toEqual({ x: 100, width: 100 });
    expect(row("cache").run).toEqual({ x: 100, width: 50 });
    expect(row("api").run).toEqual({ x: 200, width: 200 });
    expect(row("api").spawnToReadyMs).toBe(400);
    expect(row("api").value).toBe("400 ms · critical");
  });

  it("draws the wait before a spawn apart, from the execution's start", () => {
    expect(row("db").wait).toBeNull();
    expect(row("api").wait).toEqual({ x: 100, width: 100 });
    expect(row("api").waitTitle).toBe("api waited 200 ms before its spawn (for its dependencies or its turn)");
  });

  it("puts the rows in plan order, one under the other", () => {
    expect(layout.rows.map((r) => [r.name, r.y, r.barY])).toEqual([
      ["db", 20, 30], ["cache", 50, 60], ["api", 80, 90], ["worker", 110, 120], ["web", 140, 150],
    ]);
  });

  it("runs a failed service's bar to the end and says why", () => {
    const worker = row("worker");
    expect(worker.run).toEqual({ x: 250, width: 350 });
    expect(worker.spawnToReadyMs).toBeNull();
    expect(worker.value).toBe("failed");
    expect(worker.title).toBe("worker: failed after its spawn at 300 ms — exited with code 1");
  });

  it("outlines a skipped service over the whole execution, with no bar", () => {
    const web = row("web");
    expect([web.run, web.wait]).toEqual([null, null]);
    expect(web.unstarted).toEqual({ x: 100, width: 500 });
    expect(web.value).toBe("skipped");
    expect(web.title).toBe("web: skipped — dependency `worker` did not become ready");
  });

  it("marks the critical chain and nothing else", () => {
    expect(layout.rows.filter((r) => r.critical).map((r) => r.name)).toEqual(["db", "api"]);
    expect(row("db").title).toBe("db: spawned at 0 ms, ready at 200 ms (200 ms spawn to ready); on the critical chain");
  });

  it("labels the axis in round steps", () => {
    expect(layout.ticks.map((t) => [t.ms, t.x, t.label])).toEqual([
      [0, 100, "0 ms"], [200, 200, "200 ms"], [400, 300, "400 ms"], [600, 400, "600 ms"], [800, 500, "800 ms"],
      [1000, 600, "1 s"],
    ]);
  });

  it("still shows a service ready the moment it spawned, and a chain start of 0 ms", () => {
    const instant = waterfallLayout(report(1, [timing("db", 0, 0)], { total_ms: 0 }), SIZE);
    expect(instant.domainMs).toBe(1);
    expect(instant.rows[0]!.run).toEqual({ x: 100, width: 2 });
  });

  it("stretches the scale to a step recorded after the total", () => {
    const late = waterfallLayout(report(1, [timing("db", 0, 2000)], { total_ms: 1000 }), SIZE);
    expect(late.domainMs).toBe(2000);
    expect(late.rows[0]!.run).toEqual({ x: 100, width: 500 });
    expect(late.endX).toBe(350);
  });
});

it.each([[1000, 200], [12, 5], [7300, 2000], [1, 1], [45_000, 10_000]])("steps the axis of %d ms by %d", (ms, step) => {
  expect(tickStep(ms)).toBe(step);
});

it("sums the waterfall up in words", () => {
  expect(waterfallSummary(chain)).toBe(
    "Chain start #12 with concurrent, failed in 1 s: 5 services, 3 ready, 1 failed (worker), 1 skipped (web); " +
      "critical chain db → api",
  );
});

it("tells a repeated chain start's already ready services and completed one-shots apart", () => {
  const again = report(
    13,
    [
      timing("db", null, null, "already_ready"),
      timing("migrate", null, null, "completed", "completed earlier; --rerun migrate runs it again"),
      timing("api", null, null, "already_ready"),
      timing("web", 0, 150),
    ],
    { total_ms: 150, critical_chain: ["web"] },
  );
  expect(waterfallSummary(again)).toBe(
    "Chain start #13 with concurrent, completed in 150 ms: 4 services, 1 ready, 2 already ready, 1 completed; " +
      "critical chain web",
  );
  const rows = waterfallLayout(again, SIZE).rows;
  expect(rows.find((r) => r.name === "migrate")!.title).toBe(
    "migrate: completed earlier, not run again — completed earlier; --rerun migrate runs it again",
  );
  expect(rows.find((r) => r.name === "db")!.title).toBe("db: already ready, nothing started");
});
