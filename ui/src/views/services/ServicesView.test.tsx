import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { MockApi } from "../../api/mock/mockApi";
import { spec } from "../../api/mock/seed";
import { demoApi, renderWithApi } from "../../test/render";
import { ServicesView } from "./ServicesView";

const row = (name: string) => screen.findByTestId(`service-${name}`);

describe("ServicesView", () => {
  it("shows each service with its state badge and port", async () => {
    const api = demoApi();
    api.engine.failing.set("cache", "exited with code 1");
    await api.startService("db");
    await api.startService("cache");
    renderWithApi(<ServicesView />, api);
    expect(within(await row("db")).getByText("ready")).toBeTruthy();
    expect(within(await row("db")).getByText("5432")).toBeTruthy();
    expect(within(await row("cache")).getByText("failed")).toBeTruthy();
    expect(within(await row("cache")).getByText("exited with code 1")).toBeTruthy();
    expect(within(await row("web")).getByText("stopped")).toBeTruthy();
  });

  it("shows a one-shot that exited 0 by itself as completed, apart from stopped and failed", async () => {
    const api = demoApi();
    api.engine.failing.set("cache", "exited with code 1");
    await api.addService(spec("migrate", null, { command: "echo migrated" }));
    await api.startService("migrate");
    await api.engine.settled();
    await api.startService("cache");
    const { container } = renderWithApi(<ServicesView />, api);
    const migrate = await row("migrate");
    // What a WebDriver test looks for: the row's badge with the completed class and text.
    const badge = container.querySelector('tr[data-testid="service-migrate"] .badge.state-completed');
    expect(badge?.textContent).toBe("completed");
    expect(within(migrate).getByText("completed")).toBe(badge);
    expect(badge?.getAttribute("title")).toMatch(/exited 0 by itself/);
    expect(within(await row("web")).getByText("stopped").className).toBe("badge state-stopped");
    expect(within(await row("cache")).getByText("failed").className).toBe("badge state-failed");
    // Not running: no uptime, no reason.
    expect(migrate.querySelectorAll("td")[3].textContent).toBe("");
    expect(migrate.querySelector(".reason")).toBeNull();
  });

  it("starts a completed one-shot again from the selection, and it completes again", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.addService(spec("migrate", null, { command: "true" }));
    await api.startService("migrate");
    await api.engine.settled();
    renderWithApi(<ServicesView />, api);
    await within(await row("migrate")).findByText("completed");
    const states: string[] = [];
    api.subscribe((e) => void (e.type === "ServiceChanged" && e.data.name === "migrate" && states.push(e.data.state)));
    await user.click(screen.getByLabelText("Select migrate"));
    expect(screen.getByRole("button", { name: "Start selected (1)" }).hasAttribute("disabled")).toBe(false);
    await user.click(screen.getByRole("button", { name: "Start selected (1)" }));
    await screen.findByRole("status");
    await act(() => api.engine.settled());
    expect(states).toEqual(["starting", "ready", "completed"]);
    await waitFor(() => expect(within(screen.getByTestId("service-migrate")).getByText("completed")).toBeTruthy());
  });

  it("starts the selection as one chain with the picked strategy and concurrency", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<ServicesView />);
    await row("web");
    await user.selectOptions(screen.getByLabelText("Strategy"), "critical-path");
    await user.type(screen.getByLabelText("Max concurrency"), "2");
    await user.click(screen.getByLabelText("Select api"));
    await user.click(screen.getByLabelText("Select web"));
    await user.click(screen.getByRole("button", { name: /Start selected/ }));
    await screen.findByRole("status");
    expect(api.engine.requests.filter((r) => r.type === "start_chain").map((r) => r.data)).toEqual([
      { roots: ["api", "web"], strategy: "critical-path", max_concurrent: 2 },
    ]);
    // db and cache start together; whichever was ready last is on the critical chain.
    expect(screen.getByRole("status").textContent).toMatch(/critical chain: (db|cache) → api → web/);
    await waitFor(() => expect(within(screen.getByTestId("service-web")).getByText("ready")).toBeTruthy());
  });

  it("smart-starts every service with the default strategy", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<ServicesView />);
    await row("web");
    await user.click(screen.getByRole("button", { name: "Smart start all" }));
    await screen.findByRole("status");
    const chain = api.engine.requests.find((r) => r.type === "start_chain");
    expect(chain?.data).toEqual({ roots: ["db", "cache", "api", "web"], strategy: "concurrent", max_concurrent: null });
  });

  it("stops the selection", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.startService("db");
    renderWithApi(<ServicesView />, api);
    await user.click(await screen.findByLabelText("Select db"));
    await user.click(screen.getByRole("button", { name: "Stop selected" }));
    await waitFor(() => expect(within(screen.getByTestId("service-db")).getByText("stopped")).toBeTruthy());
  });
});

