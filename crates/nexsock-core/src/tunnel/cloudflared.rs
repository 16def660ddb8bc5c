//! cloudflared quick tunnels: one `cloudflared tunnel --url http://127.0.0.1:PORT --no-autoupdate
//! --metrics 127.0.0.1:MPORT` process per tunnel. The URL comes from the metrics server's
//! `/quicktunnel` (the boxed banner on stderr is the fallback), readiness from `/ready`.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use serde_json::Value;
use tokio::{process::Command, time::Instant};

use super::{
    BoxFuture, OpenTunnel, TunnelAgent, TunnelError, TunnelProvider, TunnelRequest,
    process::{
        GroupProcess, ProcessTunnel, ProcessTunnels, TOOL_POLL, Tail, find_binary, http, on_free_loopback_port, pump,
    },
};

const INSTALL: &str = "install cloudflared (`apt install cloudflared` from Cloudflare's package repository, `brew \
                       install cloudflared`, or a release from https://github.com/cloudflare/cloudflared/releases)";
/// How long a quick tunnel may take to get its hostname and a registered connection.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The public URL for a `/quicktunnel` hostname. Quick tunnels are served over https on
/// trycloudflare.com; only a loopback edge (a local stand-in) is plain http.
pub(crate) fn url_for_hostname(hostname: &str) -> Option<String> {
    let hostname = hostname.trim().trim_end_matches('/');
    if hostname.is_empty() {
        return None;
    }
    if hostname.contains("://") {
        return Some(hostname.to_owned());
    }
    let host = hostname.rsplit_once(':').map_or(hostname, |(h, _)| h);
    let loopback = host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    Some(format!("{}://{hostname}", if loopback { "http" } else { "https" }))
}

/// The hostname in a `/quicktunnel` answer.
pub(crate) fn quicktunnel_hostname(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("hostname").and_then(Value::as_str).filter(|h| !h.trim().is_empty()).map(str::to_owned)
}

/// Whether a `/ready` answer reports at least one registered connection.
pub(crate) fn ready_connections(body: &str) -> u64 {
    serde_json::from_str::<Value>(body).ok().and_then(|v| v.get("readyConnections")?.as_u64()).unwrap_or(0)
}

/// The URL in a line of the banner (`... INF |  https://x.trycloudflare.com   |`).
pub(crate) fn banner_url(line: &str) -> Option<String> {
    let inside = line.split_once('|')?.1.rsplit_once('|')?.0.trim();
    (inside.starts_with("https://") || inside.starts_with("http://"))
        .then(|| inside.split_whitespace().next().unwrap_or(inside).to_owned())
}

/// The cloudflared provider: one process per tunnel, kept with its metrics server's base URL.
#[derive(Debug, Default)]
pub struct CloudflaredProvider {
    open: ProcessTunnels<String>,
}

/// Polls the metrics server until the tunnel has a hostname and a ready connection.
async fn wait_ready(
    process: &GroupProcess,
    metrics: &str,
    banner: &Mutex<Option<String>>,
    tail: &Tail,
) -> Result<String, TunnelError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut backoff = TOOL_POLL.start();
    let mut url = None;
    loop {
        if let Some(how) = process.exited() {
            process.stop().await;
            tail.drained().await;
            return Err(TunnelError::Failed(format!(
                "cloudflared {how} before its tunnel was ready; {}",
                tail.last(5)
            )));
        }
        if url.is_none()
            && let Ok((200, body)) = http("GET", format!("{metrics}/quicktunnel"), None).await
        {
            url = quicktunnel_hostname(&body).and_then(|h| url_for_hostname(&h));
        }
        let seen = url.clone().or_else(|| banner.lock().unwrap_or_else(PoisonError::into_inner).clone());
        if let Some(found) = seen
            && let Ok((200, body)) = http("GET", format!("{metrics}/ready"), None).await
            && ready_connections(&body) > 0
        {
            return Ok(found);
        }
        if Instant::now() >= deadline {
            process.stop().await;
            return Err(TunnelError::Failed(format!(
                "cloudflared did not get a ready quick tunnel within {}s (Cloudflare may be unreachable or rate \
                 limiting quick tunnels); {}",
                READY_TIMEOUT.as_secs(),
                tail.last(5)
            )));
        }
        backoff.sleep(deadline).await;
    }
}

