import { describe, expect, it } from "vitest";
import type { Event } from "../types/Event";
import { MockApi } from "./mockApi";
import { print } from "./logs";
import { seedDemo } from "./seed";

function demo() {
  const api = new MockApi();
  seedDemo(api.engine);
  return api;
}

describe("MockApi logs", () => {
  it("prints a few lines as a service starts and emits them as Log events", async () => {
    const api = demo();
    const events: Event[] = [];
    api.subscribe((e) => events.push(e));
    await api.startService("db");
    const lines = await api.logs("db", null);
    expect(lines.map((l) => l.text)).toEqual(["$ ./run-db", expect.stringMatching(/^db starting \(pid \d+\)$/), "listening on :5432"]);
    expect(events.filter((e) => e.type === "Log").map((e) => e.data)).toEqual(lines.map((line) => ({ service: "db", line })));
  });

  it("answers with the last `tail` lines", async () => {
    const api = demo();
    for (let i = 1; i <= 5; i++) print(api.engine, "web", `line ${i}`);
    expect((await api.logs("web", 2)).map((l) => l.text)).toEqual(["line 4", "line 5"]);
    expect(await api.logs("web", 0)).toEqual([]);
    expect(await api.logs("web", 50)).toHaveLength(5);
    expect(await api.logs("cache", null)).toEqual([]);
    expect(api.engine.requests.at(-4)).toEqual({ type: "logs", data: { name: "web", tail: 2, follow: false } });
  });

  it("prints why a start failed on stderr", async () => {
    const api = demo();
    api.engine.failing.set("cache", "exited with code 1");
    await api.startService("cache");
    expect((await api.logs("cache", 1))[0]).toMatchObject({ stream: "stderr", text: "error: exited with code 1" });
  });

  it("refuses an unknown service", async () => {
    await expect(demo().logs("nope", 10)).rejects.toEqual({
      code: "unknown_service", message: "no service named `nope` (see `nexsock service list`)",
    });
  });
});