describe("the add-service form", () => {
  async function openForm() {
    const user = userEvent.setup();
    const rendered = renderWithApi(<ServicesView />);
    await row("web");
    await user.click(screen.getByRole("button", { name: "New service" }));
    return { user, ...rendered };
  }

  it("shows a duplicate name at the name field", async () => {
    const { user } = await openForm();
    await user.type(screen.getByLabelText("Name"), "web");
    await user.type(screen.getByLabelText("Command"), "npm start");
    await user.click(screen.getByRole("button", { name: "Add service" }));
    const name = screen.getByLabelText("Name");
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    const message = document.getElementById(name.getAttribute("aria-describedby")!);
    expect(message?.textContent).toBe("a service named `web` already exists");
  });

  it("shows an out-of-range port at the port field", async () => {
    const { user } = await openForm();
    await user.type(screen.getByLabelText("Name"), "worker");
    await user.type(screen.getByLabelText("Command"), "run");
    await user.type(screen.getByLabelText("Port"), "70000");
    await user.click(screen.getByRole("button", { name: "Add service" }));
    const port = screen.getByLabelText("Port");
    await waitFor(() => expect(port.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(port.getAttribute("aria-describedby")!)?.textContent).toContain("invalid port 70000");
  });

  it("adds a valid service with its tunnel profile", async () => {
    const { user, api } = await openForm();
    await user.type(screen.getByLabelText("Name"), "worker");
    await user.type(screen.getByLabelText("Command"), "run");
    await user.selectOptions(screen.getByLabelText("Tunnel profile"), "work");
    await user.click(screen.getByRole("button", { name: "Add service" }));
    const added = await row("worker");
    expect(within(added).getByText("work")).toBeTruthy();
    expect(api.engine.services.get("worker")?.spec.command).toBe("run");
  });

  it("edits a service in place, keeping its dependencies", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<ServicesView />);
    await user.click(await screen.findByRole("button", { name: "Edit api" }));
    const port = screen.getByLabelText("Port");
    await waitFor(() => expect((port as HTMLInputElement).value).toBe("8080"));
    expect((screen.getByLabelText("Name") as HTMLInputElement).disabled).toBe(true);
    await user.clear(port);
    await user.type(port, "9090");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(within(screen.getByTestId("service-api")).getByText("9090")).toBeTruthy());
    expect(api.engine.services.get("api")?.spec.port).toBe(9090);
    expect(api.engine.edges.filter((e) => e.service === "api").map((e) => e.depends_on).sort()).toEqual(["cache", "db"]);
  });

  it("edits a running service through edit_service: the secret stays masked and kept, the row says restart to apply", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.startService("web");
    const sent: unknown[] = [];
    const edit = api.editService.bind(api);
    api.editService = (s) => (sent.push(s), edit(s));
    renderWithApi(<ServicesView />, api);
    await user.click(await screen.findByRole("button", { name: "Edit web" }));
    const env = screen.getByLabelText("Environment (KEY=VALUE per line)") as HTMLTextAreaElement;
    await waitFor(() => expect(env.value).toContain("SESSION_SECRET=********"));
    expect(env.value).not.toContain("demo-session-secret");
    await user.clear(screen.getByLabelText("Port"));
    await user.type(screen.getByLabelText("Port"), "3100");
    await user.click(screen.getByRole("button", { name: "Save" }));
    const web = await row("web");
    await waitFor(() => expect(within(web).getByText("restart to apply")).toBeTruthy());
    expect(sent).toHaveLength(1);
    expect(api.engine.services.get("web")?.spec.env.SESSION_SECRET).toBe("demo-session-secret");
    expect(api.engine.services.get("web")?.spec.port).toBe(3100);
  });

  it("plans Smart start all without starting anything, and the plan says what is already ready", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.startService("db");
    renderWithApi(<ServicesView />, api);
    await row("web");
    await user.click(screen.getByRole("button", { name: "Plan" }));
    const panel = await screen.findByRole("region", { name: "Plan" });
    expect(within(panel).getByText(/^Plan by concurrent: expected/)).toBeTruthy();
    expect(within(within(panel).getByTestId("plan-db")).getByText("already ready")).toBeTruthy();
    expect(within(within(panel).getByTestId("plan-web")).getByText("start")).toBeTruthy();
    const waves = within(panel).getByRole("list", { name: "Waves" });
    expect(within(waves).getAllByRole("listitem").length).toBeGreaterThan(0);
    expect(within(panel).getByText("Nothing was started.")).toBeTruthy();
    expect(api.engine.requests.some((r) => r.type === "start_chain")).toBe(false);
    expect(api.engine.services.get("web")?.status.state).toBe("stopped");
    await user.click(within(panel).getByRole("button", { name: "Close plan" }));
    expect(screen.queryByRole("region", { name: "Plan" })).toBeNull();
  });

  it("filters by tag, and Smart start all then starts that group", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.editService({ ...api.engine.service("db").spec, tags: ["backend"] });
    await api.editService({ ...api.engine.service("api").spec, tags: ["backend"] });
    renderWithApi(<ServicesView />, api);
    await row("web");
    await user.selectOptions(screen.getByLabelText("Tag"), "backend");
    await waitFor(() => expect(screen.queryByTestId("service-web")).toBeNull());
    expect(screen.getByTestId("service-db")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Smart start all" }));
    const chain = api.engine.requests.find((r) => r.type === "start_chain");
    expect(chain?.type === "start_chain" ? [...chain.data.roots].sort() : []).toEqual(["api", "db"]);
  });

  it("shows a bad health check at its field", async () => {
    const { user } = await openForm();
    await user.type(screen.getByLabelText("Name"), "db2");
    await user.type(screen.getByLabelText("Command"), "run");
    await user.type(screen.getByLabelText("Health check"), "tcp");
    await user.click(screen.getByRole("button", { name: "Add service" }));
    const health = screen.getByLabelText("Health check");
    await waitFor(() => expect(health.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(health.getAttribute("aria-describedby")!)?.textContent).toContain("needs a port");
  });

  it("removes a stopped service after a confirmation in its row, and refuses a running one", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.startService("db");
    renderWithApi(<ServicesView />, api);
    await user.click(await screen.findByRole("button", { name: "Remove db" }));
    await user.click(screen.getByRole("button", { name: "Yes, remove db" }));
    expect((await screen.findByRole("alert")).textContent).toBe("service `db` is ready; stop it first");
    await user.click(screen.getByRole("button", { name: "Remove web" }));
    await user.click(screen.getByRole("button", { name: "Yes, remove web" }));
    await waitFor(() => expect(screen.queryByTestId("service-web")).toBeNull());
    expect(api.engine.services.has("web")).toBe(false);
  });
});

