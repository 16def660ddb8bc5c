//! The messages on the socket. A connection opens with `Hello` / `Welcome`; then every `Request`
//! carries an id that its `Response` or `Error` echoes. `Subscribe` turns the connection into a
//! stream of `Event` frames.

use serde::{Deserialize, Serialize};

use crate::{
    dependency::{Change, DependencyListing, DependencySpec, TreeNode},
    dto::{LogLine, PortStatus, Reconciliation, ServiceDetail, ServiceSpec, ServiceStatus},
    error::ApiError,
    event::Event,
    execution::{ChainPlan, ChainRequest, ExecutionReport, Settings, StrategySpec},
    import::{ImportReport, ImportRequest},
    inspector::Exchange,
    stack::{ApplyReport, ApplyRequest, Stack},
    tunnel::{EnvVar, ProfileInfo, ProfileSpec, SecretString, TunnelInfo},
};

/// A frame sent by a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Must be the first frame.
    Hello {
        /// [`crate::PROTOCOL_VERSION`] of the client.
        protocol: u32,
    },
    /// A request.
    Request {
        /// Echoed by the answer.
        id: u64,
        /// What to do (boxed: a request is far larger than a handshake).
        request: Box<Request>,
    },
}

/// A frame sent by the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The handshake succeeded.
    Welcome {
        /// [`crate::PROTOCOL_VERSION`] of the host.
        protocol: u32,
        /// The host's version.
        version: String,
    },
    /// A request succeeded.
    Response {
        /// The request's id.
        id: u64,
        /// The result.
        response: Response,
    },
    /// A request, or a frame, failed. `id` is absent when the frame could not be read far enough
    /// to find one.
    Error {
        /// The request's id, when known.
        id: Option<u64>,
        /// What went wrong.
        error: ApiError,
    },
    /// Something happened (only after `Subscribe`).
    Event {
        /// What happened.
        event: Event,
    },
}

