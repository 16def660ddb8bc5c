//! An in-memory engine that answers contract `Request`s like the real one does for the UI's
//! needs: the same validation codes and messages, cycle refusal with the path, and an `Event` for
//! every change, sent when the real engine sends it (so the window needs no polling against it).
//! A run that ends by itself (`exits.ts`) ends `completed` on exit code 0 unless its restart policy
//! starts it again; a stop by request makes a completed service `stopped`; a start clears it.

import type { ChainRequest } from "../types/ChainRequest";
import type { DependencySpec } from "../types/DependencySpec";
import type { Event } from "../types/Event";
import type { ExecutionReport } from "../types/ExecutionReport";
import type { LogLine } from "../types/LogLine";
import type { ProfileInfo } from "../types/ProfileInfo";
import type { Request } from "../types/Request";
import type { Response } from "../types/Response";
import type { ServiceSpec } from "../types/ServiceSpec";
import type { ServiceState } from "../types/ServiceState";
import type { ServiceStatus } from "../types/ServiceStatus";
import type { StrategySpec } from "../types/StrategySpec";
import type { TunnelInfo } from "../types/TunnelInfo";
import { isDown } from "../states";
import { MASKED, maskSecrets } from "../env";
import { STRATEGIES } from "../strategies";
import { startChain } from "./chain";
import { planChain } from "./plan";
import { addDependency, removeDependency } from "./deps";
import { serviceEnv } from "./env";
import { endRun, exitCodeOf } from "./exits";
import { history } from "./history";
import { importFile } from "./imports";
import { listExchanges, replayExchange } from "./inspector";
import { print, printOutcome, printSpawned, readLogs } from "./logs";
import { blockingHolder, freePort, portInUseMessage, portStatus, type SeededHolder } from "./ports";
import { addProfile, BUILTIN_PROVIDERS, removeProfile, setDefaultProfile, setProfileToken } from "./profiles";
import { addStrategy, getSettings, removeStrategy, setDefaultStrategy, setLoginChain } from "./settings";
import { applyStack, exportStack } from "./stack";
import { checkTunnels, closeTunnel, dropTunnel, listTunnels, openTunnel } from "./tunnels";
import { fail, validateSpec } from "./validate";

/** A spec as answers and events carry it: secret-looking values masked. */
function masked(spec: ServiceSpec): ServiceSpec {
  return { ...spec, env: maskSecrets(spec.env) as ServiceSpec["env"] };
}

/** One service: what is configured and what is happening. */
export interface MockService {
  spec: ServiceSpec;
  status: ServiceStatus;
}

/** Knobs for tests and the browser demo. */
export interface MockOptions {
  /** How long a service takes to become ready; 0 in tests. */
  stepDelayMs?: number;
  /** The clock, in Unix ms. */
  now?: () => number;
}

/** The mock engine's state and its request handler. */
export class MockEngine {
  readonly services = new Map<string, MockService>();
  edges: DependencySpec[] = [];
  profiles: ProfileInfo[] = [];
  tunnels: TunnelInfo[] = [];
  /** Services whose next starts fail, with the reason (tests use this to show failures). */
  readonly failing = new Map<string, string>();
  /** Services whose runs exit by themselves once ready, with the exit code (0: a one-shot that did
   *  its job), or `null` for one that keeps running; unlisted, the command says (`exits.ts`). */
  readonly exits = new Map<string, number | null>();
  /** Each service's run, counted up by every spawn: an exit of an older run is stale. */
  readonly generations = new Map<string, number>();
  /** Services whose tunnels fail to open, with the provider's reason. */
  readonly failingTunnels = new Map<string, string>();
  /** Processes listening on a port that are no running service, by port: a foreign one, or an
   *  orphan of an earlier run (`orphan_of`). Tests seed them; a running service holds its own
   *  port without an entry here (see `ports.ts`). */
  readonly portHolders = new Map<number, SeededHolder>();
  /** Profile tokens by profile name: the engine's keyring, never answered. */
  readonly secrets = new Map<string, string>();
  /** Why storing a token fails, when the keyring is unusable. */
  keyringError: string | null = null;
  /** Tunnel providers by name: the built-ins, plus custom ones a test registers. */
  providers: string[] = [...BUILTIN_PROVIDERS];
  /** Strategy names in registration order, and the default for chains that name none. */
  strategies: string[] = [...STRATEGIES];
  defaultStrategy = "concurrent";
  /** The strategies declared at run time (`settings.ts`), by name; their names end `strategies`. */
  customStrategies: StrategySpec[] = [];
  /** The chain the desktop app starts when it starts at login (`settings.ts`); none at first. */
  loginChain: ChainRequest | null = null;
  /** Every request received, oldest first, so tests can check what the UI asked for. */
  readonly requests: Request[] = [];
  /** Each service's output, oldest line first (see `logs.ts`). */
  readonly logs = new Map<string, LogLine[]>();
  executions = 0;
  /** Every finished chain start's report, newest first (see `history.ts`). */
  reports: ExecutionReport[] = [];
  private readonly listeners = new Set<(event: Event) => void>();
  /** Runs that end by themselves and have not yet (see `settled`). */
  private readonly ending = new Set<Promise<void>>();

