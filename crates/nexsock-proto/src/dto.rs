//! Data shapes shared by every face of nexsock: service specs, health checks, states, statuses, logs.

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// Default time a service gets to become ready, in seconds.
pub const DEFAULT_STARTUP_TIMEOUT_SECS: u64 = 60;
/// Default time between SIGTERM and SIGKILL when stopping, in seconds (as Docker and process-compose).
pub const DEFAULT_STOP_GRACE_SECS: u64 = 10;

/// Everything nexsock knows about how to run one service. Validated by the engine on every write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceSpec {
    /// Unique name: letters, digits, `-`, `_`; at most 64 characters.
    pub name: String,
    /// Shell command line, run through `sh -c` (`cmd /C` on Windows).
    pub command: String,
    /// Working directory; the host's working directory when absent.
    #[serde(default)]
    pub cwd: Option<String>,
    /// The port the service listens on. Kept wide so that out-of-range input reaches the engine's
    /// validation and gets [`ErrorCode::InvalidPort`] rather than a decoding error.
    #[serde(default)]
    pub port: Option<u32>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// How readiness is decided; ready as soon as spawned when absent.
    #[serde(default)]
    pub health: Option<HealthCheck>,
    /// What to do when the process exits on its own.
    #[serde(default)]
    pub restart: RestartPolicy,
    /// Seconds the service gets to become ready before its start counts as failed.
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout_secs: u64,
    /// Seconds between SIGTERM and SIGKILL when stopping.
    #[serde(default = "default_stop_grace")]
    pub stop_grace_secs: u64,
    /// The environment it starts from, when not the host's setting (`[services] inherit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub inherit: Option<EnvInherit>,
    /// Groups it belongs to (`backend`, `web`…): `start-batch --tag` starts a group's chains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The environment a service starts from, before nexsock's variables and its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum EnvInherit {
    /// The user's login-shell environment, read once per host start by running the login shell
    /// (`$SHELL -l`), so a service gets the same `PATH` whichever way the host was started.
    #[default]
    LoginShell,
    /// Nothing but a minimal set: `HOME`, `USER`, `LOGNAME`, `SHELL`, `LANG`, a standard `PATH`.
    None,
    /// The environment of the process that started the host (the CLI that came first, the
    /// desktop session, `nexsock daemon`'s shell).
    Host,
}

impl EnvInherit {
    /// As config files and the CLI spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginShell => "login-shell",
            Self::None => "none",
            Self::Host => "host",
        }
    }
}

impl std::fmt::Display for EnvInherit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EnvInherit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "login-shell" => Ok(Self::LoginShell),
            "none" => Ok(Self::None),
            "host" => Ok(Self::Host),
            other => Err(format!("unknown environment `{other}`: use login-shell, none or host")),
        }
    }
}

fn default_startup_timeout() -> u64 {
    DEFAULT_STARTUP_TIMEOUT_SECS
}

fn default_stop_grace() -> u64 {
    DEFAULT_STOP_GRACE_SECS
}

/// A readiness check. Written by users as `tcp`, `http:/path`, `exec:COMMAND` or `log:REGEX`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HealthCheck {
    /// A TCP connect to the service's port succeeds.
    Tcp,
    /// `GET path` on the service's port answers 2xx or 3xx (a redirect counts, as in Kubernetes'
    /// httpGet probe).
    Http {
        /// Absolute path, starting with `/`.
        path: String,
    },
    /// A shell command exits 0.
    Exec {
        /// The command line.
        command: String,
    },
    /// A line of the service's output matches.
    Log {
        /// Regular expression.
        pattern: String,
    },
}

impl HealthCheck {
    /// Whether the check needs the service to have a port.
    pub fn needs_port(&self) -> bool {
        matches!(self, Self::Tcp | Self::Http { .. })
    }
}

