import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { failTunnel, recreateTunnel } from "../../api/mock/tunnels";
import { demoApi, renderWithApi } from "../../test/render";
import { qrPath } from "./QrCode";
import { checkedAgo } from "./TunnelCard";
import { TunnelsView } from "./TunnelsView";

const card = (service: string) => screen.findByRole("article", { name: `Tunnel for ${service}` });

async function openThroughForm(service: string, profile: string) {
  const user = userEvent.setup();
  const rendered = renderWithApi(<TunnelsView />);
  await screen.findByRole("option", { name: `${service} (port ${rendered.api.engine.service(service).spec.port})` });
  await user.selectOptions(screen.getByLabelText("Service"), service);
  await user.selectOptions(screen.getByLabelText("Profile"), profile);
  await user.click(screen.getByRole("button", { name: "Open tunnel" }));
  return { user, ...rendered };
}

describe("TunnelsView", () => {
  it("opens a tunnel through the form and shows its URL, QR code, provider and profile", async () => {
    const { api } = await openThroughForm("web", "staging");
    const web = await card("web");
    const url = api.engine.tunnels.find((t) => t.service === "web")?.public_url;
    expect(url).toMatch(/^https:\/\/[a-z]+-[a-z]+-[a-z]+\.trycloudflare\.com$/);
    expect(web.querySelector(".tunnel-url")?.textContent).toBe(url);
    const qr = within(web).getByRole("img", { name: `QR code for ${url}` });
    expect(qr.tagName.toLowerCase()).toBe("svg");
    expect(qr.querySelector("path")?.getAttribute("d")).toMatch(/^M4 4h7v1h-7z/);
    expect(within(web).getByText("cloudflared")).toBeTruthy();
    expect(within(web).getByText("staging")).toBeTruthy();
    expect(within(web).getByText("open")).toBeTruthy();
    expect(within(web).getByText("checked 0 s ago")).toBeTruthy();
    expect(api.engine.requests).toContainEqual({ type: "open_tunnel", data: { service: "web", profile: "staging" } });
  });

  it("opens with the default profile when none is picked", async () => {
    const { api } = await openThroughForm("db", "default profile");
    expect(within(await card("db")).getByText("personal")).toBeTruthy();
    expect(api.engine.requests).toContainEqual({ type: "open_tunnel", data: { service: "db", profile: null } });
  });

  it("copies the URL through the api and confirms it", async () => {
    const user = userEvent.setup();
    const api = demoApi();
    const copy = vi.spyOn(api, "copyText").mockResolvedValue();
    renderWithApi(<TunnelsView />, api);
    const card_ = await card("api");
    await user.click(within(card_).getByRole("button", { name: "Copy URL" }));
    expect(copy).toHaveBeenCalledWith(api.engine.tunnels[0].public_url);
    expect(within(card_).getByRole("status").textContent).toBe("Copied");
  });

  it("links each card to its tunnel's inspector", async () => {
    renderWithApi(<TunnelsView />);
    const link = within(await card("api")).getByRole("link", { name: "Inspect requests" });
    expect(link.getAttribute("href")).toBe("#inspector/api");
  });

  it("closes a tunnel: its card goes", async () => {
    const user = userEvent.setup();
    const { api } = renderWithApi(<TunnelsView />);
    await user.click(within(await card("api")).getByRole("button", { name: "Close tunnel" }));
    await waitFor(() => expect(screen.queryByRole("article", { name: "Tunnel for api" })).toBeNull());
    expect(api.engine.tunnels).toEqual([]);
    expect(screen.getByText("No tunnels: open one above.")).toBeTruthy();
  });

  it("shows the engine's refusal next to the form, and the failed tunnel", async () => {
    await openThroughForm("web", "work (ngrok)");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "cannot open a tunnel for `web`: ngrok: authentication failed: Usage of ngrok requires a verified account and authtoken (ERR_NGROK_4018)",
    );
    expect(alert.closest("form")?.getAttribute("aria-label")).toBe("Open a tunnel");
    const web = await card("web");
    expect(within(web).getByText("failed")).toBeTruthy();
    expect(within(web).getByText("No public URL yet.")).toBeTruthy();
  });

  it("follows TunnelFailed and TunnelRecreated events", async () => {
    const { api } = renderWithApi(<TunnelsView />);
    await card("api");
    act(() => void failTunnel(api.engine, "api", "the ngrok agent exited"));
    await waitFor(async () => expect(within(await card("api")).getByText("failed")).toBeTruthy());
    expect(within(await card("api")).getByText("the ngrok agent exited")).toBeTruthy();
    act(() => void recreateTunnel(api.engine, "api"));
    await waitFor(async () => expect(within(await card("api")).getByText("open")).toBeTruthy());
    const url = api.engine.tunnels[0].public_url;
    expect((await card("api")).querySelector(".tunnel-url")?.textContent).toBe(url);
    expect(within(await card("api")).queryByText("the ngrok agent exited")).toBeNull();
  });
});

describe("tunnel helpers", () => {
  it("says when a tunnel was last checked", () => {
    expect(checkedAgo(null, 10_000)).toBe("not checked yet");
    expect(checkedAgo(7_000, 10_000)).toBe("checked 3 s ago");
    expect(checkedAgo(0, 150_000)).toBe("checked 2 min ago");
    expect(checkedAgo(0, 7_300_000)).toBe("checked 2 h ago");
  });

  it("draws the QR code with a quiet zone and the finder patterns", () => {
    const { size, d } = qrPath("https://api-1a2b.ngrok-free.app");
    // 31 bytes at level M need version 3: 29 modules, and 4 light ones on each side.
    expect(size).toBe(29 + 8);
    expect(d.startsWith("M4 4h7v1h-7z")).toBe(true);
  });
});
