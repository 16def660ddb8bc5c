//! What the process-based providers (ngrok, cloudflared, localtunnel) share: finding the binary
//! (the profile's `binary`, else PATH) with an error that says how to install it, running it as the
//! leader of its own process group that dies on stop and on drop, keeping the last lines it wrote
//! (with the token masked) to explain failures, private temp directories for config files that
//! hold a token, and plain-HTTP calls to the loopback APIs these tools serve.

use std::{
    collections::{BTreeMap, VecDeque},
    io::Write,
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use nexsock_proto::ProfileSpec;
use process_wrap::tokio::CommandWrap;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{ChildStderr, ChildStdout, Command},
    sync::watch,
    time::timeout,
};

use super::{OpenTunnel, TunnelAgent, TunnelError, TunnelRequest, records};
use crate::{
    procinfo::{self, Signal},
    secrets::Secret,
    supervisor::{Exit, own_group, stop_group, stop_led_group},
};

/// How long a provider process gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// How many output lines are kept to explain a failure.
const TAIL_LINES: usize = 20;
/// How long to wait for a dead process's last output to arrive.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);
/// Timeout of one call to a loopback API.
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);

/// The executable to run: the profile's `binary` when set, else `program` on PATH. The error
/// says how to install it (`install`, e.g. "install ngrok from https://ngrok.com/download").
pub(crate) fn find_binary(profile: &ProfileSpec, program: &str, install: &str) -> Result<PathBuf, TunnelError> {
    if let Some(binary) = &profile.binary {
        let path = PathBuf::from(binary);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(TunnelError::Failed(format!(
                "the {program} binary `{binary}` of profile `{}` is missing or not executable: {install}, or point the \
                 profile's --binary at it",
                profile.name
            )))
        };
    }
    which::which(program).map_err(|_| {
        TunnelError::Failed(format!(
            "`{program}` was not found on PATH: {install}, or set its path with `nexsock profile add {} --provider {} \
             --binary PATH`",
            profile.name, profile.provider
        ))
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Windows has no executable bit: a file is what `CreateProcess` is asked to run.
#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// A loopback port that was free a moment ago, for a tool that must be told which port to take.
fn free_loopback_port() -> Result<u16, TunnelError> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| TunnelError::Failed(format!("no free loopback port: {e}")))
}

/// How many times a tool is started on a new port when another program took the one chosen for
/// it between the choice and the tool's bind.
const PORT_ATTEMPTS: usize = 3;

/// Starts a tool that must be told which loopback port to listen on (ngrok's API, cloudflared's
/// metrics): `start` runs it on a port the system just gave out. Another program can take that
/// port before the tool binds it; the tool then exits with Go's "bind: address already in use",
/// (Windows: "Only one usage of each socket address ... is normally permitted"), and is started
/// again on another port.
pub(crate) async fn on_free_loopback_port<T, F, Fut>(what: &str, mut start: F) -> Result<T, TunnelError>
where
    F: FnMut(u16) -> Fut,
    Fut: Future<Output = Result<T, TunnelError>>,
{
    let mut attempt = 1;
    loop {
        match start(free_loopback_port()?).await {
            Err(TunnelError::Failed(why)) if attempt < PORT_ATTEMPTS && port_taken(&why) => {
                tracing::info!("{what}: its port was taken meanwhile, starting it on another: {why}");
                attempt += 1;
            }
            started => return started,
        }
    }
}

/// Whether a tool's failure is its listening port in use (Go's words on Unix and on Windows).
fn port_taken(why: &str) -> bool {
    let why = why.to_ascii_lowercase();
    why.contains("address already in use") || why.contains("only one usage of each socket address")
}

/// One provider process per tunnel: what the process-based providers (cloudflared, localtunnel)
/// keep by service, with `E`, anything else a provider needs of an open tunnel.
#[derive(Debug)]
pub(crate) struct ProcessTunnels<E> {
    open: Mutex<BTreeMap<String, Arc<ProcessTunnel<E>>>>,
}

/// An open tunnel and the process that serves it.
#[derive(Debug)]
pub(crate) struct ProcessTunnel<E> {
    pub tunnel: OpenTunnel,
    pub process: GroupProcess,
    pub extra: E,
}

impl<E> Default for ProcessTunnels<E> {
    fn default() -> Self {
        Self { open: Mutex::default() }
    }
}