impl FromStr for HealthCheck {
    type Err = ApiError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            ApiError::new(
                ErrorCode::InvalidHealthCheck,
                format!("invalid health check `{spec}`: {why} (expected tcp, http:/path, exec:COMMAND or log:REGEX)"),
            )
        };
        let (kind, arg) = match spec.split_once(':') {
            Some((kind, arg)) => (kind, Some(arg)),
            None => (spec, None),
        };
        match (kind, arg) {
            ("tcp", None) => Ok(Self::Tcp),
            ("tcp", Some(_)) => Err(bad("tcp takes no argument; it uses the service's port")),
            ("http", Some(path)) if path.starts_with('/') => Ok(Self::Http { path: path.to_owned() }),
            ("http", _) => Err(bad("http needs a path that starts with `/`")),
            ("exec", Some(cmd)) if !cmd.trim().is_empty() => Ok(Self::Exec { command: cmd.to_owned() }),
            ("exec", _) => Err(bad("exec needs a command")),
            ("log", Some(pattern)) if !pattern.is_empty() => Ok(Self::Log { pattern: pattern.to_owned() }),
            ("log", _) => Err(bad("log needs a regular expression")),
            _ => Err(bad("unknown kind")),
        }
    }
}

impl fmt::Display for HealthCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp => f.write_str("tcp"),
            Self::Http { path } => write!(f, "http:{path}"),
            Self::Exec { command } => write!(f, "exec:{command}"),
            Self::Log { pattern } => write!(f, "log:{pattern}"),
        }
    }
}

/// Whether a process that exits on its own is started again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    /// Never restart.
    #[default]
    No,
    /// Restart when it exits non-zero or is killed by a signal.
    OnFailure,
    /// Restart whenever it exits.
    Always,
}

impl RestartPolicy {
    /// The spelling users type and the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::OnFailure => "on-failure",
            Self::Always => "always",
        }
    }
}

impl FromStr for RestartPolicy {
    type Err = ApiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "no" => Ok(Self::No),
            "on-failure" => Ok(Self::OnFailure),
            "always" => Ok(Self::Always),
            other => Err(ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid restart policy `{other}` (expected no, on-failure or always)"),
            )),
        }
    }
}

impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The coarse state of a service, as shown in lists and badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    /// No process.
    Stopped,
    /// Spawned (or about to be, after a restart back-off) and not yet ready.
    Starting,
    /// Running and its readiness check passed.
    Ready,
    /// Being stopped.
    Stopping,
    /// Its last start or run failed; `reason` says why.
    Failed,
    /// Its command exited 0 by itself (a one-shot such as a migration that did its job); not
    /// running. A stop by request, or never having run, is `stopped`.
    Completed,
}

impl ServiceState {
    /// Lower-case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Starting => "starting",
            Self::Ready => "ready",
            Self::Stopping => "stopping",
            Self::Failed => "failed",
            Self::Completed => "completed",
        }
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a process ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExitInfo {
    /// Exit code, when it exited normally.
    pub code: Option<i32>,
    /// Signal number, when a signal ended it.
    pub signal: Option<i32>,
    /// Unix time in milliseconds.
    pub at_ms: u64,
}

/// The live status of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceStatus {
    /// Service name.
    pub name: String,
    /// Coarse state.
    pub state: ServiceState,
    /// Pid of the process group leader while a process exists.
    pub pid: Option<u32>,
    /// Configured port.
    pub port: Option<u16>,
    /// Unix time in milliseconds when the current process was spawned.
    pub since_ms: Option<u64>,
    /// Why the service failed, or what it is waiting for.
    pub reason: Option<String>,
    /// Automatic restarts since the last explicit start.
    pub restarts: u32,
    /// How the previous process ended.
    pub last_exit: Option<ExitInfo>,
    /// The tunnel profile this service uses; the default profile when absent.
    #[serde(default)]
    pub tunnel_profile: Option<String>,
    /// Its process runs an older definition than the stored one (changed by `edit`, `apply`,
    /// `import` or the window): a restart applies the new one.
    #[serde(default)]
    pub restart_to_apply: bool,
    /// Output lines that could not be written to its log file since the host started (a full
    /// disk): they still reached live views; the service kept running.
    #[serde(default)]
    pub log_write_failures: u64,
    /// Why the last of those writes failed.
    #[serde(default)]
    pub last_log_error: Option<String>,
    /// The groups it belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A service's configuration together with its live status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceDetail {
    /// What is configured.
    pub spec: ServiceSpec,
    /// What is happening.
    pub status: ServiceStatus,
}

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// Written by nexsock, not the process: where a run started or ended
    /// (`── run 7 started 12:01:03 ──`).
    Marker,
}

