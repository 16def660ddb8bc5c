//! Typed errors that cross the socket: a stable [`ErrorCode`] that clients branch on, and a
//! human message that they print.

use serde::{Deserialize, Serialize};

/// Stable error codes. Clients and the UI branch on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A service name breaks the naming rule.
    InvalidName,
    /// A port outside 1–65535.
    InvalidPort,
    /// A health check spec that cannot be parsed or cannot work for this service.
    InvalidHealthCheck,
    /// Any other argument that fails validation.
    InvalidArgument,
    /// The named service does not exist.
    UnknownService,
    /// A service with that name already exists.
    DuplicateService,
    /// A dependency edge would close a cycle; the message names it.
    DependencyCycle,
    /// No such dependency edge.
    UnknownDependency,
    /// No strategy of that name (also: a declared strategy's unknown base).
    UnknownStrategy,
    /// A strategy with that name already exists (built in or declared).
    DuplicateStrategy,
    /// The OS keyring is unusable; the message says how to fix it.
    Keyring,
    /// The OS keyring did not answer in time (a locked keyring waiting on its password prompt).
    KeyringTimeout,
    /// A tunnel could not be opened.
    TunnelFailed,
    /// A tunnel's tool did not print its URL in time; the message names the pattern it waited for.
    TunnelTimeout,
    /// The service has no tunnel open.
    UnknownTunnel,
    /// The tunnel recorded no exchange with that id (or it left the ring).
    UnknownExchange,
    /// A tunnel profile is unknown or invalid.
    InvalidProfile,
    /// The operation needs the service to be stopped first.
    ServiceBusy,
    /// The service's process could not be spawned.
    SpawnFailed,
    /// The service did not become ready, or exited while starting.
    StartFailed,
    /// The service's port is held by another process; the message names it.
    PortInUse,
    /// A frame that is not valid JSON of the expected shape.
    MalformedFrame,
    /// A frame larger than [`crate::MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// A request type this host does not know.
    UnknownRequest,
    /// Client and host speak different protocol versions.
    ProtocolMismatch,
    /// A request arrived before the `Hello` handshake.
    HandshakeRequired,
    /// A file to import cannot be read, or is not valid in its format; the message names the
    /// line or field.
    ImportInvalid,
    /// The database failed.
    Store,
    /// Nothing was stored: the disk is full, read-only or failing (the message names the cause).
    /// What the request would have changed did not change.
    StorageFailed,
    /// The host is shutting down and takes no more work.
    ShuttingDown,
    /// A bug or an unexpected I/O failure inside the host.
    Internal,
}

/// An error as it crosses the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// What kind of error, for programs.
    pub code: ErrorCode,
    /// What went wrong and, where possible, what to do about it, for people.
    pub message: String,
    /// The request field at fault (`command`, `timeout_secs`, `env_alias`, ...), when there is
    /// one: a form shows the message at that field without reading the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl ApiError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), field: None }
    }

    /// The same error, naming the request field at fault.
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}