impl<E> ProcessTunnels<E> {
    fn open(&self) -> MutexGuard<'_, BTreeMap<String, Arc<ProcessTunnel<E>>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets the service's tunnel and stops its process, if it has one.
    pub async fn remove(&self, service: &str) {
        let old = self.open().remove(service);
        if let Some(old) = old {
            old.process.stop().await;
        }
    }

    /// Keeps `open` as its service's tunnel, stopping the one it replaces; returns the tunnel.
    pub async fn insert(&self, open: ProcessTunnel<E>) -> OpenTunnel {
        let tunnel = open.tunnel.clone();
        let old = self.open().insert(tunnel.service.clone(), Arc::new(open));
        if let Some(old) = old {
            old.process.stop().await;
        }
        tunnel
    }

    /// The service's tunnel.
    pub fn get(&self, service: &str) -> Option<Arc<ProcessTunnel<E>>> {
        self.open().get(service).cloned()
    }

    /// Every open tunnel.
    pub fn list(&self) -> Vec<OpenTunnel> {
        self.open().values().map(|e| e.tunnel.clone()).collect()
    }

    /// The process group serving the service's tunnel.
    pub fn agent(&self, service: &str) -> Option<TunnelAgent> {
        self.get(service).and_then(|t| u32::try_from(t.process.pgid()).ok()).map(TunnelAgent::Group)
    }
}

/// A provider's process, leader of its own group. [`GroupProcess::stop`] ends the group gracefully;
/// dropping it kills the group, so nothing outlives the provider (or the host) that owns it.
#[derive(Debug)]
pub(crate) struct GroupProcess {
    pgid: i32,
    exit: watch::Receiver<Option<String>>,
}

/// The output pipes of a freshly spawned [`GroupProcess`].
pub(crate) struct Pipes {
    /// Its stdout.
    pub stdout: Option<ChildStdout>,
    /// Its stderr.
    pub stderr: Option<ChildStderr>,
}

impl GroupProcess {
    /// Spawns `cmd` (stdin closed, stdout and stderr piped) as the leader of a new process group.
    /// `what` names it in errors ("the ngrok agent").
    ///
    /// The group is recorded in `request.records` (and forgotten when it ends), so that a host
    /// that starts after this one was killed can stop it.
    pub(crate) fn spawn(mut cmd: Command, what: &str, request: &TunnelRequest) -> Result<(Self, Pipes), TunnelError> {
        let records = request.records.as_deref();
        let token = records::new_token();
        let (key, value) = records::marker(&token);
        cmd.env(key, value);
        // A provider gets its own credential explicitly (a 0600 config file, or the variable its
        // command profile names), never another's.
        crate::secrets::withhold_provider_secrets(&mut cmd);
        crate::secrets::withhold(&mut cmd, request.withheld.iter().map(String::as_str));
        let mut wrap = CommandWrap::from(cmd);
        wrap.command_mut().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        own_group(&mut wrap);
        let mut child = wrap.spawn().map_err(|e| TunnelError::Failed(format!("cannot start {what}: {e}")))?;
        let pid = child.id().ok_or_else(|| TunnelError::Failed(format!("{what} exited before its pid was read")))?;
        let pgid =
            i32::try_from(pid).map_err(|_| TunnelError::Failed(format!("{what} got an impossible pid {pid}")))?;
        let pipes = Pipes { stdout: child.stdout().take(), stderr: child.stderr().take() };
        let records = records.map(Path::to_path_buf);
        if let Some(dir) = &records {
            records::write(dir, &records::Record { pgid, start: procinfo::start_time(pid), token });
        }
        let (tx, exit) = watch::channel(None);
        tokio::spawn(async move {
            let status = child.wait().await;
            let _ = tx.send(Some(describe(status.ok())));
            // Whatever the leader left in its group goes with it.
            stop_group(pgid, STOP_GRACE, |s| procinfo::signal_group(pgid, s)).await;
            if let Some(dir) = records {
                records::remove(&dir, pgid);
            }
        });
        Ok((Self { pgid, exit }, pipes))
    }

    /// The process group id (also the leader's pid).
    pub(crate) fn pgid(&self) -> i32 {
        self.pgid
    }

    /// How the leader ended (`exited with code 1`), or `None` while it runs.
    pub(crate) fn exited(&self) -> Option<String> {
        self.exit.borrow().clone()
    }

