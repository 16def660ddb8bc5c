//! One service inside the engine: its spec, its phase (a state machine whose states carry their
//! data), the replies waiting on it, and a short ring of recent output.

use std::collections::{BTreeMap, VecDeque};

use nexsock_proto::{
    ExitInfo, HealthCheck, LogLine, Response, ServiceDetail, ServiceSpec, ServiceState, ServiceStatus,
};
use regex::Regex;
use tokio::{sync::oneshot, task::AbortHandle, time::Instant};

use super::Reply;
use crate::{error::CoreError, validate::compile_log_pattern};

/// Lines of recent output kept in memory per service (for failure reasons and live views).
const RING_LINES: usize = 100;

/// A live process of a service.
#[derive(Debug)]
pub(super) struct Run {
    pub run_id: i64,
    pub pid: u32,
    pub since_ms: u64,
    pub started: Instant,
    pub stop: Option<oneshot::Sender<()>>,
    pub readiness: Option<AbortHandle>,
    /// What the status says about it (a previous host's leftover being stopped; what its
    /// readiness check last answered while it starts).
    pub note: Option<String>,
    /// The definition it was started with (none for a previous host's leftover).
    pub spec: Option<ServiceSpec>,
}

impl Run {
    /// Asks the supervisor to stop the process and cancels the readiness check.
    pub fn request_stop(&mut self) {
        if let Some(r) = self.readiness.take() {
            r.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What happens once a stopping process is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AfterStop {
    /// Stay stopped.
    Stay,
    /// Start again (restart).
    Start,
    /// The start failed for this reason; the restart policy decides what follows.
    Fail(String),
}

/// Where a service is in its life.
#[derive(Debug)]
pub(super) enum Phase {
    Stopped,
    Starting(Run),
    Ready(Run),
    Stopping { run: Run, then: AfterStop },
    Backoff { attempt: u32, until_ms: u64, reason: String, timer: AbortHandle },
    Failed { reason: String },
}

/// A service and its runtime state.
#[derive(Debug)]
pub(super) struct Service {
    pub id: i64,
    pub spec: ServiceSpec,
    pub log_ready: Option<Regex>,
    pub phase: Phase,
    pub generation: u64,
    pub restarts: u32,
    pub last_exit: Option<ExitInfo>,
    pub start_waiters: Vec<Reply>,
    pub stop_waiters: Vec<Reply>,
    pub recent: VecDeque<LogLine>,
    /// The tunnel profile chosen for this service (`service config --ngrok-profile`).
    pub tunnel_profile: Option<String>,
    /// Tunnel URLs injected by chain starts: variable -> (value, dependency it exposes).
    pub injected_env: BTreeMap<String, (String, String)>,
    /// Its last run exited 0 by itself (shown `completed` while it stays down).
    pub completed: bool,
    /// Lines the current (or last) run wrote, of those in `recent`.
    pub run_lines: usize,
    /// Lines (and markers) that could not be written to its log file since the host started.
    pub log_write_failures: u64,
    /// Why the last of them failed.
    pub last_log_error: Option<String>,
    /// Its next run counts as ready once it has settled, whatever its health check
    /// (a chain start with `--no-health-checks`).
    pub skip_checks_once: bool,
}

impl Service {
    pub fn new(id: i64, spec: ServiceSpec) -> Result<Self, CoreError> {
        let log_ready = match &spec.health {
            Some(HealthCheck::Log { pattern }) => Some(compile_log_pattern(pattern)?),
            _ => None,
        };
        Ok(Self {
            id,
            spec,
            log_ready,
            phase: Phase::Stopped,
            generation: 0,
            restarts: 0,
            last_exit: None,
            start_waiters: Vec::new(),
            stop_waiters: Vec::new(),
            recent: VecDeque::with_capacity(8),
            tunnel_profile: None,
            injected_env: BTreeMap::new(),
            completed: false,
            run_lines: 0,
            log_write_failures: 0,
            last_log_error: None,
            skip_checks_once: false,
        })
    }

    /// Takes a new spec (from `apply`); a running process keeps its old one until it restarts.
    pub fn replace_spec(&mut self, spec: ServiceSpec) -> Result<(), CoreError> {
        self.log_ready = match &spec.health {
            Some(HealthCheck::Log { pattern }) => Some(compile_log_pattern(pattern)?),
            _ => None,
        };
        // A one-shot that completed ran the old definition: the next chain start runs it again.
        if self.spec != spec {
            self.completed = false;
        }
        self.spec = spec;
        Ok(())
    }

    /// No process and nothing scheduled.
    pub fn is_down(&self) -> bool {
        matches!(self.phase, Phase::Stopped | Phase::Failed { .. })
    }

    pub fn remember(&mut self, line: LogLine) {
        if self.recent.len() == RING_LINES {
            self.recent.pop_front();
        }
        self.recent.push_back(line);
        self.run_lines += 1;
    }

    /// What the current run's output says about a failure: the first error-looking line (when
    /// it is not among the last ones) and the last three lines, joined by ` | `.
    pub fn last_words(&self) -> Option<String> {
        let n = self.run_lines.min(self.recent.len());
        let lines: Vec<&str> = self
            .recent
            .iter()
            .skip(self.recent.len() - n)
            .filter(|l| l.stream != nexsock_proto::Stream::Marker)
            .map(|l| l.text.trim())
            .filter(|t| !t.is_empty())
            .collect();
        let tail = lines.len().saturating_sub(3);
        let mut picked: Vec<&str> = Vec::new();
        if let Some(first) = lines[..tail].iter().position(|l| looks_like_error(l)) {
            picked.push(lines[first]);
            if first + 1 < tail {
                picked.push("…");
            }
        }
        picked.extend(&lines[tail..]);
        (!picked.is_empty()).then(|| picked.join(" | "))
    }

    pub fn status(&self) -> ServiceStatus {
        let (state, run, reason) = match &self.phase {
            Phase::Stopped if self.completed => (ServiceState::Completed, None, None),
            Phase::Stopped => (ServiceState::Stopped, None, None),
            Phase::Starting(run) => (ServiceState::Starting, Some(run), run.note.clone()),
            Phase::Ready(run) => (ServiceState::Ready, Some(run), None),
            Phase::Stopping { run, .. } => (ServiceState::Stopping, Some(run), run.note.clone()),
            Phase::Backoff { attempt, until_ms, reason, .. } => {
                (ServiceState::Starting, None, Some(format!("{reason}; restart {attempt} due at {until_ms} (unix ms)")))
            }
            Phase::Failed { reason } => (ServiceState::Failed, None, Some(reason.clone())),
        };
        ServiceStatus {
            name: self.spec.name.clone(),
            state,
            pid: run.map(|r| r.pid),
            port: self.spec.port.and_then(|p| u16::try_from(p).ok()),
            since_ms: run.map(|r| r.since_ms),
            reason,
            restarts: self.restarts,
            last_exit: self.last_exit.clone(),
            tunnel_profile: self.tunnel_profile.clone(),
            restart_to_apply: self.restart_to_apply(),
            log_write_failures: self.log_write_failures,
            last_log_error: self.last_log_error.clone(),
            tags: self.spec.tags.clone(),
        }
    }

    /// Its live process runs a definition other than the stored one.
    pub fn restart_to_apply(&self) -> bool {
        match &self.phase {
            Phase::Starting(run) | Phase::Ready(run) => run.spec.as_ref().is_some_and(|s| *s != self.spec),
            Phase::Stopping { .. } | Phase::Stopped | Phase::Backoff { .. } | Phase::Failed { .. } => false,
        }
    }

    /// Its definition and status, with the values of secret-looking variables masked: what
    /// every answer and event carries unless a client asks to see them.
    pub fn detail(&self) -> ServiceDetail {
        let mut detail = self.revealed_detail();
        nexsock_proto::EnvVar::mask_secrets(&mut detail.spec.env);
        detail
    }

    /// Its definition and status as stored, secrets included (`status --reveal`).
    pub fn revealed_detail(&self) -> ServiceDetail {
        ServiceDetail { spec: self.spec.clone(), status: self.status() }
    }

    /// Answers everyone waiting for the start with `answer`.
    pub fn answer_start(&mut self, answer: impl Fn() -> Result<Response, CoreError>) {
        for w in self.start_waiters.drain(..) {
            let _ = w.send(answer());
        }
    }

    /// Answers everyone waiting for the stop with the current status.
    pub fn answer_stop(&mut self) {
        let status = self.status();
        for w in self.stop_waiters.drain(..) {
            let _ = w.send(Ok(Response::Status(status.clone())));
        }
    }
}

/// Whether an output line reads like the cause of a failure.
fn looks_like_error(line: &str) -> bool {
    const MARKS: [&str; 11] = [
        "error",
        "not found",
        "no such",
        "denied",
        "traceback",
        "fatal",
        "panic",
        "exception",
        "cannot",
        "failed",
        "refused",
    ];
    let lower = line.to_lowercase();
    MARKS.iter().any(|m| lower.contains(m))
}
