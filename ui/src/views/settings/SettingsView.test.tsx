import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { demoApi, renderWithApi } from "../../test/render";
import { SettingsView } from "./SettingsView";

const row = (name: string) => screen.findByRole("listitem", { name });
const group = (provider: string) => screen.getByRole("region", { name: provider });

/** The error shown for a control, through its `aria-describedby`. */
const errorOf = (control: HTMLElement) => document.getElementById(control.getAttribute("aria-describedby") ?? "")?.textContent;

describe("SettingsView profiles", () => {
  it("lists the profiles by provider with their token and default marks", async () => {
    renderWithApi(<SettingsView />);
    const personal = await row("personal");
    expect(within(group("ngrok")).getAllByRole("listitem").map((li) => li.querySelector("strong")?.textContent)).toEqual(["personal", "work"]);
    expect(within(personal).getByText("token set")).toBeTruthy();
    expect(within(personal).getByText("default")).toBeTruthy();
    const work = await row("work");
    expect(within(work).getByText("no token")).toBeTruthy();
    expect(within(work).getByText("url https://work.ngrok.app")).toBeTruthy();
    expect(within(group("cloudflared")).getByText("staging")).toBeTruthy();
    expect(within(group("bore")).getByText("No bore profiles.")).toBeTruthy();
  });

  it("adds a bore profile with its server", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await user.click(await screen.findByRole("button", { name: "New profile" }));
    await user.type(screen.getByLabelText("Name"), "team");
    await user.selectOptions(screen.getByLabelText("Provider"), "bore");
    expect(screen.queryByLabelText("URL")).toBeNull();
    await user.type(screen.getByLabelText("Server"), "bore.example.com");
    await user.click(screen.getByRole("button", { name: "Add profile" }));
    const team = await row("team");
    expect(within(team).getByText("server bore.example.com")).toBeTruthy();
    expect(group("bore").contains(team)).toBe(true);
    expect(api.engine.requests).toContainEqual({
      type: "add_profile",
      data: {
        name: "team", provider: "bore", url: null, server: "bore.example.com", binary: null,
        command: null, url_pattern: null, token_env: null, url_timeout_secs: null,
      },
    });
    expect(screen.queryByRole("form", { name: "Add a profile" })).toBeNull();
  });

  it("adds a command profile with its template, pattern and token variable", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await user.click(await screen.findByRole("button", { name: "New profile" }));
    await user.type(screen.getByLabelText("Name"), "lhr");
    await user.selectOptions(screen.getByLabelText("Provider"), "command");
    expect(screen.queryByLabelText("Binary")).toBeNull();
    expect(screen.queryByRole("option", { name: "custom" })).toBeNull();
    const command = screen.getByLabelText("Command");
    // userEvent reads `{` as a key descriptor: `{{` types one brace.
    await user.type(command, "ssh -R 80:localhost:8080 nokey@localhost.run");
    await user.type(screen.getByLabelText("URL pattern"), "(https://\\S+\\.lhr\\.life)");
    await user.type(screen.getByLabelText("Token variable"), "RUN_TOKEN");
    await user.click(screen.getByRole("button", { name: "Add profile" }));
    // No `{port}`: refused at the command field, nothing stored.
    await waitFor(() => expect(command.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(command)).toContain("has no `{port}`");
    expect(api.engine.profiles.some((p) => p.spec.name === "lhr")).toBe(false);
    await user.clear(command);
    await user.type(command, "ssh -R 80:{{host}:{{port} nokey@localhost.run");
    await user.click(screen.getByRole("button", { name: "Add profile" }));
    const added = await row("lhr");
    expect(group("command").contains(added)).toBe(true);
    expect(within(added).getByText("token in RUN_TOKEN")).toBeTruthy();
    expect(api.engine.requests).toContainEqual({
      type: "add_profile",
      data: {
        name: "lhr", provider: "command", url: null, server: null, binary: null,
        command: "ssh -R 80:{host}:{port} nokey@localhost.run", url_pattern: "(https://\\S+\\.lhr\\.life)",
        token_env: "RUN_TOKEN", url_timeout_secs: null,
      },
    });
  });

  it("shows an invalid name at the name field", async () => {
    const user = userEvent.setup();
    renderWithApi(<SettingsView />);
    await user.click(await screen.findByRole("button", { name: "New profile" }));
    await user.type(screen.getByLabelText("Name"), "has space");
    await user.click(screen.getByRole("button", { name: "Add profile" }));
    const name = screen.getByLabelText("Name");
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(name)).toBe("invalid profile name `has space`: use letters, digits, `-` and `_`");
  });

  it("edits a profile by replacing it, keeping its token and default mark", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await user.click(within(await row("personal")).getByRole("button", { name: "Edit personal" }));
    expect((screen.getByLabelText("Name") as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByLabelText("Server")).toBeNull();
    await user.type(screen.getByLabelText("URL"), "https://mine.ngrok.app");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    await waitFor(async () => expect(within(await row("personal")).getByText("url https://mine.ngrok.app")).toBeTruthy());
    expect(api.engine.profiles.find((p) => p.spec.name === "personal")).toMatchObject({ is_default: true, token_set: true });
  });

  it("sets a token without ever showing it again", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    const work = await row("work");
    const input = within(work).getByLabelText("Token for work") as HTMLInputElement;
    expect(input.type).toBe("password");
    await user.type(input, "s3cret-token-value");
    await user.click(within(work).getByRole("button", { name: "Set token" }));
    await waitFor(async () => expect(within(await row("work")).getByText("token set")).toBeTruthy());
    expect(within(await row("work")).getByRole("button", { name: "Replace token" })).toBeTruthy();
    expect(input.value).toBe("");
    expect(document.body.innerHTML).not.toContain("s3cret-token-value");
    expect(api.engine.secrets.get("work")).toBe("s3cret-token-value");
    expect(JSON.stringify(await api.listProfiles())).not.toContain("s3cret");
  });

  it("shows a keyring failure at the token field", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.keyringError = "no Secret Service is running";
    renderWithApi(<SettingsView />, api);
    const input = within(await row("work")).getByLabelText("Token for work");
    await user.type(input, "tok");
    await user.click(within(await row("work")).getByRole("button", { name: "Set token" }));
    await waitFor(() => expect(input.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(input)).toMatch(/^cannot store the token of profile `work` in the OS keyring: no Secret Service is running/);
    expect(within(await row("work")).getByText("no token")).toBeTruthy();
  });

  it("makes a profile the default", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await user.click(within(await row("staging")).getByRole("button", { name: "Make default" }));
    await waitFor(async () => expect(within(await row("staging")).getByText("default")).toBeTruthy());
    expect(within(await row("personal")).queryByText("default")).toBeNull();
    expect(api.engine.profiles.filter((p) => p.is_default).map((p) => p.spec.name)).toEqual(["staging"]);
  });

  it("removes a profile after a confirmation", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await user.click(within(await row("personal")).getByRole("button", { name: "Remove personal" }));
    await user.click(screen.getByRole("button", { name: "Yes, remove personal" }));
    await waitFor(() => expect(screen.queryByRole("listitem", { name: "personal" })).toBeNull());
    expect(api.engine.profiles.map((p) => p.spec.name)).toEqual(["staging", "work"]);
    expect(api.engine.profiles.some((p) => p.is_default)).toBe(false);
  });
});