describe("the strategy picker", () => {
  it("preselects the engine's default strategy and lists its custom strategies", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.strategies.push("nightly");
    api.engine.defaultStrategy = "critical-path";
    renderWithApi(<ServicesView />, api);
    await row("web");
    const select = screen.getByLabelText("Strategy") as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("critical-path"));
    expect([...select.options].map((o) => o.value)).toContain("nightly");
    await user.click(screen.getByRole("button", { name: "Smart start all" }));
    await screen.findByRole("status");
    expect(api.engine.requests.find((r) => r.type === "start_chain")?.data).toMatchObject({ strategy: "critical-path" });
  });

  it("falls back to the built-in strategies when the engine cannot say", async () => {
    const api = demoApi();
    vi.spyOn(api, "getSettings").mockRejectedValue({ code: "unknown_request", message: "old host" });
    renderWithApi(<ServicesView />, api);
    await row("web");
    const select = screen.getByLabelText("Strategy") as HTMLSelectElement;
    expect(select.value).toBe("concurrent");
    expect([...select.options].map((o) => o.value)).toEqual(["sequential", "parallel-safe", "concurrent", "critical-path"]);
  });
});

describe("a held port", () => {
  const PYTHON = "python3 -m http.server 3000";
  /** The ports the view has asked about. */
  const portReads = (api: MockApi) => api.engine.requests.flatMap((r) => (r.type === "port_status" ? [r.data.port] : []));
  const freeRequests = (api: MockApi) => api.engine.requests.flatMap((r) => (r.type === "free_port" ? [r.data] : []));

  it("shows a foreign holder's pid and command next to the port, and Kill holder frees it", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.portHolders.set(3000, { pid: 4242, command: PYTHON });
    renderWithApi(<ServicesView />, api);
    const line = await screen.findByTestId("port-holder-web");
    expect(line.textContent).toBe(`held by pid 4242 (${PYTHON})`);
    const web = await row("web");
    expect(within(web).getByTestId("port-holder-web")).toBe(line);
    expect(within(web).getByText("3000")).toBeTruthy();
    expect(within(web).queryByRole("button", { name: "Free port of web" })).toBeNull();
    await user.click(within(web).getByRole("button", { name: "Kill holder of web's port" }));
    await waitFor(() => expect(screen.queryByTestId("port-holder-web")).toBeNull());
    expect(freeRequests(api)).toEqual([{ name: "web", kill_foreign: true }]);
    expect(api.engine.portHolders.has(3000)).toBe(false);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("offers Free port when another service holds the port, and it stops that service", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.addService(spec("preview", 3000));
    const preview = await api.startService("preview");
    renderWithApi(<ServicesView />, api);
    const line = await screen.findByTestId("port-holder-web");
    expect(line.textContent).toBe(`held by nexsock service \`preview\` (pid ${preview.pid})`);
    // A running service on its own port is not held by anything else.
    expect(screen.queryByTestId("port-holder-preview")).toBeNull();
    const web = await row("web");
    expect(within(web).queryByRole("button", { name: "Kill holder of web's port" })).toBeNull();
    await user.click(within(web).getByRole("button", { name: "Free port of web" }));
    await waitFor(() => expect(screen.queryByTestId("port-holder-web")).toBeNull());
    expect(within(screen.getByTestId("service-preview")).getByText("stopped")).toBeTruthy();
    expect(api.engine.services.get("preview")?.status.state).toBe("stopped");
    expect(freeRequests(api)).toEqual([{ name: "web", kill_foreign: false }]);
  });

  it("offers Free port for an orphan of an earlier run", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.portHolders.set(3000, { pid: 77, command: "./run-web", orphan_of: "web" });
    renderWithApi(<ServicesView />, api);
    const line = await screen.findByTestId("port-holder-web");
    expect(line.textContent).toBe("held by pid 77 (./run-web), left running by an earlier run of `web`");
    await user.click(screen.getByRole("button", { name: "Free port of web" }));
    await waitFor(() => expect(screen.queryByTestId("port-holder-web")).toBeNull());
    expect(api.engine.portHolders.has(3000)).toBe(false);
  });

  it("names a holder it cannot see without offering to end it", async () => {
    const api = demoApi();
    api.engine.portHolders.set(3000, { pid: null, command: null });
    renderWithApi(<ServicesView />, api);
    expect((await screen.findByTestId("port-holder-web")).textContent).toBe(
      "held by a process nexsock cannot see (another user's?)",
    );
    const web = await row("web");
    expect(within(web).queryByRole("button", { name: "Free port of web" })).toBeNull();
    expect(within(web).queryByRole("button", { name: "Kill holder of web's port" })).toBeNull();
  });

  it("shows who holds the port of a completed one-shot, which waits to start like a stopped one", async () => {
    const api = demoApi();
    await api.addService(spec("migrate", 7000, { command: "echo migrated" }));
    await api.startService("migrate");
    await api.engine.settled();
    api.engine.portHolders.set(7000, { pid: 4242, command: PYTHON });
    renderWithApi(<ServicesView />, api);
    expect((await screen.findByTestId("port-holder-migrate")).textContent).toBe(`held by pid 4242 (${PYTHON})`);
    expect(within(await row("migrate")).getByText("completed")).toBeTruthy();
  });

  it("shows nothing next to a free port", async () => {
    const api = demoApi();
    // A held port elsewhere shows that the reads have been answered.
    api.engine.portHolders.set(8080, { pid: 5, command: "node server.js" });
    renderWithApi(<ServicesView />, api);
    expect((await screen.findByTestId("port-holder-api")).textContent).toBe("held by pid 5 (node server.js)");
    expect([...new Set(portReads(api))].sort((a, b) => a - b)).toEqual([3000, 5432, 6379, 8080]);
    for (const name of ["db", "cache", "web"]) expect(screen.queryByTestId(`port-holder-${name}`)).toBeNull();
    expect(screen.getAllByRole("button", { name: /Free port|Kill holder/ }).map((b) => b.getAttribute("aria-label"))).toEqual([
      "Kill holder of api's port",
    ]);
  });

  it("shows who holds the port when a start from the window fails on it", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    renderWithApi(<ServicesView />, api);
    await waitFor(() => expect(portReads(api)).toContain(5432));
    // Taken behind the window's back: no event tells it, until the start fails.
    api.engine.portHolders.set(5432, { pid: 321, command: "postgres -D /tmp/pg" });
    await user.click(screen.getByLabelText("Select db"));
    await user.click(screen.getByRole("button", { name: /Start selected/ }));
    const line = await screen.findByTestId("port-holder-db");
    expect(line.textContent).toBe("held by pid 321 (postgres -D /tmp/pg)");
    const db = screen.getByTestId("service-db");
    expect(within(db).getByText("failed")).toBeTruthy();
    expect(within(db).getByText(/^port 5432 of `db` is held by pid 321 \(postgres -D \/tmp\/pg\)/)).toBeTruthy();
    expect(within(db).getByRole("button", { name: "Kill holder of db's port" })).toBeTruthy();
  });

  it("shows why freeing failed in the row", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.portHolders.set(3000, { pid: 4242, command: PYTHON });
    const refusal = "port 3000 of `web` is held by pid 4343 (nc -l 3000)";
    vi.spyOn(api, "freePort").mockRejectedValue({ code: "port_in_use", message: refusal });
    renderWithApi(<ServicesView />, api);
    await user.click(await screen.findByRole("button", { name: "Kill holder of web's port" }));
    const web = screen.getByTestId("service-web");
    expect((await within(web).findByRole("alert")).textContent).toBe(refusal);
    expect(within(web).getByTestId("port-holder-web").textContent).toBe(`held by pid 4242 (${PYTHON})`);
    expect(api.freePort).toHaveBeenCalledWith("web", true);
  });
});
