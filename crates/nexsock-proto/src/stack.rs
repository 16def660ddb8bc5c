//! Stack files: the services and dependencies of a project in one declarative document
//! (`nexsock apply -f stack.toml`, `nexsock export`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{dependency::Change, dto::RestartPolicy};

/// A whole stack: services by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Stack {
    /// The services, each with its dependencies.
    #[serde(default)]
    pub services: BTreeMap<String, StackService>,
}

/// One service of a stack file; absent fields take the usual defaults. An entry without a
/// `command` names a service that exists and changes only what it gives (its dependencies too
/// stay unless it gives `depends_on`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct StackService {
    /// Shell command line; required for a new service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Working directory (relative paths are resolved against the stack file by the CLI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Health check spec: `tcp`, `http:/path`, `exec:COMMAND`, `log:REGEX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    /// Restart policy.
    #[serde(default, skip_serializing_if = "is_default_restart")]
    pub restart: RestartPolicy,
    /// Seconds to become ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_timeout: Option<u64>,
    /// Seconds between SIGTERM and SIGKILL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace: Option<u64>,
    /// Dependencies: a list of names, or a table of names to edge options.
    #[serde(default, skip_serializing_if = "DependsOn::is_empty")]
    pub depends_on: DependsOn,
    /// The environment it starts from (`login-shell`, `none`, `host`), when not the host's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub inherit: Option<crate::dto::EnvInherit>,
    /// Groups it belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

fn is_default_restart(r: &RestartPolicy) -> bool {
    *r == RestartPolicy::No
}

/// `depends_on = ["db", "cache"]` or `[services.api.depends_on.db] condition = "healthy"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
pub enum DependsOn {
    /// Names only; every edge takes the defaults.
    List(Vec<String>),
    /// Names with options.
    Map(BTreeMap<String, StackEdge>),
}

impl Default for DependsOn {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

impl DependsOn {
    /// No dependencies.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::List(l) => l.is_empty(),
            Self::Map(m) => m.is_empty(),
        }
    }

    /// Each dependency with its options (defaults for the list form).
    pub fn edges(&self) -> Vec<(String, StackEdge)> {
        match self {
            Self::List(l) => l.iter().map(|n| (n.clone(), StackEdge::default())).collect(),
            Self::Map(m) => m.iter().map(|(n, e)| (n.clone(), e.clone())).collect(),
        }
    }
}

/// Options of one edge in a stack file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct StackEdge {
    /// `started`, `healthy`, `completed` or `log`; the default rule when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// A soft dependency.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Seconds to wait for it at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// `optional` or `required`: open a tunnel to it for the dependent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<String>,
    /// Path for an HTTP check of this edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_path: Option<String>,
    /// Extra variable name for the tunnel URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_alias: Option<String>,
    /// Keep the dependent running (with the old URL) when the tunnel comes back with a new one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_running_on_new_url: bool,
}

/// `Apply`: a stack, and how to apply it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApplyRequest {
    /// What to apply.
    pub stack: Stack,
    /// Report what would change, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Also remove the services the stack does not declare (they must be down).
    #[serde(default)]
    pub prune: bool,
}

/// What `apply` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApplyReport {
    /// Each declared service and what happened to it.
    pub services: Vec<NamedChange>,
    /// Each edge of a declared service that was created, updated, kept or removed.
    pub dependencies: Vec<EdgeChange>,
    /// Each port a declared service has that, once applied, other services declare too: they
    /// cannot run at the same time. Sorted by port; empty when no port is shared.
    pub shared_ports: Vec<SharedPort>,
}

/// A port that two or more services declare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SharedPort {
    /// The port.
    pub port: u32,
    /// Every service that declares it, sorted by name.
    pub services: Vec<String>,
}

/// A service and its change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NamedChange {
    /// Service name.
    pub name: String,
    /// What happened.
    pub change: Change,
}

/// An edge and its change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EdgeChange {
    /// The dependent.
    pub service: String,
    /// The dependency.
    pub depends_on: String,
    /// What happened.
    pub change: Change,
}