describe("SettingsView default strategy", () => {
  it("offers the engine's strategies with its default selected, and saves a new default", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.strategies.push("nightly");
    renderWithApi(<SettingsView />, api);
    const select = (await screen.findByLabelText("Default strategy")) as HTMLSelectElement;
    expect(select.value).toBe("concurrent");
    expect([...select.options].map((o) => o.value)).toEqual(["sequential", "parallel-safe", "concurrent", "critical-path", "nightly"]);
    await user.selectOptions(select, "nightly");
    await user.click(screen.getByRole("button", { name: "Save strategy" }));
    await waitFor(() => expect(api.engine.defaultStrategy).toBe("nightly"));
    expect(screen.getByText("Chains that name no strategy now use nightly.")).toBeTruthy();
  });

  it("shows an unknown strategy at the select", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.strategies.push("nightly");
    renderWithApi(<SettingsView />, api);
    const select = await screen.findByLabelText("Default strategy");
    // The strategy is gone from the engine by the time it is saved.
    api.engine.strategies.pop();
    await user.selectOptions(select, "nightly");
    await user.click(screen.getByRole("button", { name: "Save strategy" }));
    await waitFor(() => expect(select.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(select)).toBe("unknown strategy `nightly` (known: sequential, parallel-safe, concurrent, critical-path)");
  });
});

