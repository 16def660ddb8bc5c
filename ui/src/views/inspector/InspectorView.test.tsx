import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { MASKED, recordExchange, textBody } from "../../api/mock/inspector";
import { demoApi, renderWithApi } from "../../test/render";
import { InspectorView } from "./InspectorView";

const auth = { name: "authorization", value: "Bearer s3cret" };

/** The demo with two requests through `api`'s tunnel: a GET with a query, a JSON POST with a token. */
function withRequests() {
  const api = demoApi();
  recordExchange(api.engine, "api", { path: "/items?page=2", response_body: textBody("ok") });
  recordExchange(api.engine, "api", {
    method: "POST", path: "/hook", status: 201,
    request_headers: [{ name: "content-type", value: "application/json" }, auth],
    request_body: textBody(`{"event":"paid","amount":42}`),
    response_headers: [{ name: "content-type", value: "application/json" }],
    response_body: textBody(`{"ok":true}`),
  });
  return api;
}

const row = (id: number) => screen.findByTestId(`exchange-${id}`);

async function openRequest(id: number) {
  const user = userEvent.setup();
  await user.click(within(await row(id)).getByRole("button", { name: /^Show request #/ }));
  return { user, detail: await screen.findByRole("region", { name: `Request #${id}` }) };
}

describe("InspectorView", () => {
  it("lists the recorded requests, newest last, and follows new ones without a reload", async () => {
    const { api } = renderWithApi(<InspectorView service="api" onPick={() => {}} />, withRequests());
    expect((await row(1)).textContent).toContain("/items?page=2");
    const post = await row(2);
    expect(within(post).getByText("POST")).toBeTruthy();
    expect(within(post).getByText("201")).toBeTruthy();
    expect(screen.getAllByRole("row").slice(1).map((r) => r.getAttribute("data-testid"))).toEqual(["exchange-1", "exchange-2"]);
    act(() => void recordExchange(api.engine, "api", { path: "/late", status: 404 }));
    expect(within(await row(3)).getByText("404")).toBeTruthy();
    const asked = api.engine.requests.filter((r) => r.type === "list_exchanges");
    expect(asked.at(-1)).toEqual({ type: "list_exchanges", data: { service: "api", limit: null, after: 2, reveal: false } });
  });

  it("shows a request's headers masked and its JSON body pretty-printed; Show secrets asks again with reveal", async () => {
    const { api } = renderWithApi(<InspectorView service="api" onPick={() => {}} />, withRequests());
    const { user, detail } = await openRequest(2);
    const headers = within(detail).getByRole("table", { name: "Request headers" });
    expect(within(headers).getByRole("row", { name: /authorization/ }).textContent).toBe(`authorization${MASKED}`);
    expect(within(detail).getByLabelText("Request body").textContent).toBe('{\n  "event": "paid",\n  "amount": 42\n}');
    expect(within(detail).getByLabelText("Response body").textContent).toBe('{\n  "ok": true\n}');
    expect(detail.textContent).not.toContain("s3cret");
    await user.click(screen.getByRole("checkbox", { name: "Show secrets" }));
    await waitFor(async () => {
      const shown = await screen.findByRole("table", { name: "Request headers" });
      expect(within(shown).getByRole("row", { name: /authorization/ }).textContent).toBe("authorizationBearer s3cret");
    });
    expect(api.engine.requests).toContainEqual({ type: "list_exchanges", data: { service: "api", limit: 200, after: null, reveal: true } });
  });

  it("replays a request and opens the replay", async () => {
    const { api } = renderWithApi(<InspectorView service="api" onPick={() => {}} />, withRequests());
    const { user, detail } = await openRequest(2);
    await user.click(within(detail).getByRole("button", { name: "Replay" }));
    const replay = await screen.findByRole("region", { name: "Request #3" });
    expect(replay.textContent).toContain("replay of #2");
    expect(within(await row(3)).getByText("replay of #2")).toBeTruthy();
    expect(within(await row(3)).getByRole("button", { name: /Show request #3/ }).getAttribute("aria-pressed")).toBe("true");
    expect(api.engine.requests).toContainEqual({ type: "replay_exchange", data: { service: "api", id: 2, reveal: false } });
  });

  it("shows the engine's refusal of a replay", async () => {
    const api = withRequests();
    recordExchange(api.engine, "api", { method: "PUT", request_body: textBody("x".repeat(70_000)) });
    renderWithApi(<InspectorView service="api" onPick={() => {}} />, api);
    const { user, detail } = await openRequest(3);
    expect(within(detail).getByText(/only the first 64 KiB of 68\.4 KiB kept/)).toBeTruthy();
    await user.click(within(detail).getByRole("button", { name: "Replay" }));
    expect((await within(detail).findByRole("alert")).textContent).toMatch(/cannot be replayed/);
  });

  it("marks a request another local process sent to the proxy, not those through the tunnel or replays", async () => {
    const api = withRequests();
    const command = "/usr/bin/curl -s http://127.0.0.1:41000/peek";
    recordExchange(api.engine, "api", { path: "/peek", via: { kind: "local", pid: 4242, uid: 1000, command } });
    renderWithApi(<InspectorView service="api" onPick={() => {}} />, api);
    const mark = within(await row(3)).getByTestId("exchange-3-local");
    expect(mark.textContent).toBe("local pid 4242");
    expect(mark.getAttribute("title")).toBe(`not through the tunnel: sent to the inspector's port by pid 4242 (${command})`);
    expect(within(await row(1)).queryByText(/local/)).toBeNull();
    const { user, detail } = await openRequest(3);
    expect(detail.textContent).toContain(`local pid 4242 not through the tunnel: sent to the inspector's port by pid 4242 (${command})`);
    await user.click(within(detail).getByRole("button", { name: "Replay" }));
    await screen.findByRole("region", { name: "Request #4" });
    expect(within(await row(4)).queryByTestId("exchange-4-local")).toBeNull();
  });

  it("marks a request from another user's process, whose pid is hidden, by its user", async () => {
    const api = withRequests();
    recordExchange(api.engine, "api", { path: "/other", via: { kind: "local", pid: null, uid: 1001, command: null } });
    renderWithApi(<InspectorView service="api" onPick={() => {}} />, api);
    const mark = within(await row(3)).getByTestId("exchange-3-local");
    expect(mark.textContent).toBe("local, uid 1001");
    expect(mark.getAttribute("title")).toBe("not through the tunnel: sent to the inspector's port by uid 1001");
  });

  it("copies the request as curl against the tunnel's public URL", async () => {
    const api = withRequests();
    const copy = vi.spyOn(api, "copyText").mockResolvedValue();
    renderWithApi(<InspectorView service="api" onPick={() => {}} />, api);
    const { user, detail } = await openRequest(2);
    await user.click(within(detail).getByRole("button", { name: "Copy as curl" }));
    const url = api.engine.tunnels[0].public_url;
    expect(copy).toHaveBeenCalledWith(
      `curl -X 'POST' '${url}/hook' -H 'content-type: application/json' -H 'authorization: ${MASKED}' --data-binary '{"event":"paid","amount":42}'`,
    );
    expect(within(detail).getByRole("status").textContent).toMatch(/^Copied \(masked values/);
  });

  it("says when the service has no tunnel, and offers the tunnels there are", async () => {
    const user = userEvent.setup();
    const onPick = vi.fn();
    renderWithApi(<InspectorView service="web" onPick={onPick} />);
    expect((await screen.findByRole("alert")).textContent).toBe("web has no tunnel open: open one in Tunnels to record its requests.");
    await screen.findByRole("option", { name: "api" });
    await user.selectOptions(screen.getByLabelText("Tunnel"), "api");
    expect(onPick).toHaveBeenCalledWith("api");
  });
});
