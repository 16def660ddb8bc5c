//! The one interface the views use to reach the engine. Each method is one contract `Request`;
//! failures reject with the engine's `ApiError` (`{code, message}`), which views branch on by code.

import type { ApiError } from "./types/ApiError";
import type { ApplyReport } from "./types/ApplyReport";
import type { ChainPlan } from "./types/ChainPlan";
import type { ChainRequest } from "./types/ChainRequest";
import type { DependencySpec } from "./types/DependencySpec";
import type { EnvVar } from "./types/EnvVar";
import type { Event } from "./types/Event";
import type { Exchange } from "./types/Exchange";
import type { ExecutionReport } from "./types/ExecutionReport";
import type { ImportReport } from "./types/ImportReport";
import type { ImportRequest } from "./types/ImportRequest";
import type { LogLine } from "./types/LogLine";
import type { PortStatus } from "./types/PortStatus";
import type { ProfileInfo } from "./types/ProfileInfo";
import type { ProfileSpec } from "./types/ProfileSpec";
import type { ServiceDetail } from "./types/ServiceDetail";
import type { ServiceSpec } from "./types/ServiceSpec";
import type { ServiceStatus } from "./types/ServiceStatus";
import type { Settings } from "./types/Settings";
import type { Stack } from "./types/Stack";
import type { StrategySpec } from "./types/StrategySpec";
import type { TunnelInfo } from "./types/TunnelInfo";

/** Stops an event subscription. */
export type Unsubscribe = () => void;

