//! Supervision of one service process: spawn it through the shell (`sh -c`; `cmd /C` on Windows)
//! in its own process group (on Windows its own job object, which ends with the host even when
//! the host is killed), pump its output to the log file and the engine, and end it — SIGTERM to
//! the whole group, the grace period, then SIGKILL (on Windows `taskkill` to the leader, then
//! the job object's end) — reporting how it ended. Leftover group members die with their leader.

use std::{
    collections::BTreeMap,
    fs::File,
    io::Write,
    path::PathBuf,
    process::{ExitStatus, Stdio},
    sync::Arc,
    time::Duration,
};

use nexsock_proto::{LogLine, ServiceSpec, Stream};
#[cfg(windows)]
use process_wrap::tokio::JobObject;
#[cfg(unix)]
use process_wrap::tokio::ProcessGroup;
use process_wrap::tokio::{ChildWrapper, CommandWrap, KillOnDrop};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    sync::{mpsc, oneshot},
    task::JoinHandle,
    time::{Instant, timeout_at},
};

use crate::{
    engine::Outcome,
    logfile,
    procinfo::{self, RUN_MARKER_ENV, Signal},
    statedir::{self, Access},
};

/// How long to wait for leftovers after SIGKILL before giving up on them.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// Identifies one run to the engine: outcomes with an older generation are stale and ignored.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// Service name.
    pub name: String,
    /// Generation of the service's runtime when this run started.
    pub generation: u64,
    /// The run's id in the store (its log markers name it).
    pub run_id: i64,
    /// Where output goes.
    pub log_path: PathBuf,
    /// The engine's inbox.
    pub outcomes: mpsc::UnboundedSender<Outcome>,
    /// The environment it starts from.
    pub inherit: Inherit,
}

/// The environment a service's processes (its runs and its exec probes) start from, before
/// nexsock's variables and the service's own.
#[derive(Debug, Clone, Default)]
pub struct Inherit {
    /// The variables (`environment::Base`); the host's own environment when absent.
    pub base: Option<Arc<BTreeMap<String, String>>>,
    /// Variables not taken from it besides the providers' credentials (the token variables
    /// command profiles name); a value the service declares itself still applies.
    pub withheld: Vec<String>,
}

impl Inherit {
    /// The base's variables a process actually takes: without the providers' credentials and
    /// the withheld ones (nothing when the base is the host's own, which the OS passes on).
    pub fn vars(&self) -> impl Iterator<Item = (&String, &String)> {
        self.base
            .iter()
            .flat_map(|base| base.iter())
            .filter(|(k, _)| !crate::secrets::PROVIDER_SECRET_VARS.contains(&k.as_str()) && !self.withheld.contains(k))
    }
}

/// A process that was spawned and is now supervised.
#[derive(Debug)]
pub struct Spawned {
    /// Leader pid (also the process group id).
    pub pid: u32,
    /// Kernel start time of the leader.
    pub proc_start: Option<u64>,
    /// Send to begin a graceful stop.
    pub stop: oneshot::Sender<()>,
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Exit {
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal, when one killed it.
    pub signal: Option<i32>,
}

impl Exit {
    pub(crate) fn from_status(status: Option<ExitStatus>) -> Self {
        #[cfg(unix)]
        use std::os::unix::process::ExitStatusExt;
        match status {
            #[cfg(unix)]
            Some(s) => Self { code: s.code(), signal: s.signal() },
            #[cfg(not(unix))]
            Some(s) => Self { code: s.code(), signal: None },
            None => Self::default(),
        }
    }

    /// Exited with code 0.
    pub fn succeeded(self) -> bool {
        self.code == Some(0)
    }