/// Everything a client can ask of the host. One verb name runs through every layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Request {
    /// Register a new service.
    AddService(ServiceSpec),
    /// Replace an existing service's definition (every field; its name picks it). A running
    /// process keeps the old definition until it restarts: its status says `restart_to_apply`.
    EditService(ServiceSpec),
    /// Forget a service; it must be stopped.
    RemoveService {
        /// Service name.
        name: String,
    },
    /// Every service's status, sorted by name.
    ListServices,
    /// One service's configuration and status.
    ServiceStatus {
        /// Service name.
        name: String,
        /// Show the values of secret-looking variables (masked otherwise).
        #[serde(default)]
        reveal: bool,
    },
    /// Start a service and answer once it is ready (or failed).
    StartService {
        /// Service name.
        name: String,
    },
    /// Stop a service (SIGTERM to its group, SIGKILL after the grace period) and answer once it is gone.
    StopService {
        /// Service name.
        name: String,
        /// Stop everything that depends on it first, dependents before their dependencies.
        #[serde(default)]
        cascade: bool,
    },
    /// Start services with their dependency chains by a strategy; progress streams as
    /// `Execution` events on the same connection, then the report answers.
    StartChain(ChainRequest),
    /// What `StartChain` would do from the current state (a dry run): nothing starts.
    PlanChain(ChainRequest),
    /// Recent executions that started a service.
    History {
        /// Service name.
        name: String,
        /// At most this many, newest first.
        limit: Option<usize>,
    },
    /// Stop every service.
    StopAll,
    /// Stop, then start, a service.
    RestartService {
        /// Service name.
        name: String,
        /// Start it as a chain: its dependencies are verified ready first, and started if not.
        #[serde(default)]
        check_deps: bool,
    },
    /// The last lines of a service's log file.
    Logs {
        /// Service name.
        name: String,
        /// How many lines; all when absent.
        tail: Option<usize>,
        /// Keep the connection open and stream new lines as `Log` events.
        follow: bool,
    },
    /// Add an edge, or update the options of an existing one.
    AddDependency(DependencySpec),
    /// Remove an edge.
    RemoveDependency {
        /// The dependent.
        service: String,
        /// The dependency.
        depends_on: String,
    },
    /// A service's direct dependencies and dependents.
    ListDependencies {
        /// Service name.
        service: String,
    },
    /// A service's whole dependency chain as a tree.
    DependencyTree {
        /// Service name.
        service: String,
    },
    /// Create or update the services and dependencies a stack declares, in one transaction (or
    /// only report what would change).
    Apply(ApplyRequest),
    /// The current services and dependencies as a stack.
    Export,
    /// Read another tool's file (process-compose, Procfile, Compose) and apply it as a stack, in
    /// one transaction; `dry_run` only reports.
    Import(ImportRequest),
    /// Add or replace a tunnel profile.
    AddProfile(ProfileSpec),
    /// Remove a profile (and its token from the keyring).
    RemoveProfile {
        /// Profile name.
        name: String,
    },
    /// Every profile, with whether a token is set.
    ListProfiles,
    /// Store a profile's token in the OS keyring.
    SetProfileToken {
        /// Profile name.
        name: String,
        /// The token; redacted in every `Debug` output.
        token: SecretString,
    },
    /// Make a profile the default.
    SetDefaultProfile {
        /// Profile name.
        name: String,
    },
    /// Per-service settings that are not part of how it runs.
    ConfigureService {
        /// Service name.
        name: String,
        /// The tunnel profile for this service; the default profile when absent.
        tunnel_profile: Option<String>,
    },
    /// Open a public tunnel to a service's port.
    OpenTunnel {
        /// Service name.
        service: String,
        /// Profile; the service's, else the default.
        profile: Option<String>,
    },
    /// Close a service's tunnel.
    CloseTunnel {
        /// Service name.
        service: String,
    },
    /// Every tunnel.
    ListTunnels,
    /// The exchanges a service's tunnel recorded (the last 500 at most), in the order they were
    /// recorded (when their response ended), newest last; sensitive headers masked unless `reveal`.
    ListExchanges {
        /// Service name.
        service: String,
        /// Only the newest this many.
        #[serde(default)]
        limit: Option<usize>,
        /// Only those recorded after the exchange with this id (what a follower has not seen yet);
        /// all when the ring no longer holds it.
        #[serde(default)]
        after: Option<u64>,
        /// Show the values of sensitive headers.
        #[serde(default)]
        reveal: bool,
    },
    /// Send a recorded request again, straight to the service (not through the public URL), and
    /// answer with the new exchange, recorded as a replay of `id`.
    ReplayExchange {
        /// Service name.
        service: String,
        /// The exchange to replay.
        id: u64,
        /// Show the values of sensitive headers in the answer.
        #[serde(default)]
        reveal: bool,
    },
    /// The environment a service gets at its next start: its own variables, the tunnel URLs and
    /// aliases its dependencies inject, and what nexsock adds; secrets masked unless `reveal`.
    ServiceEnv {
        /// Service name.
        name: String,
        /// Show the values of secret-looking variables.
        #[serde(default)]
        reveal: bool,
    },
    /// The host-wide settings.
    GetSettings,
    /// Make `strategy` the default of chain starts that name none.
    SetDefaultStrategy {
        /// A known strategy name.
        strategy: String,
    },
    /// Declare a strategy (kept in config.toml); its name must be new and its base known.
    AddStrategy(StrategySpec),
    /// Replace a declared strategy's definition (its name picks it); checked as `AddStrategy`.
    EditStrategy(StrategySpec),
    /// Forget a declared strategy (a built-in cannot be removed); when it was the default, or the
    /// login chain's, the built-in default takes its place.
    RemoveStrategy {
        /// A declared strategy's name.
        name: String,
    },
    /// What the host is doing about a previous host's leftovers.
    Reconciliation,
    /// Who holds a TCP port, and which services declare it.
    PortStatus {
        /// The port.
        port: u16,
    },
    /// Frees the port of service `name` for its start: stops the holder when it is a nexsock
    /// service or an orphan of an earlier run; a foreign process only with `kill_foreign`
    /// (SIGTERM, then SIGKILL after 5 s), else the answer is a `port_in_use` error naming it.
    FreePort {
        /// The service whose port to free.
        name: String,
        /// End a process nexsock did not start.
        #[serde(default)]
        kill_foreign: bool,
    },
    /// Set (or, with none, clear) the chain the desktop app starts when it starts at login; its
    /// services and strategy are checked now.
    SetLoginChain {
        /// The chain.
        chain: Option<ChainRequest>,
    },
    /// Turn this connection into an event stream.
    Subscribe,
    /// Stop every service and the host.
    Shutdown,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Response {
    /// The request was carried out and has nothing to report.
    Done,
    /// One service.
    Service(ServiceDetail),
    /// `RemoveService`: the service is gone, and with it these edges (to it and from it).
    Removed {
        /// The service removed.
        name: String,
        /// Every edge removed with it.
        edges: Vec<DependencySpec>,
    },
    /// One service's status.
    Status(ServiceStatus),
    /// Several services' statuses.
    Services(Vec<ServiceStatus>),
    /// Log lines, oldest first.
    Logs(Vec<LogLine>),
    /// An edge after an upsert.
    Dependency {
        /// The stored edge, condition resolved.
        edge: DependencySpec,
        /// What the upsert did.
        change: Change,
    },
    /// The report of a chain start.
    Execution(ExecutionReport),
    /// `PlanChain`.
    Plan(ChainPlan),
    /// `History`: reports, newest first.
    History(Vec<ExecutionReport>),
    /// `ListDependencies`.
    Dependencies(DependencyListing),
    /// `DependencyTree`.
    Tree(TreeNode),
    /// What `Apply` changed.
    Applied(ApplyReport),
    /// `Export`.
    Stack(Stack),
    /// What `Import` changed (or would change) and what it could not map.
    Imported(ImportReport),
    /// Profiles.
    Profiles(Vec<ProfileInfo>),
    /// One tunnel.
    Tunnel(TunnelInfo),
    /// Tunnels.
    Tunnels(Vec<TunnelInfo>),
    /// `ListExchanges`: newest last.
    Exchanges(Vec<Exchange>),
    /// `ReplayExchange`: the new exchange.
    Exchange(Exchange),
    /// Environment variables.
    Env(Vec<EnvVar>),
    /// `GetSettings`.
    Settings(Settings),
    /// `Reconciliation`.
    Reconciliation(Reconciliation),
    /// `PortStatus`; and `FreePort` once the port is free, with the holder it stopped (none when
    /// the port was free or held by the service itself).
    Port(PortStatus),
    /// The connection now carries events.
    Subscribed,
}

