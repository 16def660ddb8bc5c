import { act, render, renderHook, waitFor } from "@testing-library/react";
import { Position, ReactFlow, type Node } from "@xyflow/react";
import type { ReactNode } from "react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiProvider } from "../../ApiContext";
import { demoApi } from "../../test/render";
import { NODE_HEIGHT, NODE_WIDTH } from "./layout";
import { dependencyEdge, type DependencyEdgeType } from "./model";
import { RoutedEdge } from "./RoutedEdge";
import { routePath } from "./route";
import { useGraph } from "./useGraph";

// jsdom measures no SVG text: give each label a size, as a browser would.
const realBBox = (SVGElement.prototype as { getBBox?: unknown }).getBBox;
beforeAll(() => {
  (SVGElement.prototype as unknown as { getBBox: () => DOMRect }).getBBox = () =>
    ({ x: 0, y: 0, width: 40, height: 12 }) as DOMRect;
});
afterAll(() => {
  (SVGElement.prototype as { getBBox?: unknown }).getBBox = realBBox;
});

/** A node React Flow can draw edges to without measuring it (jsdom lays nothing out). */
function sized(id: string, x: number, y: number): Node {
  return {
    id, position: { x, y }, data: { label: id }, width: NODE_WIDTH, height: NODE_HEIGHT,
    handles: [
      { type: "target", position: Position.Left, x: 0, y: NODE_HEIGHT / 2 },
      { type: "source", position: Position.Right, x: NODE_WIDTH, y: NODE_HEIGHT / 2 },
    ],
  };
}

const spec = (service: string, dependsOn: string, required = true) => ({
  service, depends_on: dependsOn, condition: "healthy" as const, required, tunnel_mode: "none" as const,
  timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
});

function renderEdges(edges: DependencyEdgeType[]) {
  const nodes = [sized("db", 12, 12), sized("cache", 12, 100), sized("api", 322, 90)];
  return render(
    <div style={{ width: 800, height: 400 }}>
      <ReactFlow nodes={nodes} edges={edges} edgeTypes={{ routed: RoutedEdge }} />
    </div>,
  );
}

const ROUTE = [{ x: 172, y: 49.33 }, { x: 182, y: 49.33 }, { x: 182, y: 109.33 }, { x: 322, y: 109.33 }];

describe("a routed edge", () => {
  it("draws elk's route, with its label on the run between the layers", async () => {
    const edge = dependencyEdge(spec("api", "db"));
    const { container } = renderEdges([{ ...edge, data: { ...edge.data!, route: ROUTE } }]);
    const path = await waitFor(() => {
      const found = container.querySelector<SVGPathElement>(".react-flow__edge path.react-flow__edge-path");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(path.getAttribute("d")).toBe(routePath(ROUTE));
    expect(path.getAttribute("d")).toBe("M 172 49.33 L 182 49.33 L 182 109.33 L 322 109.33");
    expect(path.getAttribute("data-route")).toBe("elk");
    expect(path.getAttribute("marker-end")).toMatch(/^url\(/);
    // The label, centred on (252, 109.33): React Flow shifts it by half its measured size.
    const label = container.querySelector(".react-flow__edge .react-flow__edge-textwrapper")!;
    expect(label.textContent).toBe("healthy");
    await waitFor(() => expect(label.getAttribute("transform")).toBe("translate(232 103.33)"));
    // The edge keeps what the editor relies on: its accessible name and its class.
    const wrapper = container.querySelector(".react-flow__edge")!;
    expect(wrapper.getAttribute("aria-label")).toBe("api depends on db: healthy");
  });

  it("keeps an optional edge's class (dashed) and falls back to a step path without a route", async () => {
    const { container } = renderEdges([dependencyEdge(spec("api", "cache", false))]);
    const path = await waitFor(() => {
      const found = container.querySelector<SVGPathElement>(".react-flow__edge.optional path.react-flow__edge-path");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(path.getAttribute("data-route")).toBe("step");
    // From cache's right handle to api's left handle, across and down at the middle, with square corners.
    expect(path.getAttribute("d")).toMatch(/^M173 128\.5L 247\.5,128\.5.*L 247\.5,118\.5.*L322 118\.5$/);
    expect(container.querySelector(".react-flow__edge .react-flow__edge-text")?.textContent).toBe("healthy · optional");
  });
});

describe("the graph's routes", () => {
  it("come from elk's orthogonal layout, and go for the edges of a node moved by hand", async () => {
    const api = demoApi();
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    const { result } = renderHook(() => useGraph(), { wrapper });
    await waitFor(() => expect(result.current.edges).toHaveLength(3));
    const node = (id: string) => result.current.nodes.find((n) => n.id === id)!;
    for (const edge of result.current.edges) {
      const route = edge.data!.route!;
      expect(route.length).toBeGreaterThanOrEqual(2);
      // From the dependency's right side to the dependent's left side, in horizontal and vertical runs.
      const [from, to] = [node(edge.source).position, node(edge.target).position];
      expect(route[0].x).toBeCloseTo(from.x + NODE_WIDTH);
      expect(route.at(-1)!.x).toBeCloseTo(to.x);
      expect(route[0].y).toBeGreaterThanOrEqual(from.y);
      expect(route[0].y).toBeLessThanOrEqual(from.y + NODE_HEIGHT);
      route.slice(1).forEach((p, i) => expect(p.x === route[i].x || p.y === route[i].y).toBe(true));
    }
    // An option changed: no new layout, the routes stay.
    const before = result.current.edges.find((e) => e.id === "api->web")!.data!.route;
    await act(() => api.addDependency({ ...spec("web", "api"), condition: "started" }));
    await waitFor(() => expect(result.current.edges.find((e) => e.id === "api->web")!.data!.spec.condition).toBe("started"));
    expect(result.current.edges.find((e) => e.id === "api->web")!.data!.route).toEqual(before);
    // web dragged away: its edge loses its route (drawn as a step path), the others keep theirs.
    act(() => result.current.onNodesChange([{ type: "position", id: "web", position: { x: 500, y: 400 } }]));
    const routed = Object.fromEntries(result.current.edges.map((e) => [e.id, e.data!.route !== undefined]));
    expect(routed).toEqual({ "db->api": true, "cache->api": true, "api->web": false });
    expect(result.current.nodes.find((n) => n.id === "web")!.position).toEqual({ x: 500, y: 400 });
  });
});