  constructor(readonly options: MockOptions = {}) {}

  now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** Delivers events to `onEvent` until the returned function is called. */
  listen(onEvent: (event: Event) => void): () => void {
    this.listeners.add(onEvent);
    return () => this.listeners.delete(onEvent);
  }

  emit(event: Event): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  service(name: string): MockService {
    return this.services.get(name) ?? fail("unknown_service", `no service named \`${name}\` (see \`nexsock service list\`)`);
  }

  /** Moves a service to `state` (with `extra` status fields) and broadcasts it. */
  setState(name: string, state: ServiceState, reason: string | null = null, extra: Partial<ServiceStatus> = {}): ServiceStatus {
    const svc = this.service(name);
    const up = state === "starting" || state === "ready";
    svc.status = {
      ...svc.status,
      state,
      reason,
      pid: up ? (svc.status.pid ?? 10000 + Math.floor(Math.random() * 50000)) : null,
      since_ms: up ? (svc.status.since_ms ?? this.now()) : null,
      ...extra,
    };
    this.emit({ type: "ServiceChanged", data: svc.status });
    return svc.status;
  }

  /** Starts one service and waits until it is ready or failed (a completed one starts again, which
   *  clears `completed`). Refused with `port_in_use` (the service failed with that reason, nothing
   *  spawned) while something else holds its port. A run that ends by itself exits afterwards. */
  async start(name: string): Promise<ServiceStatus> {
    const state = this.service(name).status.state;
    if (state === "ready" || state === "starting") return this.service(name).status;
    return this.spawn(name, 0);
  }

  /** One run of `name`, `restarts` automatic restarts in a row: spawned, then ready or failed; a
   *  run that ends by itself (`exits.ts`) then exits after a pause, which `settled` waits for. */
  async spawn(name: string, restarts: number): Promise<ServiceStatus> {
    const held = blockingHolder(this, name);
    if (held) {
      const message = portInUseMessage(name, held.port, held.holder);
      this.setState(name, "failed", message);
      fail("port_in_use", message);
    }
    const generation = (this.generations.get(name) ?? 0) + 1;
    this.generations.set(name, generation);
    this.setState(name, "starting", null, { restarts });
    printSpawned(this, name);
    await this.pause();
    const reason = this.failing.get(name);
    printOutcome(this, name, reason);
    if (reason) return this.setState(name, "failed", reason);
    const status = this.setState(name, "ready");
    const code = exitCodeOf(this, name);
    if (code !== null) {
      const ending = endRun(this, name, generation, code).finally(() => this.ending.delete(ending));
      this.ending.add(ending);
    }
    return status;
  }

  /** Resolves once every run that ends by itself has ended, restarts included. */
  async settled(): Promise<void> {
    while (this.ending.size > 0) await Promise.all([...this.ending]);
  }

  pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.stepDelayMs ?? 0));
  }

  /** Runs the engine's tunnel health checks every `everyMs` (all pass: `TunnelChecked`), for the
   *  browser demo; returns how to stop them. */
  startTunnelChecks(everyMs: number): () => void {
    const timer = setInterval(() => checkTunnels(this), everyMs);
    return () => clearInterval(timer);
  }

  /** Inserts a validated spec and announces it with `ServiceAdded`. */
  add(spec: ServiceSpec): MockService {
    validateSpec(spec);
    if (this.services.has(spec.name)) fail("duplicate_service", `a service named \`${spec.name}\` already exists`);
    const status: ServiceStatus = {
      name: spec.name, state: "stopped", pid: null, port: spec.port, since_ms: null,
      reason: null, restarts: 0, last_exit: null, tunnel_profile: null, restart_to_apply: false, log_write_failures: 0, last_log_error: null,
      tags: spec.tags ?? [],
    };
    const svc = { spec, status };
    this.services.set(spec.name, svc);
    this.emit({ type: "ServiceAdded", data: { spec, status } });
    return svc;
  }

  /** Replaces a service's definition (a masked value keeps the stored one): `ServiceUpdated`. A
   *  running service shows `restart_to_apply` until its next start. */
  edit(spec: ServiceSpec): MockService {
    validateSpec(spec);
    const svc = this.service(spec.name);
    const env = Object.fromEntries(
      Object.entries(spec.env).map(([k, v]) => [k, v === MASKED && k in svc.spec.env ? svc.spec.env[k] : v]),
    );
    svc.spec = { ...spec, env };
    svc.status = { ...svc.status, port: spec.port, restart_to_apply: !isDown(svc.status.state), tags: spec.tags ?? [] };
    this.emit({ type: "ServiceUpdated", data: { spec: masked(svc.spec), status: svc.status } });
    return svc;
  }

  /** Drops a down (stopped, failed, completed) service with every edge to or from it: `ServiceRemoved`. */
  private remove(name: string): Response {
    const svc = this.service(name);
    if (!isDown(svc.status.state)) {
      fail("service_busy", `service \`${svc.spec.name}\` is ${svc.status.state}; stop it first`);
    }
    this.services.delete(name);
    const removed = this.edges.filter((e) => e.service === name || e.depends_on === name);
    this.edges = this.edges.filter((e) => e.service !== name && e.depends_on !== name);
    this.emit({ type: "ServiceRemoved", data: { name } });
    return { type: "removed", data: { name, edges: removed } };
  }

  /** Sets a service's tunnel profile: `ServiceChanged` (its status shows it), then `ServiceUpdated`. */
  private configure(name: string, profile: string | null): Response {
    const svc = this.service(name);
    if (profile !== null && !this.profiles.some((p) => p.spec.name === profile)) {
      fail("invalid_profile", `no profile named \`${profile}\``);
    }
    svc.status = { ...svc.status, tunnel_profile: profile };
    this.emit({ type: "ServiceChanged", data: svc.status });
    const detail = { spec: svc.spec, status: svc.status };
    this.emit({ type: "ServiceUpdated", data: detail });
    return { type: "service", data: detail };
  }

  /** Answers one request the way the engine does. */
  async handle(request: Request): Promise<Response> {
    this.requests.push(request);
    switch (request.type) {
      case "list_services":
        return { type: "services", data: [...this.services.values()].map((s) => s.status) };
      case "service_status": {
        const svc = this.service(request.data.name);
        return { type: "service", data: { spec: request.data.reveal ? svc.spec : masked(svc.spec), status: svc.status } };
      }
      case "edit_service": {
        const svc = this.edit(request.data);
        return { type: "service", data: { spec: masked(svc.spec), status: svc.status } };
      }
      case "add_service": {
        const svc = this.add(request.data);
        return { type: "service", data: { spec: svc.spec, status: svc.status } };
      }
      case "remove_service":
        return this.remove(request.data.name);
      case "start_service":
        return { type: "status", data: await this.start(request.data.name) };
      case "stop_service":
        return this.stop(request.data.name, request.data.cascade);
      case "restart_service":
        // A restart keeps the service's tunnel: only a stop closes it.
        await this.halt(request.data.name);
        return { type: "status", data: await this.start(request.data.name) };
      case "stop_all":
        for (const name of this.services.keys()) await this.stop(name, false);
        return { type: "done" };
      case "start_chain":
        return { type: "execution", data: await startChain(this, request.data) };
      case "plan_chain":
        return { type: "plan", data: planChain(this, request.data) };
      case "history":
        return { type: "history", data: history(this, request.data.name, request.data.limit) };
      case "add_dependency":
        return addDependency(this, request.data);
      case "remove_dependency":
        return removeDependency(this, request.data.service, request.data.depends_on);
      case "logs":
        return readLogs(this, request.data.name, request.data.tail);
      case "export":
        return { type: "stack", data: exportStack(this) };
      case "apply":
        return { type: "applied", data: applyStack(this, request.data.stack) };
      case "import":
        return { type: "imported", data: importFile(this, request.data) };
      case "configure_service":
        return this.configure(request.data.name, request.data.tunnel_profile);
      case "list_profiles":
        return { type: "profiles", data: this.profiles };
      case "list_tunnels":
        return { type: "tunnels", data: listTunnels(this) };
      case "open_tunnel":
        return { type: "tunnel", data: await openTunnel(this, request.data.service, request.data.profile) };
      case "close_tunnel":
        return { type: "tunnel", data: closeTunnel(this, request.data.service) };
      case "list_exchanges": {
        const { service, limit, after, reveal } = request.data;
        return { type: "exchanges", data: listExchanges(this, service, limit, after, reveal) };
      }
      case "replay_exchange": {
        const { service, id, reveal } = request.data;
        await this.pause();
        return { type: "exchange", data: replayExchange(this, service, id, reveal) };
      }
      case "service_env":
        return { type: "env", data: serviceEnv(this, request.data.name, request.data.reveal) };
      case "add_profile":
        addProfile(this, request.data);
        return { type: "done" };
      case "remove_profile":
        removeProfile(this, request.data.name);
        return { type: "done" };
      case "set_profile_token":
        setProfileToken(this, request.data.name, request.data.token);
        return { type: "done" };
      case "set_default_profile":
        setDefaultProfile(this, request.data.name);
        return { type: "done" };
      case "get_settings":
        return { type: "settings", data: getSettings(this) };
      case "set_default_strategy":
        setDefaultStrategy(this, request.data.strategy);
        return { type: "done" };
      case "add_strategy":
        addStrategy(this, request.data);
        return { type: "done" };
      case "remove_strategy":
        removeStrategy(this, request.data.name);
        return { type: "done" };
      case "set_login_chain":
        setLoginChain(this, request.data.chain);
        return { type: "done" };
      case "port_status":
        return { type: "port", data: portStatus(this, request.data.port) };
      case "free_port":
        return { type: "port", data: await freePort(this, request.data.name, request.data.kill_foreign) };
      default:
        return fail("unknown_request", `the mock engine does not answer \`${request.type}\``);
    }
  }

  /** `stop_service`: dependents first with `cascade`; a stopped service's tunnel is closed, as it
   *  would point at nothing. A completed one-shot stopped by request is `stopped`. */
  async stop(name: string, cascade: boolean): Promise<Response> {
    this.service(name);
    if (cascade) {
      for (const e of this.edges.filter((e) => e.depends_on === name)) await this.stop(e.service, true);
    }
    await this.halt(name);
    if (this.service(name).status.state === "completed") this.setState(name, "stopped");
    dropTunnel(this, name);
    return { type: "done" };
  }

  /** Stops the process, if it runs (a completed service has none: a restart starts it anew). */
  private async halt(name: string): Promise<void> {
    const { state } = this.service(name).status;
    if (state === "stopped" || state === "completed") return;
    this.setState(name, "stopping");
    print(this, name, "received SIGTERM, shutting down");
    await this.pause();
    this.setState(name, "stopped");
  }
}