/// Request type names this protocol version knows; used to tell an unknown request from a
/// malformed one.
pub const REQUEST_TYPES: &[&str] = &[
    "add_service",
    "edit_service",
    "remove_service",
    "list_services",
    "service_status",
    "start_service",
    "stop_service",
    "stop_all",
    "restart_service",
    "logs",
    "start_chain",
    "plan_chain",
    "history",
    "add_dependency",
    "remove_dependency",
    "list_dependencies",
    "dependency_tree",
    "apply",
    "export",
    "import",
    "add_profile",
    "remove_profile",
    "list_profiles",
    "set_profile_token",
    "set_default_profile",
    "configure_service",
    "open_tunnel",
    "close_tunnel",
    "list_tunnels",
    "list_exchanges",
    "replay_exchange",
    "service_env",
    "get_settings",
    "set_default_strategy",
    "add_strategy",
    "edit_strategy",
    "remove_strategy",
    "set_login_chain",
    "reconciliation",
    "port_status",
    "free_port",
    "subscribe",
    "shutdown",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// serde names every variant of `Request` when it refuses an unknown one: the hand-kept list
    /// must be exactly that list, so a new request can never be mistaken for an unknown one.
    #[test]
    fn request_types_are_exactly_the_enums_variants() {
        let err = serde_json::from_value::<Request>(serde_json::json!({ "type": "no_such_request" }))
            .expect_err("an unknown type is refused");
        let text = err.to_string();
        let (_, expected) = text.split_once("expected one of ").unwrap_or_else(|| panic!("{text}"));
        let variants: Vec<&str> =
            expected.split(", ").map(|v| v.trim_matches(|c: char| c == '`' || c.is_whitespace())).collect();
        let variants: Vec<&str> = variants.iter().map(|v| v.split('`').next().unwrap_or(v)).collect();
        let mut known = REQUEST_TYPES.to_vec();
        let mut variants = variants;
        known.sort_unstable();
        variants.sort_unstable();
        assert_eq!(known, variants, "REQUEST_TYPES and the Request enum disagree ({text})");
    }
}