/// Starts cloudflared for `request` with its metrics server on `metrics_port` and waits for its
/// quick tunnel: the process, the metrics server's URL and the tunnel's URL.
async fn start(
    binary: &std::path::Path,
    request: &TunnelRequest,
    metrics_port: u16,
) -> Result<(GroupProcess, String, String), TunnelError> {
    let mut cmd = Command::new(binary);
    cmd.args(["tunnel", "--url", &format!("http://127.0.0.1:{}", request.local_port), "--no-autoupdate"])
        .args(["--metrics", &format!("127.0.0.1:{metrics_port}")]);
    let (process, pipes) = GroupProcess::spawn(cmd, "cloudflared", request)?;
    let tail = Tail::default();
    let banner = Arc::new(Mutex::new(None));
    let seen = banner.clone();
    let on_line = move |line: &str| {
        if let Some(url) = banner_url(line) {
            *seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(url);
        }
    };
    pump(pipes.stderr, tail.clone(), None, on_line.clone());
    pump(pipes.stdout, tail.clone(), None, on_line);
    let metrics = format!("http://127.0.0.1:{metrics_port}");
    let url = wait_ready(&process, &metrics, &banner, &tail).await?;
    Ok((process, metrics, url))
}

impl TunnelProvider for CloudflaredProvider {
    fn name(&self) -> &str {
        "cloudflared"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            self.open.remove(&request.service).await;
            let binary = find_binary(&request.profile, "cloudflared", INSTALL)?;
            let (process, metrics, url) =
                on_free_loopback_port("cloudflared", |port| start(&binary, &request, port)).await?;
            Ok(self.open.insert(ProcessTunnel { tunnel: request.opened(url), process, extra: metrics }).await)
        })
    }

    fn destroy<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            self.open.remove(service).await;
            Ok(())
        })
    }

    fn list(&self) -> Vec<OpenTunnel> {
        self.open.list()
    }

    fn agent(&self, service: &str) -> Option<TunnelAgent> {
        self.open.agent(service)
    }

    fn health<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            let Some(entry) = self.open.get(service) else {
                return Err(TunnelError::Failed(format!("no cloudflared tunnel for `{service}`")));
            };
            if let Some(how) = entry.process.exited() {
                return Err(TunnelError::Failed(format!("cloudflared {how}")));
            }
            match http("GET", format!("{}/ready", entry.extra), None).await {
                Ok((200, body)) if ready_connections(&body) > 0 => Ok(()),
                Ok((status, _)) => {
                    Err(TunnelError::Failed(format!("cloudflared has no ready connection (/ready answered {status})")))
                }
                Err(e) => Err(TunnelError::Failed(format!("cloudflared's metrics server did not answer: {e}"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::quick_tunnel(
        "oklahoma-solo-younger-truck.trycloudflare.com",
        Some("https://oklahoma-solo-younger-truck.trycloudflare.com")
    )]
    #[case::loopback_stand_in("127.0.0.1:40123", Some("http://127.0.0.1:40123"))]
    #[case::localhost("localhost:8080", Some("http://localhost:8080"))]
    #[case::already_a_url("https://a.trycloudflare.com/", Some("https://a.trycloudflare.com"))]
    #[case::empty("  ", None)]
    fn hostnames_become_urls(#[case] hostname: &str, #[case] url: Option<&str>) {
        assert_eq!(url_for_hostname(hostname).as_deref(), url);
    }

    #[rstest]
    #[case(r#"{"hostname":"x.trycloudflare.com"}"#, Some("x.trycloudflare.com"))]
    #[case(r#"{"hostname":""}"#, None)]
    #[case("404 page not found", None)]
    fn quicktunnel_answers_are_read(#[case] body: &str, #[case] hostname: Option<&str>) {
        assert_eq!(quicktunnel_hostname(body).as_deref(), hostname);
    }

    #[rstest]
    #[case(r#"{"status":200,"readyConnections":4,"connectorId":"a"}"#, 4)]
    #[case(r#"{"status":503,"readyConnections":0,"connectorId":"a"}"#, 0)]
    #[case("", 0)]
    fn ready_answers_are_read(#[case] body: &str, #[case] connections: u64) {
        assert_eq!(ready_connections(body), connections);
    }

    #[rstest]
    #[case(
        "2023-01-16T08:32:58Z INF |  https://oklahoma-solo-younger-truck.trycloudflare.com                                     |",
        Some("https://oklahoma-solo-younger-truck.trycloudflare.com")
    )]
    #[case(
        "2023-01-16T08:32:58Z INF |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |",
        None
    )]
    #[case(
        "2023-01-16T08:32:58Z INF +--------------------------------------------------------------------------------------------+",
        None
    )]
    #[case("2023-01-16T08:32:59Z INF Registered tunnel connection connIndex=0", None)]
    fn the_banner_line_with_the_url_is_recognised(#[case] line: &str, #[case] url: Option<&str>) {
        assert_eq!(banner_url(line).as_deref(), url);
    }
}
