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

/** Implements every `Api` method by sending its request and unpacking the expected response. */
export class BridgeApi implements Api {
  constructor(
    private readonly send: Send,
    private readonly listen: Listen,
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
  removeService = async (name: string) => void (await this.expect({ type: "remove_service", data: { name } }, "done"));
  startService = (name: string) => this.expect({ type: "start_service", data: { name } }, "status");
  stopService = async (name: string, cascade: boolean) =>
    void (await this.send({ type: "stop_service", data: { name, cascade } }));
  restartService = async (name: string, checkDeps: boolean) =>
    void (await this.send({ type: "restart_service", data: { name, check_deps: checkDeps } }));
  startChain = (data: Parameters<Api["startChain"]>[0]) => this.expect({ type: "start_chain", data }, "execution");
  addDependency = async (data: Parameters<Api["addDependency"]>[0]) =>
    (await this.expect({ type: "add_dependency", data }, "dependency")).edge;
  removeDependency = async (service: string, dependsOn: string) =>
    void (await this.expect({ type: "remove_dependency", data: { service, depends_on: dependsOn } }, "done"));
  exportStack = () => this.expect({ type: "export" }, "stack");
  applyStack = (data: Parameters<Api["applyStack"]>[0]) => this.expect({ type: "apply", data }, "applied");
  configureService = async (name: string, tunnelProfile: string | null) =>
    void (await this.send({ type: "configure_service", data: { name, tunnel_profile: tunnelProfile } }));
  listProfiles = () => this.expect({ type: "list_profiles" }, "profiles");
  listTunnels = () => this.expect({ type: "list_tunnels" }, "tunnels");
  subscribe = (onEvent: (event: Event) => void) => this.listen(onEvent);
}
