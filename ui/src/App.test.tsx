import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { recordExchange } from "./api/mock/inspector";
import { App } from "./App";
import { demoApi, renderWithApi } from "./test/render";

afterEach(() => window.history.replaceState(null, "", "#"));

describe("the window's routes", () => {
  it("opens a tunnel's inspector from its card, and keeps the service in the hash", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    recordExchange(api.engine, "api", { path: "/from-card" });
    window.history.replaceState(null, "", "#tunnels");
    renderWithApi(<App />, api);
    const card = await screen.findByRole("article", { name: "Tunnel for api" });
    await user.click(within(card).getByRole("link", { name: "Inspect requests" }));
    expect(window.location.hash).toBe("#inspector/api");
    expect((await screen.findByTestId("exchange-1")).textContent).toContain("/from-card");
    expect(screen.getByRole("heading", { name: "Inspector: api" })).toBeTruthy();
  });

  it("opens the Inspector named in the hash, as the tray's Inspect does", async () => {
    window.history.replaceState(null, "", "#inspector/api");
    renderWithApi(<App />);
    expect(await screen.findByRole("heading", { name: "Inspector: api" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Inspector" }).getAttribute("aria-current")).toBe("page");
  });
});