    /// `exited with code 3`, `killed by signal 9`.
    pub fn describe(self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exited with code {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "exited".to_owned(),
        }
    }
}

/// The platform shell invocation for a command line, without the host's provider credentials.
fn shell_command(line: &str) -> tokio::process::Command {
    #[cfg(windows)]
    let (shell, flag) = ("cmd", "/C");
    #[cfg(not(windows))]
    let (shell, flag) = ("sh", "-c");
    let mut cmd = tokio::process::Command::new(shell);
    cmd.arg(flag).arg(line);
    crate::secrets::withhold_provider_secrets(&mut cmd);
    cmd
}

/// Builds a command for `line` in its own process group (Windows: job object), killed if its
/// handle is dropped. Its environment is `inherit`'s base (without the providers' credentials and
/// the `withheld` variables), then `extra_env`, then the service's own.
pub fn group_command(line: &str, spec: &ServiceSpec, extra_env: &[(&str, &str)], inherit: &Inherit) -> CommandWrap {
    let mut cmd = shell_command(line);
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    if inherit.base.is_some() {
        cmd.env_clear();
        cmd.envs(inherit.vars());
    }
    cmd.envs(&spec.env);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    crate::secrets::withhold(&mut cmd, inherit.withheld.iter().map(String::as_str));
    let mut wrap = CommandWrap::from(cmd);
    own_group(&mut wrap);
    wrap
}

/// Makes `wrap` start its process as the leader of a new process group (Windows: in a job object
/// of its own, closed with the host), ended when its handle is dropped: services, probes and
/// provider agents alike.
pub(crate) fn own_group(wrap: &mut CommandWrap) {
    wrap.wrap(KillOnDrop);
    #[cfg(unix)]
    wrap.wrap(ProcessGroup::leader());
    #[cfg(windows)]
    wrap.wrap(JobObject);
}

/// Spawns the service and starts its supervisor and output pumps.
pub fn spawn(spec: &ServiceSpec, token: &str, ctx: RunContext) -> std::io::Result<Spawned> {
    let log = statedir::open(&ctx.log_path, Access::Append).map_err(std::io::Error::other)?;
    let log = Arc::new(log);
    let marker = [(RUN_MARKER_ENV, token), ("NEXSOCK_SERVICE", spec.name.as_str())];
    let mut wrap = group_command(&spec.command, spec, &marker, &ctx.inherit);
    wrap.command_mut().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = wrap.spawn()?;
    let pid = child.id().ok_or_else(|| std::io::Error::other("the process exited before its pid was read"))?;
    let proc_start = procinfo::start_time(pid);
    // Before the pumps start: the marker precedes every line of the run, in the file and live.
    let started = logfile::run_started(ctx.run_id, crate::time::now_ms());
    let _ = (&*log).write_all(logfile::encode(&started).as_bytes());
    let _ = ctx.outcomes.send(Outcome::Line { name: ctx.name.clone(), generation: ctx.generation, line: started });
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout().take() {
        pumps.push(tokio::spawn(pump(out, Stream::Stdout, log.clone(), ctx.clone())));
    }
    if let Some(err) = child.stderr().take() {
        pumps.push(tokio::spawn(pump(err, Stream::Stderr, log, ctx.clone())));
    }
    let (stop, stop_rx) = oneshot::channel();
    let grace = Duration::from_secs(spec.stop_grace_secs);
    tokio::spawn(supervise(child, i32::try_from(pid).unwrap_or(i32::MAX), grace, stop_rx, pumps, ctx));
    Ok(Spawned { pid, proc_start, stop })
}

/// Forwards each line of one stream to the log file and the engine.
async fn pump(reader: impl AsyncRead + Unpin, stream: Stream, log: Arc<File>, ctx: RunContext) {
    let mut reader = BufReader::new(reader);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&raw).trim_end_matches(['\n', '\r']).to_owned();
        let line = LogLine { stream, text, at_ms: Some(crate::time::now_ms()) };
        // A full disk must not stop the service; the line still reaches the engine, which counts
        // the failed write.
        if let Err(e) = (&*log).write_all(logfile::encode(&line).as_bytes()) {
            let _ = ctx.outcomes.send(Outcome::LogWriteFailed { name: ctx.name.clone(), error: e.to_string() });
        }
        let _ = ctx.outcomes.send(Outcome::Line { name: ctx.name.clone(), generation: ctx.generation, line });
    }
}

