import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { seedDemo } from "./seed";
import { MASKED, recordExchange, textBody } from "./inspector";

function demo() {
  const api = new MockApi({ now: () => 5_000 });
  seedDemo(api.engine);
  const events: Event[] = [];
  api.subscribe((e) => events.push(e));
  return { api, events };
}

const auth = { name: "authorization", value: "Bearer s3cret" };

describe("MockApi request inspector", () => {
  it("lists what came through a tunnel in the order recorded, announcing each by its id only", async () => {
    const { api, events } = demo();
    recordExchange(api.engine, "api", { path: "/a?x=1" });
    recordExchange(api.engine, "api", { method: "POST", path: "/b", request_headers: [auth] });
    expect(events).toEqual([
      { type: "ExchangeRecorded", data: { service: "api", exchange_id: 1 } },
      { type: "ExchangeRecorded", data: { service: "api", exchange_id: 2 } },
    ]);
    const all = await api.listExchanges("api", null, null, false);
    expect(all.map((e) => [e.id, e.method, e.path])).toEqual([[1, "GET", "/a?x=1"], [2, "POST", "/b"]]);
    expect(all.map((e) => e.via)).toEqual([{ kind: "tunnel" }, { kind: "tunnel" }]);
    expect((await api.listExchanges("api", null, 1, false)).map((e) => e.id)).toEqual([2]);
    expect((await api.listExchanges("api", 1, null, false)).map((e) => e.id)).toEqual([2]);
  });

  it("masks sensitive headers unless revealed", async () => {
    const { api } = demo();
    recordExchange(api.engine, "api", { request_headers: [auth, { name: "accept", value: "*/*" }] });
    const [masked] = await api.listExchanges("api", null, null, false);
    expect(masked.request_headers).toEqual([{ name: "authorization", value: MASKED }, { name: "accept", value: "*/*" }]);
    const [revealed] = await api.listExchanges("api", null, null, true);
    expect(revealed.request_headers[0]).toEqual(auth);
  });

  it("replays a request as a new exchange marked as its replay, and refuses an unknown or cut one", async () => {
    const { api, events } = demo();
    recordExchange(api.engine, "api", { method: "POST", path: "/hook", request_headers: [auth], request_body: textBody("{}") });
    const replay = await api.replayExchange("api", 1, false);
    expect(replay).toMatchObject({ id: 2, replay_of: 1, method: "POST", path: "/hook", client_addr: null, via: { kind: "replay" } });
    expect(replay.request_headers[0].value).toBe(MASKED);
    expect(events.at(-1)).toEqual({ type: "ExchangeRecorded", data: { service: "api", exchange_id: 2 } });
    await expect(api.replayExchange("api", 9, false)).rejects.toMatchObject({ code: "unknown_exchange" });
    recordExchange(api.engine, "api", { request_body: textBody("x".repeat(70_000)) });
    await expect(api.replayExchange("api", 3, false)).rejects.toMatchObject({ code: "invalid_argument" });
  });

  it("answers unknown_tunnel without a tunnel, and a closed tunnel takes its exchanges with it", async () => {
    const { api } = demo();
    await expect(api.listExchanges("web", null, null, false)).rejects.toMatchObject({ code: "unknown_tunnel" });
    recordExchange(api.engine, "api");
    await api.closeTunnel("api");
    await expect(api.listExchanges("api", null, null, false)).rejects.toMatchObject({ code: "unknown_tunnel" });
    await api.openTunnel("api", null);
    expect(await api.listExchanges("api", null, null, false)).toEqual([]);
  });
});
