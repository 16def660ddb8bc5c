import { act, renderHook, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { topologyOf } from "../../api/topology";
import { ApiProvider } from "../../ApiContext";
import { demoApi, renderWithApi } from "../../test/render";
import { edgeFieldOf, edgeSpec, edgeValues } from "./edgeForm";
import { GraphView } from "./GraphView";
import { buildGraph, edgeLabel } from "./model";
import { useGraph } from "./useGraph";

/** Renders the graph and opens the editor of "`service` depends on `dependsOn`" from the keyboard. */
async function openEditor(service: string, dependsOn: string, api = demoApi()) {
  const user = userEvent.setup();
  renderWithApi(<GraphView />, api);
  await screen.findByRole("option", { name: `${service} → ${dependsOn}` });
  await user.selectOptions(screen.getByLabelText("Dependency to edit"), `${service} → ${dependsOn}`);
  const form = await screen.findByRole("form", { name: `Edit dependency ${service} → ${dependsOn}` });
  return { user, api, form: within(form) };
}

/** The error message tied to a control by `aria-describedby`. */
function messageOf(control: HTMLElement): string | null | undefined {
  const id = control.getAttribute("aria-describedby");
  return id ? document.getElementById(id)?.textContent : undefined;
}

describe("the edge form model", () => {
  it("keeps what the form does not edit and turns empty text into null", () => {
    const base = {
      service: "web", depends_on: "api", condition: "healthy" as const, required: true, tunnel_mode: "none" as const,
      timeout_secs: 5, health_path: "/ready", env_alias: null, restart_on_new_url: true,
    };
    const values = { ...edgeValues(base), optional: true, timeout: " ", envAlias: " API_URL ", tunnelMode: "optional" as const };
    expect(edgeSpec(base, values)).toEqual({
      ...base, required: false, timeout_secs: null, env_alias: "API_URL", tunnel_mode: "optional",
    });
    expect(() => edgeSpec(base, { ...values, timeout: "1.5" })).toThrow();
  });

  it("puts each engine error at the field it names", () => {
    const at = (field: string) => edgeFieldOf({ code: "invalid_argument", message: "whatever it says", field });
    expect(at("condition")).toBe("condition");
    expect(at("timeout_secs")).toBe("timeout");
    expect(at("env_alias")).toBe("envAlias");
    expect(at("tunnel_mode")).toBe("tunnelMode");
    // No such field in the editor: the message goes above the buttons.
    expect(at("health_path")).toBeNull();
    expect(edgeFieldOf({ code: "dependency_cycle", message: "dependency cycle: a -> a" })).toBeNull();
  });

  it("labels an edge with its condition, and dashes an optional one", async () => {
    const api = demoApi();
    await api.addDependency({ ...(await api.addDependency(edgeOf("web", "api"))), condition: "started", required: false });
    const { edges } = buildGraph(topologyOf(await api.exportStack()), await api.listServices());
    const web = edges.find((e) => e.id === "api->web")!;
    expect([web.label, web.className]).toEqual(["started · optional", "optional"]);
    const db = edges.find((e) => e.id === "db->api")!;
    expect([db.label, db.className, db.ariaLabel]).toEqual(["healthy", undefined, "api depends on db: healthy"]);
    expect(edgeLabel(db.data!.spec)).toBe("healthy");
  });
});

function edgeOf(service: string, depends_on: string) {
  return {
    service, depends_on, condition: null, required: true, tunnel_mode: "none" as const,
    timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
  };
}

describe("the edge editor", () => {
  it("shows the stored options, with the resolved condition", async () => {
    const { form } = await openEditor("api", "db");
    expect((form.getByLabelText("Condition") as HTMLSelectElement).value).toBe("healthy");
    expect((form.getByLabelText("Optional") as HTMLInputElement).checked).toBe(false);
    expect((form.getByLabelText("Tunnel mode") as HTMLSelectElement).value).toBe("none");
    expect((form.getByLabelText("Env alias") as HTMLInputElement).value).toBe("");
    expect((form.getByLabelText("Timeout (seconds)") as HTMLInputElement).value).toBe("");
    expect((form.getByLabelText("Restart on new URL") as HTMLInputElement).checked).toBe(true);
  });

  it("saves a new condition and the optional flag through the engine", async () => {
    const { user, api, form } = await openEditor("api", "db");
    await user.selectOptions(form.getByLabelText("Condition"), "started");
    await user.click(form.getByLabelText("Optional"));
    await user.type(form.getByLabelText("Timeout (seconds)"), "45");
    const save = form.getByRole("button", { name: "Save" });
    await user.click(save);
    expect((await screen.findByText("Saved api → db.")).getAttribute("role")).toBe("status");
    expect(document.activeElement).toBe(save);
    const stack = await api.exportStack();
    expect(stack.services.api.depends_on).toMatchObject({ db: { condition: "started", optional: true, timeout: 45 } });
    expect(api.engine.requests.find((r) => r.type === "add_dependency" && r.data.service === "api" && r.data.condition === "started"))
      .toBeTruthy();
    // The editor now shows what the engine stored.
    const again = within(await screen.findByRole("form", { name: "Edit dependency api → db" }));
    await waitFor(() => expect((again.getByLabelText("Optional") as HTMLInputElement).checked).toBe(true));
    expect((again.getByLabelText("Condition") as HTMLSelectElement).value).toBe("started");
  });

  it("shows a bad env alias at its field and changes nothing", async () => {
    const { user, api, form } = await openEditor("web", "api");
    const before = structuredClone(api.engine.edges);
    await user.selectOptions(form.getByLabelText("Tunnel mode"), "optional");
    await user.type(form.getByLabelText("Env alias"), "1API");
    await user.click(form.getByRole("button", { name: "Save" }));
    const alias = form.getByLabelText("Env alias");
    await waitFor(() => expect(alias.getAttribute("aria-invalid")).toBe("true"));
    expect(messageOf(alias)).toBe("`1API` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)");
    expect(api.engine.edges).toEqual(before);
    expect(screen.queryByText(/^Saved/)).toBeNull();
  });

  it("shows a condition the dependency cannot meet at the condition field", async () => {
    const { user, api, form } = await openEditor("api", "cache");
    await user.selectOptions(form.getByLabelText("Condition"), "healthy");
    await user.click(form.getByRole("button", { name: "Save" }));
    const condition = form.getByLabelText("Condition");
    await waitFor(() => expect(condition.getAttribute("aria-invalid")).toBe("true"));
    expect(messageOf(condition)).toContain("condition `healthy` needs a health check on `cache`");
    expect(api.engine.edges.find((e) => e.service === "api" && e.depends_on === "cache")?.condition).toBe("started");
  });

  it("shows a zero timeout at the timeout field", async () => {
    const { user, form } = await openEditor("web", "api");
    await user.type(form.getByLabelText("Timeout (seconds)"), "0");
    await user.click(form.getByRole("button", { name: "Save" }));
    const timeout = form.getByLabelText("Timeout (seconds)");
    await waitFor(() => expect(messageOf(timeout)).toBe("a dependency timeout must be at least 1 second"));
  });

  it("closes with Close or Escape", async () => {
    const { user, form } = await openEditor("web", "api");
    await user.click(form.getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("form", { name: /^Edit dependency/ })).toBeNull());
    expect(document.activeElement).toBe(screen.getByLabelText("Dependency to edit"));
    await user.selectOptions(screen.getByLabelText("Dependency to edit"), "web → api");
    await user.click(within(await screen.findByRole("form", { name: /^Edit dependency/ })).getByLabelText("Env alias"));
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("form", { name: /^Edit dependency/ })).toBeNull());
  });
});

describe("the edge selection", () => {
  it("follows a click in the graph (a select change) and survives a re-layout", async () => {
    const api = demoApi();
    const wrapper = ({ children }: { children: ReactNode }) => <ApiProvider api={api}>{children}</ApiProvider>;
    const { result } = renderHook(() => useGraph(), { wrapper });
    await waitFor(() => expect(result.current.edges).toHaveLength(3));
    act(() => result.current.onEdgesChange([{ type: "select", id: "api->web", selected: true }]));
    // An edge added elsewhere re-lays the graph out.
    await act(() => api.addDependency(edgeOf("web", "cache")));
    await waitFor(() => expect(result.current.edges).toHaveLength(4));
    expect(result.current.edges.filter((e) => e.selected).map((e) => e.id)).toEqual(["api->web"]);
    act(() => result.current.selectEdge("db->api"));
    expect(result.current.edges.filter((e) => e.selected).map((e) => e.id)).toEqual(["db->api"]);
  });
});
