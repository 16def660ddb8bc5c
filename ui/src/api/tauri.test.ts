import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen, type EventCallback } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApi } from ".";
import { MockApi } from "./mock/mockApi";
import { closeOnCtrlW, EVENT_NAME, TauriApi } from "./tauri";
import type { Event } from "./types/Event";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn(), isTauri: vi.fn(() => false) }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

const invokeMock = vi.mocked(invoke);
const listenMock = vi.mocked(listen);

/** The shell's event bus as `listen` sees it: the handlers registered per event, and who unlistened. */
function fakeBus() {
  const handlers = new Map<string, EventCallback<unknown>[]>();
  const unlistened: string[] = [];
  listenMock.mockImplementation(async (event, handler) => {
    handlers.set(event, [...(handlers.get(event) ?? []), handler as EventCallback<unknown>]);
    return () => {
      unlistened.push(event);
      handlers.set(event, (handlers.get(event) ?? []).filter((h) => h !== handler));
    };
  });
  const emit = (payload: Event) => {
    for (const h of handlers.get(EVENT_NAME) ?? []) h({ event: EVENT_NAME, id: 1, payload });
  };
  return { handlers, unlistened, emit };
}

/** Lets pending promise callbacks (the resolved `listen`, an unlisten) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => {
  invokeMock.mockReset();
  listenMock.mockReset();
});

afterEach(() => {
  vi.mocked(isTauri).mockReturnValue(false);
});

describe("TauriApi", () => {
  it("sends each request through the one `request` command and unpacks the response", async () => {
    invokeMock.mockResolvedValue({ type: "services", data: [] });
    await expect(new TauriApi().listServices()).resolves.toEqual([]);
    expect(invokeMock.mock.calls).toEqual([["request", { request: { type: "list_services" } }]]);
  });

  it("sends a request's data as the contract spells it", async () => {
    invokeMock.mockResolvedValue({ type: "done" });
    await new TauriApi().removeDependency("web", "api");
    expect(invokeMock).toHaveBeenCalledWith("request", {
      request: { type: "remove_dependency", data: { service: "web", depends_on: "api" } },
    });
  });

  it("rejects with the engine's {code, message}", async () => {
    invokeMock.mockRejectedValue({ code: "dependency_cycle", message: "dependency cycle: a -> b -> a" });
    await expect(new TauriApi().removeDependency("a", "b")).rejects.toEqual({
      code: "dependency_cycle", message: "dependency cycle: a -> b -> a",
    });
  });

  it("asks who holds a port and frees one through `request`, unpacking the port status", async () => {
    const status = {
      port: 8899, holder: { pid: 123, command: "python3 -m http.server 8899", service: null, orphan_of: null }, declared_by: ["api"],
    };
    invokeMock.mockResolvedValue({ type: "port", data: status });
    const api = new TauriApi();
    await expect(api.portStatus(8899)).resolves.toEqual(status);
    await expect(api.freePort("api", true)).resolves.toEqual(status);
    expect(invokeMock.mock.calls).toEqual([
      ["request", { request: { type: "port_status", data: { port: 8899 } } }],
      ["request", { request: { type: "free_port", data: { name: "api", kill_foreign: true } } }],
    ]);
    const held = "port 8899 of `api` is held by pid 123 (python3 -m http.server 8899)";
    invokeMock.mockRejectedValue({ code: "port_in_use", message: held });
    await expect(api.freePort("api", false)).rejects.toEqual({ code: "port_in_use", message: held });
  });

  it("refuses a response of the wrong kind", async () => {
    invokeMock.mockResolvedValue({ type: "done" });
    await expect(new TauriApi().listServices()).rejects.toMatchObject({ code: "internal" });
  });

  it("copies through the shell's `copy_text` command", async () => {
    invokeMock.mockResolvedValue(null);
    await new TauriApi().copyText("https://web.example");
    expect(invokeMock.mock.calls).toEqual([["copy_text", { text: "https://web.example" }]]);
  });

  it("reads and sets the start at login through the shell's `autostart` command", async () => {
    const api = new TauriApi();
    invokeMock.mockResolvedValueOnce(false).mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    await expect(api.autostart(null)).resolves.toBe(false);
    await expect(api.autostart(true)).resolves.toBe(true);
    await expect(api.autostart(false)).resolves.toBe(false);
    expect(invokeMock.mock.calls).toEqual([
      ["autostart", { enabled: null }],
      ["autostart", { enabled: true }],
      ["autostart", { enabled: false }],
    ]);
    const refused = { code: "internal", message: "cannot change the start at login: permission denied" };
    invokeMock.mockRejectedValue(refused);
    await expect(api.autostart(true)).rejects.toEqual(refused);
  });

  it("sets the login chain through `request`", async () => {
    invokeMock.mockResolvedValue({ type: "done" });
    await new TauriApi().setLoginChain({ roots: ["db"], strategy: null, max_concurrent: null });
    expect(invokeMock.mock.calls).toEqual([
      ["request", { request: { type: "set_login_chain", data: { chain: { roots: ["db"], strategy: null, max_concurrent: null } } } }],
    ]);
  });

  it("listens to nexsock://event and delivers each payload, then stops on unsubscribe", async () => {
    const bus = fakeBus();
    const seen: Event[] = [];
    const stop = new TauriApi().subscribe((e) => seen.push(e));
    expect(listenMock).toHaveBeenCalledTimes(1);
    expect(listenMock.mock.calls[0][0]).toBe(EVENT_NAME);
    await settle();
    bus.emit({ type: "HostStopping" });
    bus.emit({ type: "ProfilesChanged" });
    expect(seen).toEqual([{ type: "HostStopping" }, { type: "ProfilesChanged" }]);
    stop();
    bus.emit({ type: "ProfilesChanged" });
    await settle();
    expect(bus.unlistened).toEqual([EVENT_NAME]);
    expect(bus.handlers.get(EVENT_NAME)).toEqual([]);
    expect(seen).toHaveLength(2);
  });

  it("delivers to each subscriber, and unsubscribing one leaves the other", async () => {
    const bus = fakeBus();
    const api = new TauriApi();
    const first: Event[] = [];
    const second: Event[] = [];
    const stopFirst = api.subscribe((e) => first.push(e));
    api.subscribe((e) => second.push(e));
    await settle();
    stopFirst();
    bus.emit({ type: "ServiceRemoved", data: { name: "web" } });
    expect(first).toEqual([]);
    expect(second).toEqual([{ type: "ServiceRemoved", data: { name: "web" } }]);
  });

  it("delivers nothing after an unsubscribe that came before Tauri had registered the listener", async () => {
    const bus = fakeBus();
    const seen: Event[] = [];
    new TauriApi().subscribe((e) => seen.push(e))();
    await settle();
    bus.emit({ type: "HostStopping" });
    expect(seen).toEqual([]);
    expect(bus.unlistened).toEqual([EVENT_NAME]);
  });
});

describe("createApi", () => {
  it("uses the mock in a plain browser and the bridge inside the app", () => {
    // The demo backend starts its tunnel checks: on a clock that never runs here.
    vi.useFakeTimers();
    try {
      expect(createApi()).toBeInstanceOf(MockApi);
    } finally {
      vi.useRealTimers();
    }
    vi.mocked(isTauri).mockReturnValue(true);
    expect(createApi()).toBeInstanceOf(TauriApi);
  });
});

describe("closeOnCtrlW", () => {
  it("closes the window through the shell on Ctrl+W and on nothing else", () => {
    invokeMock.mockResolvedValue(undefined);
    const target = new EventTarget();
    closeOnCtrlW(target as unknown as Window);
    const press = (init: KeyboardEventInit) => {
      const e = new KeyboardEvent("keydown", { cancelable: true, ...init });
      target.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(press({ key: "w" })).toBe(false);
    expect(press({ key: "w", ctrlKey: true, shiftKey: true })).toBe(false);
    expect(press({ key: "q", ctrlKey: true })).toBe(false);
    expect(invokeMock).not.toHaveBeenCalled();
    expect(press({ key: "W", ctrlKey: true })).toBe(true);
    expect(invokeMock.mock.calls).toEqual([["close_window"]]);
  });
});
