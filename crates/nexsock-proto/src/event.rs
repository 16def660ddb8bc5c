//! Events the host broadcasts to subscribers (CLI progress and `logs -f`, the desktop shell, the UI).

use serde::{Deserialize, Serialize};

use crate::{
    dto::{LogLine, ServiceStatus},
    execution::{ExecutionProgress, ExecutionReport},
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
    /// The host is shutting down; the stream ends after this.
    HostStopping,
}
