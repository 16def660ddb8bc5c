import { describe, expect, it } from "vitest";
import { report, timing } from "../../test/reports";
import { formatMs, mergeHistories, trendOf } from "./merge";

describe("mergeHistories", () => {
  it("keeps each execution once, newest (highest id) first", () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((id) => report(id, [timing("db", 0, 10)]));
    const merged = mergeHistories([[c!, a!], [d!, c!, b!], [b!, a!], []]);
    expect(merged.map((r) => r.id)).toEqual([4, 3, 2, 1]);
  });

  it("takes the later copy of an execution read twice", () => {
    const first = report(7, [timing("db", 0, 10)]);
    const again = { ...first, total_ms: 99 };
    expect(mergeHistories([[first], [again]])).toEqual([again]);
  });
});

describe("trendOf", () => {
  const runs = [
    report(5, [timing("db", 0, 40), timing("api", 40, 100)]),
    report(4, [timing("db", 0, 60)]),
    report(3, [timing("db", null, null, "failed", "exited with code 1"), timing("api", null, null, "skipped", "db failed")]),
    report(2, [timing("api", 10, 30)]),
  ];

  it("has one point per run that included the service, oldest first", () => {
    expect(trendOf(runs, "db").map((p) => [p.executionId, p.spawnToReadyMs, p.state])).toEqual([
      [3, null, "failed"], [4, 60, "ready"], [5, 40, "ready"],
    ]);
    expect(trendOf(runs, "api").map((p) => [p.executionId, p.spawnToReadyMs])).toEqual([[2, 20], [3, null], [5, 60]]);
    expect(trendOf(runs, "web")).toEqual([]);
  });

  it("keeps the newest runs when there are more than the limit", () => {
    expect(trendOf(runs, "db", 2).map((p) => p.executionId)).toEqual([4, 5]);
  });

  it("keeps why a run did not get ready", () => {
    expect(trendOf(runs, "api")[1]).toMatchObject({ state: "skipped", reason: "db failed" });
  });
});

it.each([[0, "0 ms"], [850, "850 ms"], [1250, "1.25 s"], [2000, "2 s"], [12_540, "12.5 s"]])(
  "writes %d ms as %s",
  (ms, text) => expect(formatMs(ms)).toBe(text),
);
