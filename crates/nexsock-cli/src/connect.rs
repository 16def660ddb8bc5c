//! Finding the host: connect to its socket, and when none answers, start one in the background
//! and wait until it does.

use std::{
    process::{Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use nexsock_core::{Paths, backoff::Backoff};
use nexsock_proto::{Client, ClientError, Request};

/// How long a freshly started host may take to answer.
const STARTUP_WAIT: Duration = Duration::from_secs(15);

/// Connects to the host, starting one when none runs.
pub async fn connect_or_start(paths: &Paths) -> Result<Client> {
    match Client::connect(&paths.socket()).await {
        Ok(client) => return Ok(client),
        Err(ClientError::Connect { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    spawn_host(paths)?;
    let started = Instant::now();
    let mut retry = Backoff::new(Duration::from_millis(2), Duration::from_millis(100)).start();
    loop {
        match Client::connect(&paths.socket()).await {
            Ok(client) => return Ok(client),
            Err(ClientError::Connect { .. }) if started.elapsed() < STARTUP_WAIT => {
                tokio::time::sleep(retry.next_delay()).await;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("the host started in the background did not answer; see {}", paths.host_log().display())
                });
            }
        }
    }
}

/// Sends one request (starting a host if needed) and prints its answer; `what` says what a bare
/// `Done` means.
pub async fn send(request: Request, json: bool, what: &str) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(request).await?;
    crate::output::print_response(&response, json, what)?;
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
fn spawn_host(paths: &Paths) -> Result<()> {
    std::fs::create_dir_all(&paths.home).with_context(|| format!("creating {}", paths.home.display()))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.host_log())
        .with_context(|| format!("opening {}", paths.host_log().display()))?;
    let exe = std::env::current_exe().context("finding the nexsock executable")?;
    let mut cmd = Command::new(exe);
    cmd.arg("daemon").stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own group: Ctrl+C in this terminal must not reach the host.
        cmd.process_group(0);
    }
    let child = cmd.spawn().context("starting the nexsock host")?;
    if child.id() == 0 {
        bail!("the host did not start");
    }
    Ok(())
}
