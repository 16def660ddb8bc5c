import { describe, expect, it } from "vitest";
import { chainErrorField, describeLoginChain, withExtras } from "./loginChain";

describe("describeLoginChain", () => {
  it("says what starts at login, with which strategy and bound", () => {
    expect(describeLoginChain(null)).toBe("At login, nexsock starts nothing.");
    expect(describeLoginChain({ roots: ["db"], strategy: null, max_concurrent: null }))
      .toBe("At login, nexsock starts db with the default strategy.");
    expect(describeLoginChain({ roots: ["api", "web"], strategy: "sequential", max_concurrent: 3 }))
      .toBe("At login, nexsock starts api, web with the sequential strategy, at most 3 at once.");
  });
});

describe("withExtras", () => {
  it("keeps the known names in order, then adds the others once", () => {
    expect(withExtras(["db", "api"], ["web", "db"], ["web", "gone"])).toEqual(["db", "api", "web", "gone"]);
    expect(withExtras([], [])).toEqual([]);
  });
});

describe("chainErrorField", () => {
  it("puts a refusal at the control it concerns", () => {
    expect(chainErrorField("unknown_strategy")).toBe("strategy");
    expect(chainErrorField("unknown_service")).toBe("services");
    expect(chainErrorField("invalid_argument")).toBe("services");
    expect(chainErrorField("internal")).toBe("form");
    expect(chainErrorField(undefined)).toBe("form");
  });
});