/** The engine as the UI sees it: one method per contract request it uses. */
export interface Api {
  /** `list_services`: every service with its live status. */
  listServices(): Promise<ServiceStatus[]>;
  /** `add_service`: validated by the engine; a taken name is `duplicate_service`. */
  addService(spec: ServiceSpec): Promise<ServiceDetail>;
  /** `service_status`: a service's definition (secret-looking values masked) and status. */
  serviceDetail(name: string): Promise<ServiceDetail>;
  /** `edit_service`: replaces a service's definition, validated as `add_service`; a masked value
   *  sent back keeps the stored one. A running service says `restart_to_apply` until it restarts. */
  editService(spec: ServiceSpec): Promise<ServiceDetail>;
  /** `remove_service`: the service must be stopped (`service_busy` otherwise). */
  removeService(name: string): Promise<void>;
  /** `start_service`: resolves once the service is ready, or rejects with why it failed. */
  startService(name: string): Promise<ServiceStatus>;
  /** `stop_service`: with `cascade`, its dependents are stopped first. */
  stopService(name: string, cascade: boolean): Promise<void>;
  /** `restart_service`: with `checkDeps`, its dependencies are made ready first. */
  restartService(name: string, checkDeps: boolean): Promise<void>;
  /** `plan_chain`: what `start_chain` would do from the current state (a dry run). */
  planChain(request: ChainRequest): Promise<ChainPlan>;
  /** `start_chain`: the roots with their dependency chains, planned by the chosen strategy. */
  startChain(request: ChainRequest): Promise<ExecutionReport>;
  /** `history`: the chain starts that included service `name`, newest first; at most `limit`
   *  (the engine's default, 10, when `null`). `unknown_service` for a name it does not know. */
  history(name: string, limit: number | null): Promise<ExecutionReport[]>;
  /** `add_dependency`: refuses a cycle with `dependency_cycle`, its message naming the path. */
  addDependency(spec: DependencySpec): Promise<DependencySpec>;
  /** `remove_dependency`. */
  removeDependency(service: string, dependsOn: string): Promise<void>;
  /** `logs` (not following): the last `tail` lines of a service's output (all when `null`). */
  logs(name: string, tail: number | null): Promise<LogLine[]>;
  /** `export`: every service with its dependencies, as a stack. */
  exportStack(): Promise<Stack>;
  /** `apply`: upserts the declared services and replaces their dependencies, all or nothing. */
  applyStack(stack: Stack): Promise<ApplyReport>;
  /** `import`: another tool's file (process-compose, Procfile, Compose) at an absolute `path`, read
   *  by the host and applied like a stack; with `dry_run` only what would change. Refused, naming
   *  the `field`, with `invalid_argument` (`path` not absolute) or `import_invalid` (`path`
   *  unreadable or invalid, `format` not told, `port_base` for a file that is not a Procfile). */
  importFile(request: ImportRequest): Promise<ImportReport>;
  /** `configure_service`: the tunnel profile of a service (`null` = the default profile). */
  configureService(name: string, tunnelProfile: string | null): Promise<void>;
  /** `list_profiles`. */
  listProfiles(): Promise<ProfileInfo[]>;
  /** `list_tunnels`: the tunnels that exist (a closed tunnel is gone; a failed one stays). */
  listTunnels(): Promise<TunnelInfo[]>;
  /** `open_tunnel`: resolves once it is open (`profile` `null` = the service's, else the default). */
  openTunnel(service: string, profile: string | null): Promise<TunnelInfo>;
  /** `close_tunnel`: `tunnel_failed` when the service has none. */
  closeTunnel(service: string): Promise<void>;
  /** `list_exchanges`: the requests the tunnel of `service` recorded, in the order recorded (newest
   *  last): only those after the exchange `after` (all when `null` or no longer kept), the newest
   *  `limit` of them (all when `null`). Sensitive headers read `********` unless `reveal`.
   *  `unknown_tunnel` when the service has no tunnel. */
  listExchanges(service: string, limit: number | null, after: number | null, reveal: boolean): Promise<Exchange[]>;
  /** `replay_exchange`: sends exchange `id` again straight to the service; resolves with the new
   *  exchange (`replay_of: id`) once its answer ended. `unknown_exchange` for an id the ring no
   *  longer holds, `invalid_argument` for a request body that was larger than the kept 64 KiB. */
  replayExchange(service: string, id: number, reveal: boolean): Promise<Exchange>;
  /** `service_env`: the environment `name` gets at its next start: its own variables (`spec`;
   *  secret-looking ones `secret`, their value `null` unless `reveal`), each tunnelled dependency's
   *  URL under `NEXSOCK_TUNNEL_<DEP>_URL` and the edge's alias (`tunnel:<dep>`; `null` until that
   *  tunnel is open), and `NEXSOCK_SERVICE` and the run marker `NEXSOCK_RUN` (`nexsock`). */
  serviceEnv(name: string, reveal: boolean): Promise<EnvVar[]>;
  /** `add_profile`: adds, or replaces the profile of that name; validated for its provider. */
  addProfile(spec: ProfileSpec): Promise<void>;
  /** `remove_profile`: with its token; removing the default leaves no default. */
  removeProfile(name: string): Promise<void>;
  /** `set_profile_token`: stored in the OS keyring (`keyring` when it cannot be); never read back. */
  setProfileToken(name: string, token: string): Promise<void>;
  /** `set_default_profile`. */
  setDefaultProfile(name: string): Promise<void>;
  /** `get_settings`: the default strategy and every strategy the engine knows. */
  getSettings(): Promise<Settings>;
  /** `set_default_strategy`: `unknown_strategy` unless the engine knows it. */
  setDefaultStrategy(strategy: string): Promise<void>;
  /** `add_strategy`: declares a strategy over a built-in (kept in the engine's config.toml).
   *  Refused, naming the `field`, with `invalid_name` (`name` or `priority`), `duplicate_strategy`
   *  (`name`), `unknown_strategy` (`base`) or `invalid_argument` (`max_concurrent` 0); the new
   *  list comes back as `SettingsChanged`. */
  addStrategy(spec: StrategySpec): Promise<void>;
  /** `remove_strategy`: a declared strategy only (`invalid_argument` for a built-in); a default
   *  that named it falls back to the built-in default. */
  removeStrategy(name: string): Promise<void>;
  /** `set_login_chain`: the chain the desktop app starts when it starts at login (`null`: none).
   *  Refused with `invalid_argument` (no roots, `max_concurrent` 0), `unknown_service` or
   *  `unknown_strategy`; the new value comes back as `SettingsChanged`. */
  setLoginChain(chain: ChainRequest | null): Promise<void>;
  /** `port_status`: who holds `port` (`holder` `null` when it is free) and which services declare it. */
  portStatus(port: number): Promise<PortStatus>;
  /** `free_port`: resolves once the port of service `name` is free, with the holder that was
   *  stopped (`null` when it was already free). A nexsock service or an orphan of an earlier run
   *  is stopped; a foreign process only with `killForeign`, else `port_in_use` naming it. */
  freePort(name: string, killForeign: boolean): Promise<PortStatus>;
  /** Whether the app starts at login (in the background), an OS setting rather than the engine's:
   *  `null` only reads it, `true`/`false` turn it on or off; answers whether it is on. */
  autostart(enabled: boolean | null): Promise<boolean>;
  /** Puts `text` on the system clipboard (the desktop shell's clipboard, or the browser's). */
  copyText(text: string): Promise<void>;
  /** Engine events until the returned function is called. */
  subscribe(onEvent: (event: Event) => void): Unsubscribe;
}

/** Whether a rejection is the engine's typed error. */
export function isApiError(value: unknown): value is ApiError {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** A readable message for any rejection. */
export function errorMessage(value: unknown): string {
  if (isApiError(value)) return value.message;
  if (value instanceof Error) return value.message;
  return String(value);
}
