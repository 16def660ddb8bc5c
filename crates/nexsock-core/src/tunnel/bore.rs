//! bore, in process: the bore-cli library connects to the profile's server (with its secret, if
//! any) and forwards the raw TCP port it is given to the service's local port.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::{net::TcpStream, task::JoinHandle, time::timeout};

use super::{BoxFuture, OpenTunnel, TunnelAgent, TunnelError, TunnelProvider, TunnelRequest};

/// How long a health check may take to reach the public port.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug)]
struct Entry {
    tunnel: OpenTunnel,
    host: String,
    remote_port: u16,
    task: JoinHandle<()>,
}

/// The bore provider; one client task per open tunnel.
#[derive(Debug, Default)]
pub struct BoreProvider {
    open: Arc<Mutex<HashMap<String, Entry>>>,
}

impl BoreProvider {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `HOST` or `HOST:7835`: bore's control port is fixed by the protocol.
fn server_host(server: &str) -> Result<&str, TunnelError> {
    match server.rsplit_once(':') {
        Some((host, "7835")) => Ok(host),
        Some((_, port)) if port.chars().all(|c| c.is_ascii_digit()) => Err(TunnelError::Failed(format!(
            "bore servers listen for clients on port 7835; drop `:{port}` from the profile's --server"
        ))),
        _ => Ok(server),
    }
}

impl TunnelProvider for BoreProvider {
    fn name(&self) -> &str {
        "bore"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            let server = request.profile.server.as_deref().ok_or_else(|| {
                TunnelError::Failed(format!("profile `{}` names no bore server (--server HOST)", request.profile.name))
            })?;
            let host = server_host(server)?.to_owned();
            let secret = request.token.as_ref().map(|s| s.expose().to_owned());
            let client = bore_cli::client::Client::new("127.0.0.1", request.local_port, &host, 0, secret.as_deref())
                .await
                .map_err(|e| TunnelError::Failed(format!("bore server {host}: {e:#}")))?;
            let remote_port = client.remote_port();
            let tunnel = request.opened(format!("http://{host}:{remote_port}"));
            let service = request.service.clone();
            let task = tokio::spawn(async move {
                if let Err(e) = client.listen().await {
                    tracing::warn!(service, "bore tunnel ended: {e:#}");
                }
            });
            let old = self.open().insert(request.service, Entry { tunnel: tunnel.clone(), host, remote_port, task });
            if let Some(old) = old {
                old.task.abort();
            }
            Ok(tunnel)
        })
    }

    fn destroy<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            if let Some(entry) = self.open().remove(service) {
                entry.task.abort();
            }
            Ok(())
        })
    }

    fn list(&self) -> Vec<OpenTunnel> {
        self.open().values().map(|e| e.tunnel.clone()).collect()
    }

    fn agent(&self, service: &str) -> Option<TunnelAgent> {
        self.open().contains_key(service).then_some(TunnelAgent::InProcess)
    }

    fn health<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            let (host, port, finished) = match self.open().get(service) {
                Some(e) => (e.host.clone(), e.remote_port, e.task.is_finished()),
                None => return Err(TunnelError::Failed(format!("no bore tunnel for {service}"))),
            };
            if finished {
                return Err(TunnelError::Failed("the connection to the bore server dropped".into()));
            }
            match timeout(HEALTH_TIMEOUT, TcpStream::connect((host.as_str(), port))).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(TunnelError::Failed(format!("public port {host}:{port} refuses connections: {e}"))),
                Err(_) => Err(TunnelError::Failed(format!("public port {host}:{port} did not answer within 2s"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_port_is_fixed() {
        assert_eq!(server_host("bore.pub").expect("host"), "bore.pub");
        assert_eq!(server_host("bore.pub:7835").expect("host"), "bore.pub");
        assert!(server_host("bore.pub:9000").is_err());
    }
}
