import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
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
      data: { name: "team", provider: "bore", url: null, server: "bore.example.com", binary: null },
    });
    expect(screen.queryByRole("form", { name: "Add a profile" })).toBeNull();
  });

  it("lists a custom provider's profile under custom", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    api.engine.providers.push("my-vpn");
    renderWithApi(<SettingsView />, api);
    await user.click(await screen.findByRole("button", { name: "New profile" }));
    await user.type(screen.getByLabelText("Name"), "vpn");
    await user.selectOptions(screen.getByLabelText("Provider"), "custom");
    await user.type(screen.getByLabelText("Custom provider name"), "my-vpn");
    await user.click(screen.getByRole("button", { name: "Add profile" }));
    expect(group("custom").contains(await row("vpn"))).toBe(true);
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
