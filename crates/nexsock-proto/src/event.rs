//! Events the host broadcasts to subscribers (CLI progress and `logs -f`, the desktop shell, the UI).

use serde::{Deserialize, Serialize};

use crate::{
    dependency::{Change, DependencySpec},
    dto::{LogLine, Reconciliation, ServiceDetail, ServiceStatus},
    execution::{ExecutionProgress, ExecutionReport, Settings},
    tunnel::TunnelInfo,
};

/// Something that happened inside the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// A service changed state; carries its whole new status.
    ServiceChanged(ServiceStatus),
    /// A service printed a line.
    Log {
        /// The service that printed it.
        service: String,
        /// The line.
        line: LogLine,
    },
    /// A chain start made progress.
    Execution(ExecutionProgress),
    /// A chain start ended.
    ExecutionFinished(ExecutionReport),
    /// A tunnel opened.
    TunnelCreated(TunnelInfo),
    /// A tunnel failed (its agent died, its health check failed, or it could not open).
    TunnelFailed(TunnelInfo),
    /// A failed tunnel was opened again.
    TunnelRecreated {
        /// The tunnel now.
        tunnel: TunnelInfo,
        /// Its URL before, when it had one.
        previous_url: Option<String>,
    },
    /// A service was registered (`AddService`, `Apply`).
    ServiceAdded(ServiceDetail),
    /// A service's definition changed (`Apply`, its tunnel profile); a running process keeps
    /// the old one until it restarts.
    ServiceUpdated(ServiceDetail),
    /// A service was removed, and every dependency edge to or from it with it.
    ServiceRemoved {
        /// Its name.
        name: String,
    },
    /// A dependency edge was created, or its options changed.
    DependencyAdded {
        /// The stored edge, condition resolved.
        edge: DependencySpec,
        /// `created` or `updated`.
        change: Change,
    },
    /// A dependency edge was removed.
    DependencyRemoved {
        /// The dependent.
        service: String,
        /// The dependency.
        depends_on: String,
    },
    /// A tunnel's health check passed: its time of last check moved on (nothing else changed).
    TunnelChecked(TunnelInfo),
    /// A tunnel was closed (on request, with its service, or at shutdown).
    TunnelClosed(TunnelInfo),
    /// A profile was added, changed or removed, a token set, or the default profile changed.
    /// Carries nothing: whether a token is set is the keyring's to say, so readers ask again.
    ProfilesChanged,
    /// The host-wide settings changed.
    SettingsChanged(Settings),
    /// Progress in stopping what a previous host left running: sent when the host begins and
    /// each time a leftover is dealt with (the last one has nothing `remaining`).
    Reconciliation(Reconciliation),
    /// The request inspector recorded an exchange of a service's tunnel (a replay included). Only
    /// its id goes out, never its headers or bodies: readers ask `ListExchanges` (masked).
    ExchangeRecorded {
        /// The service whose tunnel carried it.
        service: String,
        /// The exchange's id.
        exchange_id: u64,
    },
    /// The host is shutting down; the stream ends after this.
    HostStopping,
}

impl Event {
    /// Every event type, as `type` names it on the wire (`nexsock events --type`).
    pub const KINDS: [&'static str; 19] = [
        "ServiceChanged",
        "Log",
        "Execution",
        "ExecutionFinished",
        "TunnelCreated",
        "TunnelFailed",
        "TunnelRecreated",
        "ServiceAdded",
        "ServiceUpdated",
        "ServiceRemoved",
        "DependencyAdded",
        "DependencyRemoved",
        "TunnelChecked",
        "TunnelClosed",
        "ProfilesChanged",
        "SettingsChanged",
        "Reconciliation",
        "ExchangeRecorded",
        "HostStopping",
    ];

    /// This event's type, as `type` names it on the wire (one of [`Self::KINDS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ServiceChanged(_) => "ServiceChanged",
            Self::Log { .. } => "Log",
            Self::Execution(_) => "Execution",
            Self::ExecutionFinished(_) => "ExecutionFinished",
            Self::TunnelCreated(_) => "TunnelCreated",
            Self::TunnelFailed(_) => "TunnelFailed",
            Self::TunnelRecreated { .. } => "TunnelRecreated",
            Self::ServiceAdded(_) => "ServiceAdded",
            Self::ServiceUpdated(_) => "ServiceUpdated",
            Self::ServiceRemoved { .. } => "ServiceRemoved",
            Self::DependencyAdded { .. } => "DependencyAdded",
            Self::DependencyRemoved { .. } => "DependencyRemoved",
            Self::TunnelChecked(_) => "TunnelChecked",
            Self::TunnelClosed(_) => "TunnelClosed",
            Self::ProfilesChanged => "ProfilesChanged",
            Self::SettingsChanged(_) => "SettingsChanged",
            Self::Reconciliation(_) => "Reconciliation",
            Self::ExchangeRecorded { .. } => "ExchangeRecorded",
            Self::HostStopping => "HostStopping",
        }
    }

    /// The services this event is about (`nexsock events --service NAME` keeps those); none for
    /// host-wide events.
    pub fn services(&self) -> Vec<&str> {
        match self {
            Self::ServiceChanged(status) => vec![status.name.as_str()],
            Self::Log { service, .. }
            | Self::ServiceRemoved { name: service }
            | Self::ExchangeRecorded { service, .. } => vec![service.as_str()],
            Self::ServiceAdded(detail) | Self::ServiceUpdated(detail) => vec![detail.spec.name.as_str()],
            Self::Execution(progress) => vec![progress.service.name.as_str()],
            Self::ExecutionFinished(report) => report.services.iter().map(|s| s.name.as_str()).collect(),
            Self::TunnelCreated(tunnel)
            | Self::TunnelFailed(tunnel)
            | Self::TunnelChecked(tunnel)
            | Self::TunnelClosed(tunnel) => {
                vec![tunnel.service.as_str()]
            }
            Self::TunnelRecreated { tunnel, .. } => vec![tunnel.service.as_str()],
            Self::DependencyAdded { edge, .. } => vec![edge.service.as_str(), edge.depends_on.as_str()],
            Self::DependencyRemoved { service, depends_on } => vec![service.as_str(), depends_on.as_str()],
            Self::Reconciliation(r) => r
                .remaining
                .iter()
                .chain(&r.stopped)
                .chain(r.failed.iter().map(|f| &f.service))
                .chain(&r.gone)
                .map(String::as_str)
                .collect(),
            Self::ProfilesChanged | Self::SettingsChanged(_) | Self::HostStopping => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::Stream;

    #[test]
    fn an_events_kind_is_its_type_on_the_wire_and_a_known_one() {
        let line = LogLine { stream: Stream::Stdout, text: "hi".into(), at_ms: Some(1) };
        let events = [
            Event::Log { service: "api".into(), line },
            Event::ServiceRemoved { name: "api".into() },
            Event::ProfilesChanged,
            Event::ExchangeRecorded { service: "api".into(), exchange_id: 1 },
            Event::HostStopping,
        ];
        for event in events {
            let wire = serde_json::to_value(&event).expect("serialisable");
            assert_eq!(wire["type"], event.kind());
            assert!(Event::KINDS.contains(&event.kind()), "{}", event.kind());
        }
        let mut unique = Event::KINDS.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), Event::KINDS.len());
    }
}
