//! `Api` over a function that answers one contract `Request` with its `Response`. Both the Tauri
//! bridge and the mock engine speak the contract, so the request shapes are the same in both.

import type { Api, Unsubscribe } from "./api";
import type { Event } from "./types/Event";
import type { Request } from "./types/Request";
import type { Response } from "./types/Response";

/** Sends one request; rejects with an `ApiError`. */
export type Send = (request: Request) => Promise<Response>;
/** Starts delivering events; returns how to stop. */
export type Listen = (onEvent: (event: Event) => void) => Unsubscribe;

type Data<T extends Response["type"]> = Extract<Response, { type: T }> extends { data: infer D } ? D : never;

/** Writes text to the clipboard. */
export type Copy = (text: string) => Promise<void>;

/** The browser's clipboard: what the mock uses outside the app. */
export const browserCopy: Copy = async (text) => {
  if (!navigator.clipboard) throw { code: "internal", message: "no clipboard is available here" };
  await navigator.clipboard.writeText(text);
};

/** Reads (`null`) or turns on or off the start at login; answers whether it is on. */
export type Autostart = (enabled: boolean | null) => Promise<boolean>;

/** The start at login outside the app, held in memory (off at first): what the mock uses. `calls`
 *  records what was asked; with `error` set every call fails as the shell's command would. */
export class MemoryAutostart {
  enabled = false;
  error: string | null = null;
  readonly calls: (boolean | null)[] = [];

  readonly call: Autostart = async (enabled) => {
    this.calls.push(enabled);
    if (this.error !== null) throw { code: "internal", message: `cannot change the start at login: ${this.error}` };
    if (enabled !== null) this.enabled = enabled;
    return this.enabled;
  };
}

/** Implements every `Api` method by sending its request and unpacking the expected response. */
export class BridgeApi implements Api {
  constructor(
    private readonly send: Send,
    private readonly listen: Listen,
    private readonly copy: Copy = browserCopy,
    private readonly startAtLogin: Autostart = new MemoryAutostart().call,
  ) {}

  private async expect<T extends Response["type"]>(request: Request, type: T): Promise<Data<T>> {
    const response = await this.send(request);
    if (response.type !== type) {
      throw { code: "internal", message: `expected a \`${type}\` response, got \`${response.type}\`` };
    }
    return (response as { data?: unknown }).data as Data<T>;
  }

  listServices = () => this.expect({ type: "list_services" }, "services");
  addService = (spec: Parameters<Api["addService"]>[0]) => this.expect({ type: "add_service", data: spec }, "service");
  serviceDetail = (name: string) => this.expect({ type: "service_status", data: { name, reveal: false } }, "service");
  editService = (spec: Parameters<Api["editService"]>[0]) => this.expect({ type: "edit_service", data: spec }, "service");
  removeService = async (name: string) => void (await this.expect({ type: "remove_service", data: { name } }, "removed"));
  startService = (name: string) => this.expect({ type: "start_service", data: { name } }, "status");
  stopService = async (name: string, cascade: boolean) =>
    void (await this.send({ type: "stop_service", data: { name, cascade } }));
  restartService = async (name: string, checkDeps: boolean) =>
    void (await this.send({ type: "restart_service", data: { name, check_deps: checkDeps } }));
  startChain = (data: Parameters<Api["startChain"]>[0]) => this.expect({ type: "start_chain", data }, "execution");
  planChain = (data: Parameters<Api["planChain"]>[0]) => this.expect({ type: "plan_chain", data }, "plan");
  history = (name: string, limit: number | null) => this.expect({ type: "history", data: { name, limit } }, "history");
  addDependency = async (data: Parameters<Api["addDependency"]>[0]) =>
    (await this.expect({ type: "add_dependency", data }, "dependency")).edge;
  removeDependency = async (service: string, dependsOn: string) =>
    void (await this.expect({ type: "remove_dependency", data: { service, depends_on: dependsOn } }, "done"));
  logs = (name: string, tail: number | null) => this.expect({ type: "logs", data: { name, tail, follow: false } }, "logs");
  exportStack = () => this.expect({ type: "export" }, "stack");
  applyStack = (stack: Parameters<Api["applyStack"]>[0]) =>
    this.expect({ type: "apply", data: { stack, dry_run: false, prune: false } }, "applied");
  importFile = (data: Parameters<Api["importFile"]>[0]) => this.expect({ type: "import", data }, "imported");
  configureService = async (name: string, tunnelProfile: string | null) =>
    void (await this.send({ type: "configure_service", data: { name, tunnel_profile: tunnelProfile } }));
  listProfiles = () => this.expect({ type: "list_profiles" }, "profiles");
  listTunnels = () => this.expect({ type: "list_tunnels" }, "tunnels");
  openTunnel = (service: string, profile: string | null) =>
    this.expect({ type: "open_tunnel", data: { service, profile } }, "tunnel");
  // The engine answers with the closed tunnel; the UI only needs to know it is gone.
  closeTunnel = async (service: string) => void (await this.send({ type: "close_tunnel", data: { service } }));
  listExchanges = (service: string, limit: number | null, after: number | null, reveal: boolean) =>
    this.expect({ type: "list_exchanges", data: { service, limit, after, reveal } }, "exchanges");
  replayExchange = (service: string, id: number, reveal: boolean) =>
    this.expect({ type: "replay_exchange", data: { service, id, reveal } }, "exchange");
  serviceEnv = (name: string, reveal: boolean) => this.expect({ type: "service_env", data: { name, reveal } }, "env");
  addProfile = async (spec: Parameters<Api["addProfile"]>[0]) =>
    void (await this.expect({ type: "add_profile", data: spec }, "done"));
  removeProfile = async (name: string) => void (await this.expect({ type: "remove_profile", data: { name } }, "done"));
  setProfileToken = async (name: string, token: string) =>
    void (await this.expect({ type: "set_profile_token", data: { name, token } }, "done"));
  setDefaultProfile = async (name: string) =>
    void (await this.expect({ type: "set_default_profile", data: { name } }, "done"));
  getSettings = () => this.expect({ type: "get_settings" }, "settings");
  setDefaultStrategy = async (strategy: string) =>
    void (await this.expect({ type: "set_default_strategy", data: { strategy } }, "done"));
  addStrategy = async (spec: Parameters<Api["addStrategy"]>[0]) =>
    void (await this.expect({ type: "add_strategy", data: spec }, "done"));
  removeStrategy = async (name: string) => void (await this.expect({ type: "remove_strategy", data: { name } }, "done"));
  setLoginChain = async (chain: Parameters<Api["setLoginChain"]>[0]) =>
    void (await this.expect({ type: "set_login_chain", data: { chain } }, "done"));
  portStatus = (port: number) => this.expect({ type: "port_status", data: { port } }, "port");
  freePort = (name: string, killForeign: boolean) =>
    this.expect({ type: "free_port", data: { name, kill_foreign: killForeign } }, "port");
  copyText = (text: string) => this.copy(text);
  autostart = (enabled: boolean | null) => this.startAtLogin(enabled);
  subscribe = (onEvent: (event: Event) => void) => this.listen(onEvent);
}
