import { afterEach, describe, expect, it } from "vitest";
import { createApi } from ".";
import { MockApi } from "./mock/mockApi";
import { EVENT_NAME, TauriApi, type TauriInternals } from "./tauri";
import type { Event } from "./types/Event";

/** A stand-in for the injected bridge that records calls and answers like the shell. */
function fakeTauri(answer: (cmd: string, args: Record<string, unknown> | undefined) => unknown) {
  const calls: [string, Record<string, unknown> | undefined][] = [];
  const callbacks = new Map<number, (payload: unknown) => void>();
  const tauri: TauriInternals = {
    invoke: async (cmd, args) => {
      calls.push([cmd, args]);
      return answer(cmd, args);
    },
    transformCallback: (cb) => {
      callbacks.set(callbacks.size + 1, cb);
      return callbacks.size;
    },
  };
  return { tauri, calls, callbacks };
}

afterEach(() => {
  delete window.__TAURI_INTERNALS__;
});

describe("TauriApi", () => {
  it("sends each request through the one `request` command and unpacks the response", async () => {
    const { tauri, calls } = fakeTauri(() => ({ type: "services", data: [] }));
    await expect(new TauriApi(tauri).listServices()).resolves.toEqual([]);
    expect(calls).toEqual([["request", { request: { type: "list_services" } }]]);
  });

  it("rejects with the engine's {code, message}", async () => {
    const { tauri } = fakeTauri(() => Promise.reject({ code: "dependency_cycle", message: "dependency cycle: a -> b -> a" }));
    await expect(new TauriApi(tauri).removeDependency("a", "b")).rejects.toEqual({
      code: "dependency_cycle", message: "dependency cycle: a -> b -> a",
    });
  });

  it("refuses a response of the wrong kind", async () => {
    const { tauri } = fakeTauri(() => ({ type: "done" }));
    await expect(new TauriApi(tauri).listServices()).rejects.toMatchObject({ code: "internal" });
  });

  it("listens to nexsock://event and delivers the payload, then unlistens", async () => {
    const { tauri, calls, callbacks } = fakeTauri((cmd) => (cmd === "plugin:event|listen" ? 7 : null));
    const seen: Event[] = [];
    const stop = new TauriApi(tauri).subscribe((e) => seen.push(e));
    expect(calls[0]).toEqual(["plugin:event|listen", { event: EVENT_NAME, target: { kind: "Any" }, handler: 1 }]);
    callbacks.get(1)!({ event: EVENT_NAME, id: 7, payload: { type: "HostStopping" } });
    expect(seen).toEqual([{ type: "HostStopping" }]);
    stop();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.at(-1)).toEqual(["plugin:event|unlisten", { event: EVENT_NAME, eventId: 7 }]);
  });
});

describe("createApi", () => {
  it("uses the mock in a plain browser and the bridge inside the app", () => {
    expect(createApi()).toBeInstanceOf(MockApi);
    window.__TAURI_INTERNALS__ = fakeTauri(() => null).tauri;
    expect(createApi()).toBeInstanceOf(TauriApi);
  });
});
