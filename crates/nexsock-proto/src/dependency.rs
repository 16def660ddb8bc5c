//! Dependency edges between services, as users declare them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// When a dependency counts as satisfied for its dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Its process was spawned.
    Started,
    /// Its health check passed.
    Healthy,
    /// It ran to completion with exit code 0 (a migration, a build step).
    CompletedSuccessfully,
    /// A line of its output matched its `log:` pattern.
    LogReady,
}

impl Condition {
    /// The spelling users type: `started`, `healthy`, `completed`, `log`.
    pub fn as_cli(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Healthy => "healthy",
            Self::CompletedSuccessfully => "completed",
            Self::LogReady => "log",
        }
    }

    /// The spelling the database stores.
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Healthy => "healthy",
            Self::CompletedSuccessfully => "completed_successfully",
            Self::LogReady => "log_ready",
        }
    }
}

impl FromStr for Condition {
    type Err = ApiError;

    /// Accepts both the CLI and the stored spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "started" => Ok(Self::Started),
            "healthy" => Ok(Self::Healthy),
            "completed" | "completed_successfully" => Ok(Self::CompletedSuccessfully),
            "log" | "log_ready" => Ok(Self::LogReady),
            other => Err(ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid condition `{other}` (expected started, healthy, completed or log)"),
            )),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_cli())
    }
}

/// Whether a dependency's public tunnel is opened for its dependent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TunnelMode {
    /// No tunnel.
    #[default]
    None,
    /// Open one; start the dependent without its URL if that fails.
    Optional,
    /// Open one; fail the dependent's start if that fails.
    Required,
}

impl TunnelMode {
    /// The spelling users type and the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

impl FromStr for TunnelMode {
    type Err = ApiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            other => Err(ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid tunnel mode `{other}` (expected optional or required)"),
            )),
        }
    }
}

/// One edge: `service` depends on `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DependencySpec {
    /// The dependent.
    pub service: String,
    /// The dependency.
    pub depends_on: String,
    /// When the dependency counts as satisfied; `None` asks for the default (`healthy` when the
    /// dependency has a health check, else `started`).
    #[serde(default)]
    pub condition: Option<Condition>,
    /// A hard dependency: its failure skips the dependent. `false` = `--optional`.
    #[serde(default = "yes")]
    pub required: bool,
    /// Whether a tunnel to the dependency is opened for the dependent.
    #[serde(default)]
    pub tunnel_mode: TunnelMode,
    /// Bound on the wait for this dependency, in seconds.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Path for an HTTP health check of this edge.
    #[serde(default)]
    pub health_path: Option<String>,
    /// Extra name for the injected tunnel URL variable.
    #[serde(default)]
    pub env_alias: Option<String>,
    /// When the dependency's tunnel comes back with a new URL, restart the dependent with it.
    /// `false` (`--no-restart-on-new-url`) keeps it running with the old URL.
    #[serde(default = "yes")]
    pub restart_on_new_url: bool,
}

fn yes() -> bool {
    true
}

/// An edge seen from one end, with the live state of the service at the other end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DependencyInfo {
    /// The edge, its condition resolved.
    pub edge: DependencySpec,
    /// State of the service at the other end.
    pub state: crate::ServiceState,
}

/// `dependency list`: a service's direct dependencies and direct dependents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DependencyListing {
    /// The service asked about.
    pub service: String,
    /// What it depends on.
    pub dependencies: Vec<DependencyInfo>,
    /// What depends on it.
    pub dependents: Vec<DependencyInfo>,
}

/// `dependency tree`: a service and, recursively, what it depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TreeNode {
    /// Service name.
    pub name: String,
    /// Its live state.
    pub state: crate::ServiceState,
    /// The condition its parent waits for (absent at the root).
    pub condition: Option<Condition>,
    /// Whether its parent needs it (absent at the root counts as required).
    pub required: bool,
    /// Its dependencies.
    pub children: Vec<TreeNode>,
}

/// What an upsert of an edge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Newly created.
    Created,
    /// Existed with other options; now updated.
    Updated,
    /// Existed exactly so.
    Unchanged,
    /// Removed (an edge a stack file no longer declares).
    Removed,
}
