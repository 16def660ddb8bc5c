//! Readiness probes: TCP connect, HTTP GET answering 2xx, a command exiting 0. They retry from
//! 1 ms with back-off so that readiness is seen within milliseconds, not the seconds other tools
//! poll at. (`log:` readiness is decided by the engine as lines arrive.)

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use nexsock_proto::{HealthCheck, ServiceSpec};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    time::{Instant, sleep, timeout},
};

use crate::{
    backoff::Backoff,
    ports::{self, Ownership},
    supervisor::group_command,
};

/// For this long after spawn, probes retry at most every [`FAST_CAP`].
pub const FAST_PHASE: Duration = Duration::from_secs(5);
/// The longest gap between attempts in the fast phase.
pub const FAST_CAP: Duration = Duration::from_millis(2);
/// The longest gap between attempts afterwards.
pub const SLOW_CAP: Duration = Duration::from_millis(250);
/// A single exec probe or HTTP request may take this long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// The wait before attempt `attempt + 1`, given how long the service has been starting. Exec
/// probes start a process per attempt, so they begin at 20 ms.
pub fn probe_delay(check: &HealthCheck, attempt: u32, elapsed: Duration) -> Duration {
    let policy = match check {
        HealthCheck::Exec { .. } => Backoff::new(Duration::from_millis(20), Duration::from_millis(100)),
        _ => Backoff::new(Duration::from_millis(1), FAST_CAP),
    };
    let policy = if elapsed < FAST_PHASE { policy } else { policy.capped(SLOW_CAP) };
    policy.delay(attempt)
}

