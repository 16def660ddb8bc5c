//! Chain starts: what a client asks for, the progress events an execution emits, and the report
//! it ends with (also what `service history` lists).

use serde::{Deserialize, Serialize};

/// Name of the default strategy.
pub const DEFAULT_STRATEGY: &str = "concurrent";

/// Start one or more services together with their whole dependency chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChainRequest {
    /// The services asked for; the union of their chains starts, each service once.
    pub roots: Vec<String>,
    /// Strategy name; the default when absent.
    #[serde(default)]
    pub strategy: Option<String>,
    /// Bound on services starting at once (per level for `parallel-safe`).
    #[serde(default)]
    pub max_concurrent: Option<usize>,
    /// One-shots of the chain to run again although they completed (exited 0) since their
    /// definition last changed; without it such a one-shot satisfies its `completed` edges as is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rerun: Vec<String>,
    /// How the chain goes on after a failure, and what it skips.
    #[serde(default, flatten)]
    pub options: ChainOptions,
}

/// The switches of a chain start beyond its strategy and bound.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChainOptions {
    /// Seconds the whole chain may take: then what it started that is still starting is
    /// stopped, what it did not start is reported not started, and it ends `timed_out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_secs: Option<u64>,
    /// At the first failure start nothing more, and stop what this chain started that is still
    /// starting (keep going, the default, starts everything that does not depend on it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fail_fast: bool,
    /// Services count as ready as soon as they are spawned: no health check runs (a quick smoke
    /// start).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_health_checks: bool,
    /// Open no tunnel and inject no tunnel URL; dependents start without them, with a warning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_tunnels: bool,
}

impl ChainRequest {
    /// A chain start of `roots` by the default strategy, unbounded, rerunning nothing.
    pub fn of(roots: Vec<String>) -> Self {
        Self { roots, strategy: None, max_concurrent: None, rerun: Vec::new(), options: ChainOptions::default() }
    }
}

/// Host-wide choices the UI and the CLI show and change (the default profile lives with the
/// profiles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Settings {
    /// Strategy of a chain start that names none.
    pub default_strategy: String,
    /// Every strategy the host knows, built-in and registered, in registration order.
    pub strategies: Vec<String>,
    /// The chain the desktop app starts when it starts at login (none: it starts nothing).
    #[serde(default)]
    pub login_chain: Option<ChainRequest>,
    /// The strategies declared at run time (`[strategies.NAME]` in config.toml), by name; their
    /// names are also in `strategies`.
    #[serde(default)]
    pub custom_strategies: Vec<StrategySpec>,
}

/// A strategy declared at run time: a built-in one (`base`) whose plan is adjusted. The
/// `priority` services start before any other startable service (in the order listed); the
/// base's rules hold otherwise. Kept in config.toml as `[strategies.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    /// Its name (same rule as service names); not a built-in's or another's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The strategy it adjusts: `sequential`, `parallel-safe`, `concurrent` or `critical-path`
    /// (or a strategy the embedding program registered).
    pub base: String,
    /// Services that start first, highest priority first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority: Vec<String>,
    /// Bound on services starting at once when the chain start names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<usize>,
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    /// Still going.
    Running,
    /// Every service it had to start is ready.
    Completed,
    /// Something it needed failed; `error` names the root cause.
    Failed,
    /// Its `timeout_secs` passed first: what it started that was still starting was stopped.
    TimedOut,
}

/// Where one service of an execution got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Waiting for its dependencies.
    Waiting,
    /// Spawned (or joined while starting), not yet ready.
    Starting,
    /// Ready.
    Ready,
    /// Already ready when the execution began: joined, nothing was started.
    AlreadyReady,
    /// A one-shot that exited 0: during this execution (`ready_ms` is its exit), or earlier and
    /// since its definition last changed (`spawned_ms` is null: it was not run again).
    Completed,
    /// Its start failed.
    Failed,
    /// Not started because a hard dependency failed.
    Skipped,
}

impl StepState {
    /// It got where it was going: ready, already ready, or a one-shot that completed.
    pub fn is_success(self) -> bool {
        match self {
            Self::Ready | Self::AlreadyReady | Self::Completed => true,
            Self::Waiting | Self::Starting | Self::Failed | Self::Skipped => false,
        }
    }