/// Waits for the leader to exit or for a stop request, then makes sure the whole group is gone.
async fn supervise(
    mut child: Box<dyn ChildWrapper>,
    pgid: i32,
    grace: Duration,
    stop_rx: oneshot::Receiver<()>,
    pumps: Vec<JoinHandle<()>>,
    ctx: RunContext,
) {
    tokio::select! {
        status = child.wait() => {
            // The leader ended on its own: what it left in its group gets the same grace (on
            // Windows its job object ends it at once: nothing there can be asked to stop).
            let exit = Exit::from_status(status.ok());
            #[cfg(unix)]
            stop_group(pgid, grace, |s| procinfo::signal_group(pgid, s)).await;
            #[cfg(windows)]
            let _ = child.start_kill();
            drain(pumps).await;
            let _ = ctx.outcomes.send(Outcome::Exited { name: ctx.name, generation: ctx.generation, exit });
            return;
        }
        // A dropped sender means the engine is gone: stop as if asked.
        _ = stop_rx => {}
    }
    #[cfg(unix)]
    let status = stop_led_group(pgid, grace, |s| procinfo::signal_group(pgid, s), child.wait()).await;
    #[cfg(windows)]
    let status = stop_job(&mut child, pgid, grace).await;
    drain(pumps).await;
    let exit = Exit::from_status(status.ok());
    let _ = ctx.outcomes.send(Outcome::Exited { name: ctx.name, generation: ctx.generation, exit });
}

/// Windows: asks the leader to end (`taskkill`), then after `grace` ends the service's job object
/// (`TerminateJobObject`), which takes every process the service started with it.
#[cfg(windows)]
async fn stop_job(child: &mut Box<dyn ChildWrapper>, pgid: i32, grace: Duration) -> std::io::Result<ExitStatus> {
    procinfo::signal_group(pgid, Signal::Term);
    if let Ok(status) = tokio::time::timeout(grace, child.wait()).await {
        // What the leader left in its job goes with it.
        let _ = child.start_kill();
        return status;
    }
    child.start_kill()?;
    child.wait().await
}

/// Waits for the output pumps to reach the end of their pipes, so that every line a process
/// wrote reaches the engine before its exit does (its last words explain a failure). Bounded: a
/// process that escaped the group may hold a pipe open.
async fn drain(pumps: Vec<JoinHandle<()>>) {
    let deadline = Instant::now() + Duration::from_secs(1);
    for pump in pumps {
        let _ = timeout_at(deadline, pump).await;
    }
}

/// The one way nexsock ends processes — services, exec probes, provider agents and what a
/// previous host left: `signal(SIGTERM)`, up to `grace` for the group to be gone, then
/// `signal(SIGKILL)` and up to [`KILL_WAIT`] more. `signal` reaches the whole group, or only the
/// members provably ours when the group's leader is not (reconciliation). Whether the group is gone.
pub async fn stop_group(pgid: i32, grace: Duration, signal: impl Fn(Signal)) -> bool {
    stop_processes(grace, signal, || procinfo::group_alive(pgid)).await
}

/// [`stop_group`] with its own test of whether anything is left (`alive`): one process that is
/// not ours to stop with its group (a foreign holder of a port).
pub async fn stop_processes(grace: Duration, signal: impl Fn(Signal), mut alive: impl FnMut() -> bool) -> bool {
    if !alive() {
        return true;
    }
    signal(Signal::Term);
    if wait_gone(&mut alive, Instant::now() + grace).await {
        return true;
    }
    signal(Signal::Kill);
    wait_gone(&mut alive, Instant::now() + KILL_WAIT).await
}

/// [`stop_group`] for a group whose leader we can wait on (our child): `leader` resolves when it
/// exits, so the grace is spent waiting on it rather than polling the process table (a poll of
/// `/proc` per back-off step costs the runtime's workers, and readiness latency showed it); what
/// the leader left in its group then gets the rest of the grace. Returns what `leader` did.
pub async fn stop_led_group<T>(
    pgid: i32,
    grace: Duration,
    signal: impl Fn(Signal),
    leader: impl std::future::Future<Output = T>,
) -> T {
    let deadline = Instant::now() + grace;
    signal(Signal::Term);
    tokio::pin!(leader);
    let out = match timeout_at(deadline, &mut leader).await {
        Ok(out) => out,
        Err(_) => {
            signal(Signal::Kill);
            leader.await
        }
    };
    stop_group(pgid, deadline.saturating_duration_since(Instant::now()), &signal).await;
    out
}

/// Polls `alive`, with back-off from 1 ms to 50 ms, until it says no or `deadline` passes. The
/// processes are not our children, so there is nothing to wait on but the process table.
async fn wait_gone(alive: &mut impl FnMut() -> bool, deadline: Instant) -> bool {
    let mut retry = crate::backoff::Backoff::new(Duration::from_millis(1), Duration::from_millis(50)).start();
    loop {
        if !alive() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        retry.sleep(deadline).await;
    }
}