    /// Ends the group: SIGTERM (so the tool can close its session cleanly), then SIGKILL after a
    /// short grace. Returns once the leader is reaped.
    pub(crate) async fn stop(&self) {
        let pgid = self.pgid;
        let mut exit = self.exit.clone();
        let leader = async move {
            let _ = exit.wait_for(Option::is_some).await;
        };
        stop_led_group(pgid, STOP_GRACE, |s| procinfo::signal_group(pgid, s), leader).await;
    }

    /// Waits up to `limit` for the leader to exit; whether it did.
    pub(crate) async fn wait_exit(&self, limit: Duration) -> bool {
        let mut exit = self.exit.clone();
        matches!(timeout(limit, exit.wait_for(Option::is_some)).await, Ok(Ok(_)))
    }
}

impl Drop for GroupProcess {
    fn drop(&mut self) {
        // Synchronous on purpose: this also runs while the host's runtime is being torn down.
        if self.exited().is_none() || procinfo::group_alive(self.pgid) {
            procinfo::signal_group(self.pgid, Signal::Kill);
        }
    }
}

fn describe(status: Option<ExitStatus>) -> String {
    let exit = Exit::from_status(status);
    match (exit.code, exit.signal) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "exited".to_owned(),
    }
}

/// The last lines a process wrote, with its token masked, to explain why it failed; it also
/// knows whether its pumps have reached the end of their pipes.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    lines: Arc<Mutex<VecDeque<String>>>,
    open_pumps: Arc<watch::Sender<usize>>,
}

impl Default for Tail {
    fn default() -> Self {
        Self { lines: Arc::default(), open_pumps: Arc::new(watch::channel(0).0) }
    }
}

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// Waits (up to a second) until every pump feeding this tail reached the end of its pipe, so
    /// that the last words of a process that exited are in.
    pub(crate) async fn drained(&self) {
        let mut open = self.open_pumps.subscribe();
        let _ = timeout(DRAIN_TIMEOUT, open.wait_for(|n| *n == 0)).await;
    }

    /// The last `n` non-empty lines joined with ` | `, or a note that there were none.
    pub(crate) fn last(&self, n: usize) -> String {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        let kept: Vec<&str> = lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
        if kept.is_empty() {
            return "it printed nothing".to_owned();
        }
        format!("last output: {}", kept[kept.len().saturating_sub(n)..].join(" | "))
    }
}

/// `line` with every occurrence of the token replaced by `***`.
pub(crate) fn redact(line: &str, token: Option<&Secret>) -> String {
    match token.map(Secret::expose) {
        Some(t) if !t.is_empty() => line.replace(t, "***"),
        _ => line.to_owned(),
    }
}

/// Reads `reader` line by line: each line (token masked) goes to `tail`, then to `on_line`.
pub(crate) fn pump<R>(
    reader: Option<R>,
    tail: Tail,
    token: Option<Secret>,
    mut on_line: impl FnMut(&str) + Send + 'static,
) where
    R: AsyncRead + Unpin + Send + 'static,
{
    let Some(reader) = reader else { return };
    tail.open_pumps.send_modify(|n| *n += 1);
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader);
        let mut raw = Vec::new();
        loop {
            raw.clear();
            match lines.read_until(b'\n', &mut raw).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = redact(String::from_utf8_lossy(&raw).trim_end_matches(['\n', '\r']), token.as_ref());
            on_line(&text);
            tail.push(text);
        }
        tail.open_pumps.send_modify(|n| *n = n.saturating_sub(1));
    });
}

/// A 0700 directory under the temp directory (tempfile), removed with what it holds on drop: a
/// config file with a token lives exactly as long as the process that reads it.
#[derive(Debug)]
pub(crate) struct PrivateDir {
    dir: tempfile::TempDir,
}