describe("SettingsView start at login", () => {
  const section = () => screen.findByRole("region", { name: "Start at login" });
  const toggle = async () => (await screen.findByRole("checkbox", { name: "Start nexsock at login" })) as HTMLInputElement;
  /** The toggle once the app has answered whether it starts at login. */
  const readToggle = async () => {
    const box = await toggle();
    await waitFor(() => expect(box.disabled).toBe(false));
    return box;
  };
  const serviceBox = (name: string) => screen.getByRole("checkbox", { name: `Start ${name} at login` }) as HTMLInputElement;
  const shown = () => screen.getByTestId("login-chain").textContent;
  const chainSent = (api: ReturnType<typeof demoApi>) => api.engine.requests.filter((r) => r.type === "set_login_chain");

  it("reads whether the app starts at login, and turns it on and off", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    const box = await readToggle();
    expect(box.checked).toBe(false);
    expect(api.login.calls).toEqual([null]);
    expect(within(await section()).getByText("nexsock does not start at login.")).toBeTruthy();
    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(true));
    expect(api.login.enabled).toBe(true);
    expect(within(await section()).getByText("nexsock starts in the background (tray only) when you log in.")).toBeTruthy();
    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(false));
    expect(api.login.calls).toEqual([null, true, false]);
    expect(api.login.enabled).toBe(false);
  });

  it("shows what the app answers, not what was asked", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.login.enabled = true;
    renderWithApi(<SettingsView />, api);
    const box = await readToggle();
    expect(box.checked).toBe(true);
    // The OS keeps it on whatever is asked (a policy, say): the box says so.
    const asked = vi.spyOn(api, "autostart").mockResolvedValue(true);
    await user.click(box);
    await waitFor(() => expect(asked).toHaveBeenCalledWith(false));
    await waitFor(() => expect(box.disabled).toBe(false));
    expect(box.checked).toBe(true);
  });

  it("shows a failure to change it at the checkbox, leaving it as it was", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    const box = await readToggle();
    api.login.error = "no autostart entry can be written";
    await user.click(box);
    const alert = await within(await section()).findByRole("alert");
    expect(alert.textContent).toBe("cannot change the start at login: no autostart entry can be written");
    expect(box.getAttribute("aria-describedby")).toBe(alert.id);
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    api.login.error = null;
    await user.click(box);
    await waitFor(() => expect(box.checked).toBe(true));
    expect(within(await section()).queryByRole("alert")).toBeNull();
  });

  it("shows a failure to read it", async () => {
    const api = demoApi();
    api.login.error = "no autostart support";
    renderWithApi(<SettingsView />, api);
    const alert = await within(await section()).findByRole("alert");
    expect(alert.textContent).toBe("cannot change the start at login: no autostart support");
    expect((await readToggle()).checked).toBe(false);
  });

  it("saves the ticked services and strategy, and shows the chain the engine announces", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts nothing."));
    const save = screen.getByRole("button", { name: "Save login chain" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect((screen.getByRole("button", { name: "Start nothing at login" }) as HTMLButtonElement).disabled).toBe(true);
    await waitFor(() => expect(serviceBox("web")).toBeTruthy());
    await user.click(serviceBox("api"));
    await user.click(serviceBox("db"));
    const strategy = screen.getByLabelText("Strategy at login") as HTMLSelectElement;
    expect([...strategy.options].map((o) => [o.value, o.textContent])).toEqual([
      ["", "default strategy"], ["sequential", "sequential"], ["parallel-safe", "parallel-safe"],
      ["concurrent", "concurrent"], ["critical-path", "critical-path"],
    ]);
    await user.selectOptions(strategy, "sequential");
    await user.click(save);
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts db, api with the sequential strategy."));
    expect(chainSent(api)).toEqual([
      { type: "set_login_chain", data: { chain: { roots: ["db", "api"], strategy: "sequential", max_concurrent: null } } },
    ]);
    expect(api.engine.loginChain).toEqual({ roots: ["db", "api"], strategy: "sequential", max_concurrent: null });
    expect(within(await section()).queryByRole("alert")).toBeNull();
  });

  it("sends no strategy for the default one", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await waitFor(() => expect(serviceBox("web")).toBeTruthy());
    await user.click(serviceBox("web"));
    await user.click(screen.getByRole("button", { name: "Save login chain" }));
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts web with the default strategy."));
    expect(chainSent(api)).toEqual([
      { type: "set_login_chain", data: { chain: { roots: ["web"], strategy: null, max_concurrent: null } } },
    ]);
  });

  it("follows a login chain set elsewhere, in words and in the controls", async () => {
    const api = demoApi();
    renderWithApi(<SettingsView />, api);
    await waitFor(() => expect(serviceBox("web")).toBeTruthy());
    await act(() => api.setLoginChain({ roots: ["cache", "web"], strategy: "critical-path", max_concurrent: 2 }));
    expect(shown()).toBe("At login, nexsock starts cache, web with the critical-path strategy, at most 2 at once.");
    expect(["db", "cache", "api", "web"].map((n) => serviceBox(n).checked)).toEqual([false, true, false, true]);
    expect((screen.getByLabelText("Strategy at login") as HTMLSelectElement).value).toBe("critical-path");
    // Another setting's change leaves the chain (and what is being edited) alone.
    await act(() => api.setDefaultStrategy("sequential"));
    expect(shown()).toBe("At login, nexsock starts cache, web with the critical-path strategy, at most 2 at once.");
    expect(serviceBox("web").checked).toBe(true);
  });

  it("shows an unknown strategy at the strategy select", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.strategies.push("nightly");
    renderWithApi(<SettingsView />, api);
    await waitFor(() => expect(serviceBox("db")).toBeTruthy());
    await user.click(serviceBox("db"));
    const select = screen.getByLabelText("Strategy at login");
    await waitFor(() => expect(within(select).getByRole("option", { name: "nightly" })).toBeTruthy());
    // The strategy is gone from the engine by the time it is saved.
    api.engine.strategies.pop();
    await user.selectOptions(select, "nightly");
    await user.click(screen.getByRole("button", { name: "Save login chain" }));
    await waitFor(() => expect(select.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(select)).toBe("unknown strategy `nightly` (known: sequential, parallel-safe, concurrent, critical-path)");
    expect(within(await section()).getAllByRole("alert")).toHaveLength(1);
    expect(shown()).toBe("At login, nexsock starts nothing.");
    expect(api.engine.loginChain).toBeNull();
  });

  it("keeps showing a service the chain names after it was removed, and shows its refusal at the services", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.setLoginChain({ roots: ["db", "web"], strategy: null, max_concurrent: null });
    await api.removeService("web");
    renderWithApi(<SettingsView />, api);
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts db, web with the default strategy."));
    expect(serviceBox("web").checked).toBe(true);
    await user.click(screen.getByRole("button", { name: "Save login chain" }));
    const services = screen.getByRole("group", { name: "At login, start" });
    const alert = await within(services).findByRole("alert");
    expect(alert.textContent).toBe("no service named `web` (see `nexsock service list`)");
    expect(services.getAttribute("aria-describedby")).toBe(alert.id);
    await user.click(serviceBox("web"));
    await user.click(screen.getByRole("button", { name: "Save login chain" }));
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts db with the default strategy."));
    expect(within(services).queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("checkbox", { name: "Start web at login" })).toBeNull();
  });

  it("starts nothing at login once cleared", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    await api.setLoginChain({ roots: ["api"], strategy: "sequential", max_concurrent: null });
    renderWithApi(<SettingsView />, api);
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts api with the sequential strategy."));
    await waitFor(() => expect(serviceBox("api").checked).toBe(true));
    const clear = screen.getByRole("button", { name: "Start nothing at login" }) as HTMLButtonElement;
    await user.click(clear);
    await waitFor(() => expect(shown()).toBe("At login, nexsock starts nothing."));
    expect(chainSent(api).at(-1)).toEqual({ type: "set_login_chain", data: { chain: null } });
    expect(api.engine.loginChain).toBeNull();
    expect(serviceBox("api").checked).toBe(false);
    expect((screen.getByLabelText("Strategy at login") as HTMLSelectElement).value).toBe("");
    expect(clear.disabled).toBe(true);
    expect((screen.getByRole("button", { name: "Save login chain" }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("SettingsView custom strategies", () => {
  const form = () => screen.getByRole("form", { name: "Add a strategy" });

  it("declares a strategy over a built-in, offers it as the default, and removes it", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    await screen.findByText("No custom strategies.");
    await user.type(within(form()).getByLabelText("Strategy name"), "db-first");
    await user.selectOptions(within(form()).getByLabelText("Base"), "parallel-safe");
    await user.type(within(form()).getByLabelText("Start first"), "db, cache");
    await user.type(within(form()).getByLabelText("Max concurrent"), "2");
    await user.click(screen.getByRole("button", { name: "Add strategy" }));
    const item = await screen.findByRole("listitem", { name: "db-first" });
    expect(within(item).getByText("base parallel-safe · first db, cache · at most 2")).toBeTruthy();
    expect(api.engine.requests).toContainEqual({
      type: "add_strategy", data: { name: "db-first", base: "parallel-safe", priority: ["db", "cache"], max_concurrent: 2 },
    });
    const picker = screen.getByLabelText("Default strategy") as HTMLSelectElement;
    expect([...picker.options].map((o) => o.value)).toContain("db-first");
    await user.selectOptions(picker, "db-first");
    await user.click(screen.getByRole("button", { name: "Save strategy" }));
    await waitFor(() => expect(api.engine.defaultStrategy).toBe("db-first"));

    await user.click(screen.getByRole("button", { name: "Remove strategy db-first" }));
    await screen.findByText("No custom strategies.");
    expect(api.engine.defaultStrategy).toBe("concurrent");
    await waitFor(() => expect(picker.value).toBe("concurrent"));
  });

  it("shows a refusal at the field the engine names and stores nothing", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<SettingsView />);
    const name = await within(await screen.findByRole("form", { name: "Add a strategy" })).findByLabelText("Strategy name");
    await user.type(name, "concurrent");
    await user.click(screen.getByRole("button", { name: "Add strategy" }));
    await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
    expect(errorOf(name)).toBe("a strategy named `concurrent` already exists");
    await user.clear(name);
    await user.type(name, "bad name");
    await user.click(screen.getByRole("button", { name: "Add strategy" }));
    await waitFor(() => expect(errorOf(name)).toContain("invalid strategy name `bad name`"));
    expect(api.engine.customStrategies).toEqual([]);
  });

  it("follows strategies declared elsewhere (the CLI) through SettingsChanged", async () => {
    const { api } = renderWithApi(<SettingsView />);
    await screen.findByText("No custom strategies.");
    await act(() => api.addStrategy({ name: "nightly", base: "sequential", priority: [], max_concurrent: null }));
    expect(await screen.findByRole("listitem", { name: "nightly" })).toBeTruthy();
  });
});