/// One line of a service's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LogLine {
    /// Where it came from.
    pub stream: Stream,
    /// The text, without its line ending.
    pub text: String,
    /// When the host read it (Unix milliseconds); absent for lines logged before times were kept.
    #[serde(default)]
    pub at_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_specs_round_trip_through_their_spelling() {
        for spec in ["tcp", "http:/healthz", "exec:test -f /tmp/x", "log:listening on \\d+"] {
            let parsed: HealthCheck = spec.parse().expect("valid spec");
            assert_eq!(parsed.to_string(), spec);
        }
    }

    #[test]
    fn bad_health_specs_are_refused_with_a_typed_error() {
        for spec in ["", "tcp:80", "http", "http:health", "exec:", "log:", "grpc:x"] {
            let err = spec.parse::<HealthCheck>().expect_err(spec);
            assert_eq!(err.code, ErrorCode::InvalidHealthCheck, "{spec}");
        }
    }
}

/// What this host is doing about the processes a previous host left running when it died (a
/// crash, `kill -9`, a logout): they are stopped in the background while the host already
/// answers, each with its service's grace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Reconciliation {
    /// Services whose leftover processes are still being stopped.
    pub remaining: Vec<String>,
    /// Services whose leftover processes were stopped.
    pub stopped: Vec<String>,
    /// Services whose leftover processes could not be stopped, with why.
    pub failed: Vec<LeftoverFailure>,
    /// Services whose runs the previous host left open but whose processes were already gone.
    pub gone: Vec<String>,
}

impl Reconciliation {
    /// Whether the previous host left anything at all.
    pub fn found_any(&self) -> bool {
        !(self.remaining.is_empty() && self.stopped.is_empty() && self.failed.is_empty() && self.gone.is_empty())
    }

    /// Whether every leftover has been dealt with.
    pub fn is_done(&self) -> bool {
        self.remaining.is_empty()
    }

    /// One line for people: `stopping a; stopped b, c; could not stop d (why); already gone: e`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.remaining.is_empty() {
            parts.push(format!("stopping {}", self.remaining.join(", ")));
        }
        if !self.stopped.is_empty() {
            parts.push(format!("stopped {}", self.stopped.join(", ")));
        }
        parts.extend(self.failed.iter().map(|f| format!("could not stop {} ({})", f.service, f.reason)));
        if !self.gone.is_empty() {
            parts.push(format!("already gone: {}", self.gone.join(", ")));
        }
        if parts.is_empty() { "a previous host left nothing running".to_owned() } else { parts.join("; ") }
    }
}

/// A leftover process that could not be stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LeftoverFailure {
    /// The service.
    pub service: String,
    /// Why.
    pub reason: String,
}

/// Who listens on a TCP port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PortHolder {
    /// The listening process, when nexsock can see it (another user's process may be hidden).
    pub pid: Option<u32>,
    /// Its command line.
    pub command: Option<String>,
    /// The running nexsock service it belongs to.
    pub service: Option<String>,
    /// The service of an earlier nexsock run that left it running (an orphan).
    pub orphan_of: Option<String>,
}

impl PortHolder {
    /// `nexsock service `web` (pid 12)`, `pid 12 (python3 -m http.server 8000)`, …
    pub fn describe(&self) -> String {
        let process = match (self.pid, &self.command) {
            (Some(pid), Some(cmd)) => format!("pid {pid} ({cmd})"),
            (Some(pid), None) => format!("pid {pid}"),
            (None, _) => "a process nexsock cannot see (another user's?)".to_owned(),
        };
        match (&self.service, &self.orphan_of) {
            (Some(service), _) => match self.pid {
                Some(pid) => format!("nexsock service `{service}` (pid {pid})"),
                None => format!("nexsock service `{service}`"),
            },
            (None, Some(service)) => format!("{process}, left running by an earlier run of `{service}`"),
            (None, None) => process,
        }
    }

    /// Whether nexsock started it (a running service or an orphan of one), so that
    /// `--free-port` may stop it without `--kill-holder`.
    pub fn is_ours(&self) -> bool {
        self.service.is_some() || self.orphan_of.is_some()
    }
}

/// A TCP port: who holds it, and which services declare it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PortStatus {
    /// The port.
    pub port: u16,
    /// Who listens on it; none when it is free.
    pub holder: Option<PortHolder>,
    /// Services that declare it as their port.
    pub declared_by: Vec<String>,
}
