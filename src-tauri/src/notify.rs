//! Which engine events deserve a native notification: a tunnel failed, a tunnel came back with a
//! new URL, a chain start failed (with its root cause), a ready service crashed, and — once — what
//! a previous host left running and how stopping it went. Pure, so that the rules are tested
//! without a notification server.

use std::collections::HashMap;

use nexsock_proto::{Event, ExecutionStatus, ServiceState};

/// Remembers each service's last state, to tell a crash (ready → failed) from a failed start.
#[derive(Debug, Default)]
pub struct Notifier {
    states: HashMap<String, ServiceState>,
    /// The summary of a previous host's leftovers was shown.
    reconciled: bool,
}

impl Notifier {
    /// The notification (title, body) an event calls for, if any.
    pub fn on_event(&mut self, event: &Event) -> Option<(String, String)> {
        match event {
            Event::TunnelFailed(t) => Some((
                format!("Tunnel to {} failed", t.service),
                t.error.clone().unwrap_or_else(|| "it stopped answering; nexsock is re-opening it".into()),
            )),
            Event::TunnelRecreated { tunnel, previous_url } => {
                let url = tunnel.public_url.clone().unwrap_or_default();
                let changed = previous_url.as_deref() != Some(url.as_str());
                Some((
                    format!("Tunnel to {} is back", tunnel.service),
                    if changed { format!("new URL: {url}") } else { format!("same URL: {url}") },
                ))
            }
            Event::ExecutionFinished(report) if report.status == ExecutionStatus::Failed => Some((
                format!("Starting {} failed", report.roots.join(", ")),
                report.error.clone().unwrap_or_else(|| "see `nexsock service history`".into()),
            )),
            Event::ServiceChanged(status) => {
                let before = self.states.insert(status.name.clone(), status.state);
                (before == Some(ServiceState::Ready) && status.state == ServiceState::Failed).then(|| {
                    (
                        format!("{} crashed", status.name),
                        status.reason.clone().unwrap_or_else(|| "it exited unexpectedly".into()),
                    )
                })
            }
            Event::Reconciliation(r) if r.found_any() && r.is_done() && !self.reconciled => {
                self.reconciled = true;
                let title = if r.failed.is_empty() {
                    "nexsock cleaned up after a previous host"
                } else {
                    "nexsock could not stop everything a previous host left"
                };
                Some((title.to_owned(), format!("It had died and left services running: {}.", r.summary())))
            }
            Event::Reconciliation(_)
            | Event::ExecutionFinished(_)
            | Event::Execution(_)
            | Event::Log { .. }
            | Event::TunnelCreated(_)
            | Event::TunnelClosed(_)
            | Event::TunnelChecked(_)
            | Event::ServiceAdded(_)
            | Event::ServiceUpdated(_)
            | Event::ServiceRemoved { .. }
            | Event::DependencyAdded { .. }
            | Event::DependencyRemoved { .. }
            | Event::ProfilesChanged
            | Event::SettingsChanged(_)
            | Event::ExchangeRecorded { .. }
            | Event::HostStopping => None,
        }
    }
}

/// The window's view a notification about `event` opens when clicked: the tunnels for a tunnel,
/// the services (with the chain's progress and states) for the rest.
pub fn view_for(event: &Event) -> &'static str {
    match event {
        Event::TunnelFailed(_) | Event::TunnelRecreated { .. } => "tunnels",
        _ => "services",
    }
}
