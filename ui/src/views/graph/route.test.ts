import { describe, expect, it } from "vitest";
import { routeLabel, routeOf, routePath } from "./route";

// What elk's orthogonal router answered for `db -> api` in the demo: out of db's east side, a jog
// down next to db, then across the gap between the layers into api's west side.
const DB_API = {
  id: "db->api_s0",
  startPoint: { x: 172, y: 49.33333333333333 },
  bendPoints: [{ x: 182, y: 49.33333333333333 }, { x: 182, y: 109.33333333333334 }],
  endPoint: { x: 322, y: 109.33333333333334 },
};

describe("an elk route", () => {
  it("is the section's start point, bend points and end point, in order", () => {
    expect(routeOf([DB_API])).toEqual([
      { x: 172, y: 49.33333333333333 }, { x: 182, y: 49.33333333333333 },
      { x: 182, y: 109.33333333333334 }, { x: 322, y: 109.33333333333334 },
    ]);
  });

  it("joins sections without repeating the point where one ends and the next starts", () => {
    const first = { id: "a", startPoint: { x: 0, y: 0 }, endPoint: { x: 10, y: 0 } };
    const second = { id: "b", startPoint: { x: 10, y: 0 }, bendPoints: [{ x: 10, y: 20 }], endPoint: { x: 30, y: 20 } };
    expect(routeOf([first, second])).toEqual([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 20 }, { x: 30, y: 20 }]);
  });

  it("is missing when elk gave no section", () => {
    expect(routeOf(undefined)).toBeUndefined();
    expect(routeOf([])).toBeUndefined();
  });

  it("draws as an SVG polyline: M, then L to each next point, two decimals at most", () => {
    expect(routePath(routeOf([DB_API])!)).toBe("M 172 49.33 L 182 49.33 L 182 109.33 L 322 109.33");
    expect(routePath([{ x: 172, y: 128 }, { x: 322, y: 128 }])).toBe("M 172 128 L 322 128");
  });

  it("is labelled in the middle of its run across the gap between the layers", () => {
    // The middle segment is the jog beside db: the label goes on the long horizontal run instead.
    expect(routeLabel(routeOf([DB_API])!)).toEqual({ x: 252, y: 109.33333333333334 });
    // A straight route: its middle.
    expect(routeLabel([{ x: 172, y: 128 }, { x: 322, y: 128 }])).toEqual({ x: 247, y: 128 });
  });

  it("is labelled on the middle one of equally long runs, and on its middle segment with no run", () => {
    // Three horizontal runs of 100 (the edge went round a node): the middle one.
    const around = [
      { x: 0, y: 0 }, { x: 100, y: 0 }, { x: 100, y: 50 }, { x: 200, y: 50 }, { x: 200, y: 0 }, { x: 300, y: 0 },
    ];
    expect(routeLabel(around)).toEqual({ x: 150, y: 50 });
    // Only vertical segments: the middle of the middle one.
    expect(routeLabel([{ x: 5, y: 0 }, { x: 5, y: 40 }, { x: 5, y: 100 }])).toEqual({ x: 5, y: 20 });
    expect(routeLabel([{ x: 5, y: 0 }, { x: 5, y: 40 }, { x: 5, y: 100 }, { x: 5, y: 200 }])).toEqual({ x: 5, y: 70 });
  });
});
