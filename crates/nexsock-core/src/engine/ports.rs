//! Held ports: a service never starts while something else listens on its port, and the error
//! names the holder — one of our services, an orphan of an earlier run, or a foreign process.
//! `PortStatus` says who holds a port; `FreePort` stops the holder when nexsock started it, and a
//! foreign one only when asked to.

use std::time::Duration;

use nexsock_proto::{PortHolder, PortStatus, Response};

use super::{Engine, Reply, service::Phase};
use crate::{
    error::CoreError,
    ports, procinfo,
    supervisor::{stop_group, stop_processes},
};

/// How long a holder nexsock did not start as a service gets between SIGTERM and SIGKILL.
const HOLDER_GRACE: Duration = Duration::from_secs(5);

impl Engine {
    /// Who listens on `port`; `None` when it is free.
    pub(super) fn port_holder(&self, port: u16) -> Option<PortHolder> {
        let mut holder = ports::listener(port).holder()?;
        let Some(pid) = holder.pid else { return Some(holder) };
        let group = procinfo::pgid_of(pid);
        let service = self
            .services
            .values()
            .find(|s| match &s.phase {
                Phase::Starting(run) | Phase::Ready(run) | Phase::Stopping { run, .. } => Some(run.pid) == group,
                _ => false,
            })
            .map(|s| s.spec.name.clone());
        holder.orphan_of = match &service {
            Some(_) => None,
            None => procinfo::marker(pid).and_then(|token| self.store.service_of_run_token(&token).ok().flatten()),
        };
        holder.service = service;
        Some(holder)
    }

    /// `PortStatus`.
    pub(super) fn port_status(&self, port: u16) -> PortStatus {
        PortStatus { port, holder: self.port_holder(port), declared_by: self.declaring(port) }
    }

    /// The services that declare `port`.
    fn declaring(&self, port: u16) -> Vec<String> {
        self.services.values().filter(|s| s.spec.port == Some(u32::from(port))).map(|s| s.spec.name.clone()).collect()
    }

    /// The error for starting `name` while `holder` listens on its port.
    pub(super) fn port_in_use(name: &str, port: u16, holder: PortHolder) -> CoreError {
        CoreError::PortInUse { name: name.to_owned(), port, holder }
    }

    /// `FreePort`: answered once the port of `name` is free (or with why it is not).
    pub(super) fn free_port(&mut self, name: &str, kill_foreign: bool, reply: Reply) {
        let port = match self.service(name).map(|s| s.spec.port.and_then(|p| u16::try_from(p).ok())) {
            Err(e) => return drop(reply.send(Err(e))),
            Ok(None) => {
                let _ = reply.send(Err(CoreError::InvalidArgument(format!("`{name}` declares no port"))));
                return;
            }
            Ok(Some(port)) => port,
        };
        let Some(holder) = self.port_holder(port) else {
            return drop(reply.send(Ok(Response::Port(self.port_status(port)))));
        };
        // Answered with the holder that was stopped.
        let (declared_by, stopped) = (self.declaring(port), holder.clone());
        let free = move || {
            Ok(Response::Port(PortStatus { port, holder: Some(stopped.clone()), declared_by: declared_by.clone() }))
        };
        match (&holder.service, &holder.orphan_of, holder.pid) {
            // Its own process holds it: nothing to free, a start joins it.
            (Some(service), _, _) if service == name => drop(reply.send(Ok(Response::Port(self.port_status(port))))),
            (Some(service), _, _) => {
                let (stopped, done) = tokio::sync::oneshot::channel();
                let name = name.to_owned();
                self.stop_service(&service.clone(), stopped);
                tokio::spawn(async move {
                    let _ = done.await;
                    let _ = reply.send(after_freeing(&name, port, free));
                });
            }
            (None, orphan_of, Some(pid)) if orphan_of.is_some() || kill_foreign => {
                let orphan = orphan_of.is_some();
                let name = name.to_owned();
                tracing::warn!(port, pid, orphan, "ending the holder of port {port} for `{name}`");
                let group = procinfo::pgid_of(pid).and_then(|g| i32::try_from(g).ok());
                let pid = i32::try_from(pid).unwrap_or(i32::MAX);
                tokio::spawn(async move {
                    match group {
                        // An orphan's whole group is an earlier run of ours.
                        Some(group) if orphan => {
                            stop_group(group, HOLDER_GRACE, |s| procinfo::signal_group(group, s)).await;
                        }
                        _ => {
                            stop_processes(HOLDER_GRACE, |s| procinfo::signal_pid(pid, s), || procinfo::pid_alive(pid))
                                .await;
                        }
                    }
                    let _ = reply.send(after_freeing(&name, port, free));
                });
            }
            _ => drop(reply.send(Err(Self::port_in_use(name, port, holder)))),
        }
    }
}

/// The answer once the holder was stopped: free, or who holds the port now.
fn after_freeing(name: &str, port: u16, free: impl Fn() -> Result<Response, CoreError>) -> Result<Response, CoreError> {
    match ports::listener(port).holder() {
        None => free(),
        Some(holder) => Err(Engine::port_in_use(name, port, holder)),
    }
}