    /// It will not change any more in this execution.
    pub fn is_settled(self) -> bool {
        match self {
            Self::Waiting | Self::Starting => false,
            Self::Ready | Self::AlreadyReady | Self::Completed | Self::Failed | Self::Skipped => true,
        }
    }

    /// As people read it: `already ready`, `completed`, ...
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Starting => "starting",
            Self::Ready => "ready",
            Self::AlreadyReady => "already ready",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One service's line in an execution report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceTiming {
    /// Service name.
    pub name: String,
    /// Where it got to.
    pub state: StepState,
    /// Milliseconds after the execution began at which it was spawned; null if it was not.
    pub spawned_ms: Option<u64>,
    /// Milliseconds after the execution began at which it was ready; null if it was not.
    pub ready_ms: Option<u64>,
    /// Why it failed or was skipped; a warning for an optional dependency that failed.
    pub reason: Option<String>,
}

/// The outcome of a chain start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExecutionReport {
    /// Row id in `startup_execution`.
    pub id: i64,
    /// Completed or failed.
    pub status: ExecutionStatus,
    /// The strategy that planned it.
    pub strategy: String,
    /// The services asked for.
    pub roots: Vec<String>,
    /// Unix ms when it began.
    pub started_at_ms: u64,
    /// Milliseconds from start to the end.
    pub total_ms: u64,
    /// Every service of the chain, in plan order.
    pub services: Vec<ServiceTiming>,
    /// The chain of services whose readiness determined the total time, first to last.
    pub critical_chain: Vec<String>,
    /// The root cause when it failed.
    pub error: Option<String>,
    /// The switches it ran with (fail-fast, timeout, …).
    #[serde(default)]
    pub options: ChainOptions,
}

/// `PlanChain`: what a chain start would do from the current state. Nothing starts, nothing
/// is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChainPlan {
    /// The services asked for.
    pub roots: Vec<String>,
    /// The strategy that planned it.
    pub strategy: String,
    /// The bound on services starting at once, if any.
    pub max_concurrent: Option<usize>,
    /// The switches it would run with.
    pub options: ChainOptions,
    /// The services it would start, grouped by the moment they would start (by the durations of
    /// earlier runs): each wave starts together, after the waves before it.
    pub waves: Vec<Vec<String>>,
    /// Every service of the chain, in plan order.
    pub services: Vec<PlannedService>,
    /// The chain of services whose readiness would set the total time, first to last.
    pub critical_chain: Vec<String>,
    /// The expected time to the last service ready, from the durations of earlier runs
    /// (services never run before count 1 s).
    pub expected_ms: u64,
}

/// One service in a chain plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PlannedService {
    /// Service name.
    pub name: String,
    /// What the chain start would do with it.
    pub action: PlannedAction,
    /// What it would wait for before it starts.
    pub waits: Vec<PlannedWait>,
    /// Dependencies whose tunnel would open for it.
    pub tunnels: Vec<String>,
    /// The variables it would receive from those tunnels (values are known once they open).
    pub injects: Vec<String>,
    /// Its port.
    pub port: Option<u16>,
    /// Who holds that port now (its start would fail while someone does).
    pub port_holder: Option<crate::PortHolder>,
}

/// What a chain start would do with one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PlannedAction {
    /// Start it.
    Start,
    /// Nothing: it is ready.
    AlreadyReady,
    /// Nothing: a one-shot that completed since its definition last changed.
    Completed,
    /// Join its start, which is already under way.
    Join,
}

/// One wait of a planned service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PlannedWait {
    /// The dependency.
    pub dependency: String,
    /// The condition it must meet.
    pub condition: crate::Condition,
    /// A hard dependency (its failure skips the service) or a soft one.
    pub required: bool,
    /// Seconds to wait for it at most.
    pub timeout_secs: Option<u64>,
    /// A path that must answer too.
    pub health_path: Option<String>,
}

/// A step of an execution changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExecutionProgress {
    /// Which execution.
    pub execution_id: i64,
    /// How many services the execution covers.
    pub total: usize,
    /// The service and where it is now.
    pub service: ServiceTiming,
}
