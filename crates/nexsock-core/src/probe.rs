//! Readiness probes: TCP connect, HTTP GET answering 2xx, a command exiting 0. They retry from
//! 1 ms with back-off so that readiness is seen within milliseconds, not the seconds other tools
//! poll at. (`log:` readiness is decided by the engine as lines arrive.)

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use nexsock_proto::{HealthCheck, ServiceSpec};
use tokio::{
    net::TcpStream,
    time::{Instant, sleep, timeout},
};

use crate::supervisor::group_command;

/// For this long after spawn, probes retry at most every [`FAST_CAP`].
pub const FAST_PHASE: Duration = Duration::from_secs(5);
/// The longest gap between attempts in the fast phase.
pub const FAST_CAP: Duration = Duration::from_millis(4);
/// The longest gap between attempts afterwards.
pub const SLOW_CAP: Duration = Duration::from_millis(250);
/// A single exec probe or HTTP request may take this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// The wait before attempt `attempt + 1`, given how long the service has been starting. Exec
/// probes start a process per attempt, so they begin at 20 ms.
pub fn probe_delay(check: &HealthCheck, attempt: u32, elapsed: Duration) -> Duration {
    let (first, fast_cap) = match check {
        HealthCheck::Exec { .. } => (Duration::from_millis(20), Duration::from_millis(100)),
        _ => (Duration::from_millis(1), FAST_CAP),
    };
    let cap = if elapsed < FAST_PHASE { fast_cap } else { SLOW_CAP };
    first.saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX)).min(cap)
}

/// Retries `check` until it passes (`Ok`) or `deadline` passes (`Err` with the last failure).
pub async fn wait_ready(spec: ServiceSpec, deadline: Instant) -> Result<(), String> {
    let Some(check) = spec.health.clone() else { return Ok(()) };
    let started = Instant::now();
    let mut last = String::from("no attempt finished");
    for attempt in 0u32.. {
        match probe_once(&check, &spec).await {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        sleep(probe_delay(&check, attempt, now - started).min(deadline - now)).await;
    }
    Err(format!("not ready after {}s: {check} probe: {last}", spec.startup_timeout_secs))
}

/// One attempt.
pub async fn probe_once(check: &HealthCheck, spec: &ServiceSpec) -> Result<(), String> {
    let port = spec.port.and_then(|p| u16::try_from(p).ok());
    match (check, port) {
        (HealthCheck::Tcp, Some(port)) => connect(port).await.map(drop),
        (HealthCheck::Http { path }, Some(port)) => {
            // Connecting first fails fast and cheaply while the port is still closed.
            let addr = connect(port).await?.peer_addr().map_err(|e| e.to_string())?;
            http_get(addr, path).await
        }
        (HealthCheck::Exec { command }, _) => exec(command, spec).await,
        (HealthCheck::Log { pattern }, _) => Err(format!("no output line matched `{pattern}`")),
        (HealthCheck::Tcp | HealthCheck::Http { .. }, None) => Err("the service has no port".into()),
    }
}

/// Connects to the port on IPv4 loopback, then IPv6 loopback.
async fn connect(port: u16) -> Result<TcpStream, String> {
    match TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await {
        Ok(s) => Ok(s),
        Err(e4) => {
            TcpStream::connect((Ipv6Addr::LOCALHOST, port)).await.map_err(|_| format!("connect to port {port}: {e4}"))
        }
    }
}

async fn http_get(addr: SocketAddr, path: &str) -> Result<(), String> {
    let host = match addr {
        SocketAddr::V4(_) => addr.to_string(),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    };
    let url = format!("http://{host}{path}");
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        match agent.get(&url).call() {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(format!("GET {url} answered {}", resp.status())),
            Err(e) => Err(format!("GET {url}: {e}")),
        }
    })
    .await
    .map_err(|e| e.to_string())?
}

async fn exec(command: &str, spec: &ServiceSpec) -> Result<(), String> {
    let mut wrap = group_command(command, spec, &[]);
    wrap.command_mut()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = wrap.spawn().map_err(|e| format!("cannot run `{command}`: {e}"))?;
    match timeout(ATTEMPT_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("`{command}` {status}")),
        Ok(Err(e)) => Err(format!("`{command}`: {e}")),
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(format!("`{command}` took longer than {ATTEMPT_TIMEOUT:?}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_delays_start_at_a_millisecond_and_stay_fast_while_starting() {
        let tcp = HealthCheck::Tcp;
        assert_eq!(probe_delay(&tcp, 0, Duration::ZERO), Duration::from_millis(1));
        assert_eq!(probe_delay(&tcp, 1, Duration::ZERO), Duration::from_millis(2));
        assert_eq!(probe_delay(&tcp, 30, Duration::from_secs(1)), FAST_CAP);
        assert_eq!(probe_delay(&tcp, 30, FAST_PHASE), SLOW_CAP);
        let exec = HealthCheck::Exec { command: "true".into() };
        assert_eq!(probe_delay(&exec, 0, Duration::ZERO), Duration::from_millis(20));
    }

    #[tokio::test]
    async fn a_tcp_probe_passes_once_the_port_listens() {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        assert!(probe_once(&HealthCheck::Tcp, &spec_with_port(port)).await.is_ok());
        drop(listener);
        let err = probe_once(&HealthCheck::Tcp, &spec_with_port(port)).await.expect_err("closed");
        assert!(err.contains(&port.to_string()), "{err}");
    }

    fn spec_with_port(port: u16) -> ServiceSpec {
        ServiceSpec {
            name: "t".into(),
            command: "true".into(),
            cwd: None,
            port: Some(u32::from(port)),
            env: Default::default(),
            health: Some(HealthCheck::Tcp),
            restart: Default::default(),
            startup_timeout_secs: 1,
            stop_grace_secs: 1,
        }
    }
}
