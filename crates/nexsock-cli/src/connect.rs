//! Finding the host: connect to its socket, and when none answers, start one in the background
//! and wait until it does.

use std::{
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use nexsock_core::{Paths, backoff::Backoff, statedir};
use nexsock_proto::{Client, ClientError, Request, Response};

/// How long a host this CLI did not start (another CLI won the race to start one) may take.
const OTHER_HOST_WAIT: Duration = Duration::from_secs(60);
/// After this long, say once on stderr what the starting host is doing.
const PROGRESS_AFTER: Duration = Duration::from_secs(2);

/// Connects to the host, starting one when none runs. The wait follows the host it started: as
/// long as that process lives it is still starting (migrating, stopping what a crashed host left
/// running), and the CLI says so after a moment; if it exits, its log says why.
pub async fn connect_or_start(paths: &Paths) -> Result<Client> {
    match Client::connect(&paths.socket()).await {
        Ok(client) => return Ok(client),
        Err(ClientError::Connect { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    let log_start = std::fs::metadata(paths.host_log()).map_or(0, |m| m.len());
    let mut host = Some(spawn_host(paths)?);
    let started = Instant::now();
    let mut told = false;
    let mut retry = Backoff::new(Duration::from_millis(2), Duration::from_millis(100)).start();
    loop {
        match Client::connect(&paths.socket()).await {
            Ok(client) => return Ok(client),
            Err(ClientError::Connect { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(child) = &mut host
            && let Some(status) = child.try_wait().context("waiting for the host")?
        {
            let said = host_log_since(paths, log_start);
            if !said.contains("already owns") {
                bail!("the host started in the background exited ({status}): {}", last_lines(&said, 5));
            }
            // Another CLI's host won the lock: wait for that one instead.
            host = None;
        }
        if host.is_none() && started.elapsed() > OTHER_HOST_WAIT {
            bail!("the host another command started did not answer; see {}", paths.host_log().display());
        }
        if !told && started.elapsed() > PROGRESS_AFTER {
            told = true;
            let said = host_log_since(paths, log_start);
            eprintln!("waiting for the host to start: {}", last_lines(&said, 1));
        }
        tokio::time::sleep(retry.next_delay()).await;
    }
}

/// What the host log gained since byte `from`.
fn host_log_since(paths: &Paths, from: u64) -> String {
    let text = std::fs::read(paths.host_log()).unwrap_or_default();
    String::from_utf8_lossy(text.get(usize::try_from(from).unwrap_or(0)..).unwrap_or_default()).into_owned()
}

/// The last `n` non-empty lines of `text`, joined; a placeholder when there are none.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return "(nothing in its log yet)".to_owned();
    }
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Sends one request (starting a host if needed) and prints its answer; `what` says what a bare
/// `Done` means.
pub async fn send(request: Request, json: bool, what: &str) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(request).await?;
    crate::output::print_response(&response, json, what)?;
    Ok(ExitCode::SUCCESS)
}

/// What `strategy edit` changes.
pub struct StrategyEdit {
    /// A new base.
    pub base: Option<String>,
    /// A new priority list.
    pub priority: Option<Vec<String>>,
    /// A new bound.
    pub max_concurrent: Option<usize>,
    /// Drop the bound.
    pub no_max_concurrent: bool,
}

/// `strategy edit NAME`: the declared strategy with the flags applied, sent whole.
pub async fn edit_strategy(name: String, edit: StrategyEdit, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let Response::Settings(settings) = client.request(Request::GetSettings).await? else {
        return Err(anyhow::anyhow!("the host answered `strategy list` with something else"));
    };
    let mut spec = match settings.custom_strategies.into_iter().find(|s| s.name == name) {
        Some(spec) => spec,
        // The host says why (a built-in one, or no such strategy, with a suggestion).
        None => nexsock_proto::StrategySpec {
            name: name.clone(),
            base: String::new(),
            priority: Vec::new(),
            max_concurrent: None,
        },
    };
    if let Some(base) = edit.base {
        spec.base = base;
    }
    if let Some(priority) = edit.priority {
        spec.priority = priority.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
    }
    if edit.no_max_concurrent {
        spec.max_concurrent = None;
    } else if edit.max_concurrent.is_some() {
        spec.max_concurrent = edit.max_concurrent;
    }
    let response = client.request(Request::EditStrategy(spec)).await?;
    if json {
        crate::output::print_response(&response, json, "")?;
    } else {
        outln!("edited strategy {name}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Connects to a running host without starting one.
pub async fn connect_existing(paths: &Paths) -> Result<Option<Client>> {
    match Client::connect(&paths.socket()).await {
        Ok(client) => Ok(Some(client)),
        Err(ClientError::Connect { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Starts `nexsock daemon` detached from this terminal's process group, with its output in the
/// host log. Two CLIs racing here is harmless: the host lock lets one win.
fn spawn_host(paths: &Paths) -> Result<std::process::Child> {
    // Refused, before any host runs, when the state directory or the log is a link or not ours.
    statedir::ensure_dir(&paths.home)?;
    let log = statedir::open(&paths.host_log(), statedir::Access::Append)?;
    let exe = std::env::current_exe().context("finding the nexsock executable")?;
    let mut cmd = Command::new(exe);
    cmd.arg("daemon").stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own group: Ctrl+C in this terminal must not reach the host.
        cmd.process_group(0);
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        // CREATE_NEW_PROCESS_GROUP | DETACHED_PROCESS: no console of ours, so Ctrl+C in this one
        // does not reach the host, and the host outlives this terminal.
        cmd.creation_flags(0x0000_0200 | 0x0000_0008);
    }
    cmd.spawn().context("starting the nexsock host")
}
