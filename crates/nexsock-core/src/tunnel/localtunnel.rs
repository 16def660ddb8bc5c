//! localtunnel: one `lt --port PORT --local-host 127.0.0.1 [--host URL] [--subdomain S]` process
//! per tunnel, with a clean environment (lt reads every variable into its options, so a `PORT` or
//! `HOST` of the host's would override the flags). The URL is the stdout line `your url is: URL`.

use std::time::Duration;

use tokio::{process::Command, sync::watch, time::timeout};

use super::{
    BoxFuture, OpenTunnel, TunnelAgent, TunnelError, TunnelProvider, TunnelRequest,
    process::{GroupProcess, ProcessTunnel, ProcessTunnels, Tail, find_binary, pump},
};

const INSTALL: &str = "install localtunnel with `npm install -g localtunnel` (it needs Node.js)";
/// How long lt may take to print its URL.
const URL_TIMEOUT: Duration = Duration::from_secs(30);

/// The URL in lt's `your url is: URL` line.
pub(crate) fn url_line(line: &str) -> Option<String> {
    let url = line.trim().strip_prefix("your url is:")?.trim();
    (!url.is_empty()).then(|| url.to_owned())
}

/// The server flags for a profile's URL: `https://NAME.loca.lt` asks the public server for the
/// subdomain NAME, the public server itself needs no flag, any other URL is a self-hosted server.
pub(crate) fn server_args(url: Option<&str>) -> Vec<String> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else { return Vec::new() };
    let host = url.split_once("://").map_or(url, |(_, rest)| rest).split(['/', ':']).next().unwrap_or_default();
    match host.strip_suffix(".loca.lt") {
        _ if host == "loca.lt" || host == "localtunnel.me" => Vec::new(),
        Some(sub) if !sub.is_empty() && !sub.contains('.') => vec!["--subdomain".into(), sub.into()],
        _ => vec!["--host".into(), url.into()],
    }
}

/// The localtunnel provider: one `lt` process per tunnel.
#[derive(Debug, Default)]
pub struct LocaltunnelProvider {
    open: ProcessTunnels<()>,
}

/// `lt` for `request`, with nothing of the host's environment but PATH and HOME.
fn command(binary: std::path::PathBuf, request: &TunnelRequest) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(["--port", &request.local_port.to_string(), "--local-host", "127.0.0.1"])
        .args(server_args(request.profile.url.as_deref()))
        .env_clear();
    for name in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd
}

impl TunnelProvider for LocaltunnelProvider {
    fn name(&self) -> &str {
        "localtunnel"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            self.open.remove(&request.service).await;
            let binary = find_binary(&request.profile, "lt", INSTALL)?;
            let (process, pipes) = GroupProcess::spawn(command(binary, &request), "lt", &request)?;
            let tail = Tail::default();
            let (found, mut url) = watch::channel(None);
            pump(pipes.stdout, tail.clone(), None, move |line| {
                if let Some(u) = url_line(line) {
                    let _ = found.send(Some(u));
                }
            });
            pump(pipes.stderr, tail.clone(), None, |_| {});
            let seen = tokio::select! {
                seen = timeout(URL_TIMEOUT, url.wait_for(Option::is_some)) => seen.ok().and_then(|u| u.ok()?.clone()),
                () = async { process.wait_exit(URL_TIMEOUT).await; } => None,
            };
            let Some(url) = seen else {
                let how = process.exited();
                process.stop().await;
                tail.drained().await;
                return Err(TunnelError::Failed(match how {
                    Some(how) => format!("lt {how} before printing its URL; {}", tail.last(5)),
                    None => format!(
                        "lt printed no URL within {}s (is the localtunnel server reachable?); {}",
                        URL_TIMEOUT.as_secs(),
                        tail.last(5)
                    ),
                }));
            };
            Ok(self.open.insert(ProcessTunnel { tunnel: request.opened(url), process, extra: () }).await)
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
            match self.open.get(service).map(|e| e.process.exited()) {
                None => Err(TunnelError::Failed(format!("no localtunnel for `{service}`"))),
                Some(Some(how)) => Err(TunnelError::Failed(format!("lt {how}"))),
                Some(None) => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("your url is: https://brave-cat-12.loca.lt", Some("https://brave-cat-12.loca.lt"))]
    #[case("your url is: http://127.0.0.1:40111\r", Some("http://127.0.0.1:40111"))]
    #[case("your url is:", None)]
    #[case("Error: connection refused: localtunnel.me:33211", None)]
    fn the_url_line_is_recognised(#[case] line: &str, #[case] url: Option<&str>) {
        assert_eq!(url_line(line).as_deref(), url);
    }

    #[rstest]
    #[case::none(None, &[])]
    #[case::public_server(Some("https://localtunnel.me"), &[])]
    #[case::subdomain(Some("https://my-app.loca.lt"), &["--subdomain", "my-app"])]
    #[case::self_hosted(Some("https://lt.example.com"), &["--host", "https://lt.example.com"])]
    #[case::self_hosted_subdomain_like(Some("https://a.b.loca.lt"), &["--host", "https://a.b.loca.lt"])]
    fn profile_urls_become_server_flags(#[case] url: Option<&str>, #[case] args: &[&str]) {
        assert_eq!(server_args(url), args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    }
}