impl PrivateDir {
    /// Creates a fresh directory named after `prefix` and this host's pid, first removing those
    /// that hosts no longer running left behind (a host killed with SIGKILL cleans nothing up).
    pub(crate) fn create(prefix: &str) -> Result<Self, TunnelError> {
        sweep(prefix);
        let mut builder = tempfile::Builder::new();
        let prefix = format!("{prefix}-{}-", std::process::id());
        builder.prefix(&prefix);
        // Windows: the user's own temp directory is already private to the user.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir().map_err(|e| {
            TunnelError::Failed(format!("cannot create a private directory in {}: {e}", std::env::temp_dir().display()))
        })?;
        Ok(Self { dir })
    }

    /// Writes a new 0600 file `name` holding `contents`; returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> Result<PathBuf, TunnelError> {
        let path = self.dir.path().join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .and_then(|mut f| f.write_all(contents.as_bytes()))
            .map_err(|e| TunnelError::Failed(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }

    /// Removes file `name` early (once the process read it), keeping the directory.
    pub(crate) fn remove(&self, name: &str) {
        let _ = std::fs::remove_file(self.dir.path().join(name));
    }

    /// Removes the directory and what is in it now (also done on drop), so that whoever stops its
    /// user does not depend on when the last reference goes.
    pub(crate) fn remove_all(&self) {
        let _ = std::fs::remove_dir_all(self.dir.path());
    }
}

/// Removes `{prefix}-{pid}-*` directories whose host pid is gone.
fn sweep(prefix: &str) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid =
            name.to_str().and_then(|n| n.strip_prefix(prefix)?.strip_prefix('-')?.split('-').next()?.parse().ok());
        if let Some(pid) = pid
            && !procinfo::pid_alive(pid)
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One plain-HTTP call to a loopback API: `(status, body)`, or why it could not be made. Runs
/// the blocking client on the blocking pool; proxies from the environment are ignored.
pub(crate) async fn http(method: &'static str, url: String, body: Option<String>) -> Result<(u16, String), String> {
    let call = move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(HTTP_TIMEOUT))
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let response = match (method, body) {
            ("POST", Some(body)) => agent.post(&url).header("content-type", "application/json").send(body),
            ("DELETE", _) => agent.delete(&url).call(),
            _ => agent.get(&url).call(),
        };
        let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Ok((response.status().as_u16(), text))
    };
    tokio::task::spawn_blocking(call).await.map_err(|e| e.to_string())?
}

/// Delays for polling a tool that is starting: 20 ms doubling up to 500 ms.
pub(crate) const TOOL_POLL: crate::backoff::Backoff =
    crate::backoff::Backoff::new(Duration::from_millis(20), Duration::from_millis(500));

#[cfg(test)]
mod tests {
    use nexsock_proto::ProviderKind;

    use super::*;

    fn profile(binary: Option<&str>) -> ProfileSpec {
        ProfileSpec {
            name: "work".into(),
            provider: ProviderKind::Ngrok,
            url: None,
            server: None,
            binary: binary.map(str::to_owned),
            command: None,
            url_pattern: None,
            token_env: None,
            url_timeout_secs: None,
        }
    }

    #[test]
    fn a_port_in_use_is_told_apart_in_the_tools_words_on_each_platform() {
        assert!(port_taken(
            "ngrok failed: failed to start web interface: listen tcp 127.0.0.1:4040: bind: address already in use"
        ));
        assert!(port_taken(
            "Error opening metrics server listener error=\"listen tcp 127.0.0.1:20241: bind: Only one usage of each \
             socket address (protocol/network address/port) is normally permitted.\""
        ));
        assert!(!port_taken("authentication failed: The authtoken you specified does not look like a proper ngrok"));
    }

    #[test]
    fn a_missing_binary_says_how_to_install_it() {
        let err = find_binary(&profile(None), "surely-not-on-path-xyz", "install it from https://example.com")
            .expect_err("not on PATH");
        assert!(err.message().contains("not found on PATH: install it from https://example.com"), "{err}");
        assert!(err.message().contains("--binary PATH"), "{err}");
        let err = find_binary(&profile(Some("/nonexistent/ngrok")), "ngrok", "install ngrok").expect_err("missing");
        assert!(err.message().contains("`/nonexistent/ngrok` of profile `work`"), "{err}");
        assert_eq!(find_binary(&profile(Some("/bin/sh")), "ngrok", "").expect("exists"), PathBuf::from("/bin/sh"));
    }

    #[cfg(unix)]
    #[test]
    fn tokens_are_masked_and_private_dirs_are_private_and_go_away() {
        let token = Secret::new("s3cr3t");
        assert_eq!(redact("Your authtoken: s3cr3t.", Some(&token)), "Your authtoken: ***.");
        let dir = PrivateDir::create("nexsock-test").expect("dir");
        let file = dir.write("a.yml", "x").expect("file");
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| p.metadata().expect("meta").permissions().mode() & 0o777;
        assert_eq!((mode(dir.dir.path()), mode(&file)), (0o700, 0o600));
        let path = dir.dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }
}