/// How often a failing readiness check says what it answered ([`wait_ready`]'s `answered`): often
/// enough for a waiting CLI, rare enough to cost the engine nothing while attempts run every
/// few milliseconds.
pub const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Retries `check` until it passes (`Ok`) or `deadline` passes (`Err` with the last failure). A
/// tcp or http check passes only when the listener is a process of group `pgid` (the service's):
/// a process that took the port meanwhile never makes it look ready. An exec check's command
/// inherits none of the `withheld` variables (see [`crate::supervisor::group_command`]). Failures
/// go to `answered`: the first at once, then at most one per [`REPORT_EVERY`].
pub async fn wait_ready(
    spec: ServiceSpec,
    pgid: u32,
    deadline: Instant,
    inherit: crate::supervisor::Inherit,
    mut answered: impl FnMut(String),
) -> Result<(), String> {
    let Some(check) = spec.health.clone() else { return Ok(()) };
    let started = Instant::now();
    let mut last = String::from("no attempt finished");
    let mut reported: Option<Instant> = None;
    for attempt in 0u32.. {
        match probe_once(&check, &spec, &inherit).await.and_then(|()| owned(&check, &spec, pgid)) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
        if reported.is_none_or(|at| at.elapsed() >= REPORT_EVERY) {
            reported = Some(Instant::now());
            answered(last.clone());
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
pub async fn probe_once(
    check: &HealthCheck,
    spec: &ServiceSpec,
    inherit: &crate::supervisor::Inherit,
) -> Result<(), String> {
    let port = spec.port.and_then(|p| u16::try_from(p).ok());
    match (check, port) {
        (HealthCheck::Tcp, Some(port)) => connect(port).await.map(drop),
        (HealthCheck::Http { path }, Some(port)) => http_get(connect(port).await?, path).await,
        (HealthCheck::Exec { command }, _) => exec(command, spec, inherit).await,
        (HealthCheck::Log { pattern }, _) => Err(format!("no output line matched `{pattern}`")),
        (HealthCheck::Tcp | HealthCheck::Http { .. }, None) => Err("the service has no port".into()),
    }
}

/// After a tcp or http check passed: whether the service itself listens on its port (when the OS
/// can tell).
fn owned(check: &HealthCheck, spec: &ServiceSpec, pgid: u32) -> Result<(), String> {
    let (HealthCheck::Tcp | HealthCheck::Http { .. }, Some(port)) =
        (check, spec.port.and_then(|p| u16::try_from(p).ok()))
    else {
        return Ok(());
    };
    match ports::ownership(port, pgid) {
        Ownership::Ours | Ownership::Unknown => Ok(()),
        Ownership::Other(listener) => {
            let who = listener.holder().unwrap_or_default().describe();
            Err(format!("port {port} answers, but {who} listens on it, not this service"))
        }
    }
}

/// The longest gap between attempts of a dependency edge's `--health-path` check: the service is
/// already up and logs each request, so this asks less often than a readiness probe.
pub const EDGE_PATH_CAP: Duration = Duration::from_millis(100);

/// Retries GET `path` on loopback `port`, from 1 ms doubling to [`EDGE_PATH_CAP`], until it answers
/// 2xx or 3xx (a dependency edge's `--health-path`); runs until it does or is aborted.
pub async fn wait_http(port: u16, path: &str) {
    let mut retry = Backoff::new(Duration::from_millis(1), EDGE_PATH_CAP).start();
    loop {
        if let Ok(stream) = connect(port).await
            && http_get(stream, path).await.is_ok()
        {
            return;
        }
        sleep(retry.next_delay()).await;
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

/// `GET path` on the connection the probe has just opened (HTTP/1.1, `Connection: close`), so a
/// closed port fails at the connect and an open one costs no second connection or thread hop.
/// Healthy on a 2xx or 3xx status line, as Kubernetes' httpGet probe judges it.
async fn http_get(mut stream: TcpStream, path: &str) -> Result<(), String> {
    let host = match stream.peer_addr().map_err(|e| e.to_string())? {
        SocketAddr::V4(v4) => v4.to_string(),
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
    };
    let url = format!("http://{host}{path}");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: nexsock-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    let status_line = timeout(ATTEMPT_TIMEOUT, async {
        stream.write_all(request.as_bytes()).await?;
        let mut line = Vec::with_capacity(64);
        let mut reader = BufReader::new(stream).take(1024);
        reader.read_until(b'\n', &mut line).await?;
        Ok::<_, std::io::Error>(line)
    })
    .await
    .map_err(|_| format!("GET {url}: no answer within {ATTEMPT_TIMEOUT:?}"))?
    .map_err(|e| format!("GET {url}: {e}"))?;
    let status_line = String::from_utf8_lossy(&status_line);
    let status = status_line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("GET {url}: not an HTTP answer: {:?}", status_line.trim_end()))?;
    match status {
        200..=399 => Ok(()),
        _ => Err(format!("GET {url} answered {}", status_line.trim_end().split_once(' ').map_or("", |(_, s)| s))),
    }
}

async fn exec(command: &str, spec: &ServiceSpec, inherit: &crate::supervisor::Inherit) -> Result<(), String> {
    let mut wrap = group_command(command, spec, &[], inherit);
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
            // A probe past its time gets no grace: the group is stopped and the leader reaped.
            if let Some(pgid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
                let signal = |s| crate::procinfo::signal_group(pgid, s);
                let _ = crate::supervisor::stop_led_group(pgid, Duration::ZERO, signal, child.wait()).await;
            }
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
        assert!(probe_once(&HealthCheck::Tcp, &spec_with_port(port), &Default::default()).await.is_ok());
        drop(listener);
        let err = probe_once(&HealthCheck::Tcp, &spec_with_port(port), &Default::default()).await.expect_err("closed");
        assert!(err.contains(&port.to_string()), "{err}");
    }

    /// A server that reads one request, answers `answer` and closes; returns its port and the
    /// request it got.
    async fn answering(answer: &'static str) -> (u16, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let served = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            while reader.read_line(&mut request).await.expect("read") > 2 {}
            reader.get_mut().write_all(answer.as_bytes()).await.expect("write");
            request
        });
        (port, served)
    }

    #[tokio::test]
    async fn an_http_probe_asks_on_its_own_connection_and_takes_2xx_and_3xx() {
        let check = HealthCheck::Http { path: "/health?deep=1".into() };
        for answer in
            ["HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 204 No Content\r\n\r\n", "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"]
        {
            let (port, served) = answering(answer).await;
            assert_eq!(probe_once(&check, &spec_with_port(port), &Default::default()).await, Ok(()), "{answer}");
            let request = served.await.expect("served");
            assert!(request.starts_with("GET /health?deep=1 HTTP/1.1\r\n"), "{request}");
            assert!(request.contains(&format!("Host: 127.0.0.1:{port}\r\n")), "{request}");
        }
        let (port, _) = answering("HTTP/1.1 503 Service Unavailable\r\n\r\n").await;
        let err = probe_once(&check, &spec_with_port(port), &Default::default()).await.expect_err("503");
        assert!(err.ends_with("answered 503 Service Unavailable"), "{err}");
        let (port, _) = answering("SSH-2.0-OpenSSH\r\n").await;
        let err = probe_once(&check, &spec_with_port(port), &Default::default()).await.expect_err("not http");
        assert!(err.contains("not an HTTP answer"), "{err}");
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
            inherit: None,
            tags: Vec::new(),
        }
    }
}
