//! The engine's error type, and its mapping onto the contract's stable [`ErrorCode`]s.

use nexsock_proto::{ApiError, ErrorCode};

/// Everything that can go wrong inside the engine.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A service name breaks the naming rule.
    #[error("invalid service name `{0}`: use letters, digits, `-` and `_`, at most 64 characters")]
    InvalidName(String),
    /// A port out of range.
    #[error("invalid port {0}: a port is a number from 1 to 65535")]
    InvalidPort(u32),
    /// A health check that cannot be used.
    #[error("{0}")]
    InvalidHealthCheck(String),
    /// Any other invalid argument.
    #[error("{0}")]
    InvalidArgument(String),
    /// One field of a request is invalid (named as in the contract, e.g. `timeout_secs`).
    #[error("{message}")]
    InvalidField {
        /// The field, as the contract names it.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// No such service; `hint` suggests the closest name or `nexsock service list`.
    #[error("no service named `{name}`{hint}")]
    UnknownService {
        /// The name asked for.
        name: String,
        /// ` (did you mean `web`?)` or ` (see `nexsock service list`)`.
        hint: String,
    },
    /// The edge would close a cycle: the path, closed on itself.
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// No such edge.
    #[error("`{service}` does not depend on `{depends_on}`")]
    UnknownDependency {
        /// The dependent.
        service: String,
        /// The dependency.
        depends_on: String,
    },
    /// Name taken.
    #[error("a service named `{0}` already exists")]
    DuplicateService(String),
    /// The service must be stopped for this.
    #[error("service `{name}` is {state}; stop it first")]
    ServiceBusy {
        /// Service name.
        name: String,
        /// Its state.
        state: String,
    },
    /// The process could not be spawned.
    #[error("cannot spawn service `{name}`: {source}")]
    Spawn {
        /// Service name.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// It spawned but did not become ready.
    #[error("service `{name}` failed to start: {reason}")]
    StartFailed {
        /// Service name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The service's port is held by another process.
    #[error("port {port} of `{name}` is held by {}{}", holder.describe(), free_port_hint(name, holder))]
    PortInUse {
        /// The service that was to start.
        name: String,
        /// Its port.
        port: u16,
        /// Who holds it.
        holder: nexsock_proto::PortHolder,
    },
    /// Another host owns this state directory.
    #[error("another nexsock host (pid {pid}) already owns {home}")]
    HostRunning {
        /// The state directory.
        home: String,
        /// The other host's pid, as it wrote it.
        pid: String,
    },
    /// The database failed.
    #[error("{}", store_message(.0))]
    Store(#[from] rusqlite::Error),
    /// The schema could not be migrated.
    #[error("cannot migrate the database: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A strategy could not be chosen or could not plan.
    #[error(transparent)]
    Strategy(#[from] crate::strategy::StrategyError),
    /// The graph could not be built or queried.
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    /// The OS keyring failed; the message says how to fix it.
    #[error("{0}")]
    Keyring(String),
    /// The OS keyring did not answer within the time allowed.
    #[error(
        "the OS keyring did not answer within {} s while trying to {action} the token of profile `{profile}`: it may \
         be locked and waiting for its password (unlock it, e.g. with your desktop's keyring prompt or \
         `gnome-keyring-daemon --unlock`, then try again)",
        after.as_secs()
    )]
    KeyringTimeout {
        /// What was being done: read, store, delete.
        action: &'static str,
        /// The profile whose token it was.
        profile: String,
        /// How long the call was given.
        after: std::time::Duration,
    },
    /// A tunnel could not be opened or kept; the message says what to do.
    #[error("{0}")]
    Tunnel(String),
    /// A tunnel's tool did not print its URL in time; the message names the pattern.
    #[error("{0}")]
    TunnelTimeout(String),
    /// The service has no tunnel open (so no recording proxy).
    #[error("`{0}` has no tunnel open (open one with `nexsock tunnel open {0}`)")]
    NoTunnel(String),
    /// The tunnel's ring holds no exchange with this id.
    #[error(
        "the tunnel of `{service}` has no exchange {id} (it keeps the last {} only; see `nexsock tunnel requests {service}`)",
        crate::inspector::RING_CAPACITY
    )]
    UnknownExchange {
        /// The service.
        service: String,
        /// The id asked for.
        id: u64,
    },
    /// A profile problem (unknown, invalid, missing a setting).
    #[error("{0}")]
    Profile(String),
    /// One field of a profile is invalid (named as in the contract, e.g. `command`).
    #[error("{message}")]
    ProfileField {
        /// The field, as the contract names it.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A file to import is invalid in its format (the message names the line or field), or an
    /// import option does not apply to it.
    #[error(transparent)]
    Import(#[from] nexsock_import::ImportError),
    /// A file to import cannot be read.
    #[error("cannot read {path}: {source}")]
    ImportRead {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The host is going away.
    #[error("the host is shutting down")]
    ShuttingDown,
    /// A path in the state directory is unsafe to use (a link, another user's) or cannot be used.
    #[error(transparent)]
    State(#[from] crate::statedir::StateError),
    /// A file or socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Whether the database failed for want of somewhere to write: a full disk, a read-only file
/// system or an I/O error.
pub fn is_storage_failure(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        e.sqlite_error_code(),
        Some(C::DiskFull | C::SystemIoFailure | C::ReadOnly | C::CannotOpen | C::DatabaseCorrupt | C::NotADatabase)
    )
}

fn store_message(e: &rusqlite::Error) -> String {
    if is_storage_failure(e) {
        format!("storage failed: {e}; nothing was stored")
    } else {
        format!("database error: {e}")
    }
}

/// The hint of an unknown service's error when no names are at hand.
pub const SEE_SERVICE_LIST: &str = " (see `nexsock service list`)";

impl CoreError {
    /// No service named `name`, among `known` (the closest one is suggested).
    pub fn unknown_service<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        Self::UnknownService { name: name.to_owned(), hint: crate::suggest::hint(name, known, SEE_SERVICE_LIST) }
    }

    /// An invalid request field.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidField { field, message: message.into() }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }

    /// The stable code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidName(_) => ErrorCode::InvalidName,
            Self::InvalidPort(_) => ErrorCode::InvalidPort,
            Self::InvalidHealthCheck(_) => ErrorCode::InvalidHealthCheck,
            Self::InvalidArgument(_) | Self::InvalidField { .. } => ErrorCode::InvalidArgument,
            Self::UnknownService { .. } => ErrorCode::UnknownService,
            Self::DuplicateService(_) => ErrorCode::DuplicateService,
            Self::Cycle(_) => ErrorCode::DependencyCycle,
            Self::UnknownDependency { .. } => ErrorCode::UnknownDependency,
            Self::ServiceBusy { .. } => ErrorCode::ServiceBusy,
            Self::Spawn { .. } => ErrorCode::SpawnFailed,
            Self::StartFailed { .. } => ErrorCode::StartFailed,
            Self::PortInUse { .. } => ErrorCode::PortInUse,
            Self::Store(e) if is_storage_failure(e) => ErrorCode::StorageFailed,
            Self::Store(_) | Self::Migration(_) => ErrorCode::Store,
            Self::Strategy(e) => match e {
                crate::strategy::StrategyError::UnknownStrategy { .. }
                | crate::strategy::StrategyError::UnknownBase { .. } => ErrorCode::UnknownStrategy,
                crate::strategy::StrategyError::DuplicateStrategy(_) => ErrorCode::DuplicateStrategy,
                crate::strategy::StrategyError::InvalidName { .. } => ErrorCode::InvalidName,
                crate::strategy::StrategyError::InvalidBound | crate::strategy::StrategyError::BuiltIn(_) => {
                    ErrorCode::InvalidArgument
                }
                crate::strategy::StrategyError::Graph(g) => graph_code(g),
            },
            Self::Graph(g) => graph_code(g),
            Self::Import(_) | Self::ImportRead { .. } => ErrorCode::ImportInvalid,
            Self::ShuttingDown => ErrorCode::ShuttingDown,
            Self::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::StorageFull
                        | std::io::ErrorKind::ReadOnlyFilesystem
                        | std::io::ErrorKind::QuotaExceeded
                ) =>
            {
                ErrorCode::StorageFailed
            }
            Self::HostRunning { .. } | Self::Io { .. } | Self::State(_) => ErrorCode::Internal,
            Self::Keyring(_) => ErrorCode::Keyring,
            Self::KeyringTimeout { .. } => ErrorCode::KeyringTimeout,
            Self::Tunnel(_) => ErrorCode::TunnelFailed,
            Self::TunnelTimeout(_) => ErrorCode::TunnelTimeout,
            Self::NoTunnel(_) => ErrorCode::UnknownTunnel,
            Self::UnknownExchange { .. } => ErrorCode::UnknownExchange,
            Self::Profile(_) | Self::ProfileField { .. } => ErrorCode::InvalidProfile,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        let api = ApiError::new(err.code(), err.to_string());
        match &err {
            CoreError::InvalidField { field, .. } | CoreError::ProfileField { field, .. } => api.at_field(*field),
            CoreError::Import(e) => api.at_field(import_field(e)),
            CoreError::ImportRead { .. } => api.at_field("path"),
            CoreError::Strategy(e) => match e.field() {
                Some(field) => api.at_field(field),
                None => api,
            },
            _ => api,
        }
    }
}

impl From<ApiError> for CoreError {
    fn from(err: ApiError) -> Self {
        match err.code {
            ErrorCode::InvalidHealthCheck => Self::InvalidHealthCheck(err.message),
            _ => Self::InvalidArgument(err.message),
        }
    }
}

/// What frees a held port, as a hint after the holder's name.
fn free_port_hint(name: &str, holder: &nexsock_proto::PortHolder) -> String {
    if holder.is_ours() {
        format!("; `nexsock service start {name} --free-port` stops it first")
    } else if holder.pid.is_some() {
        format!("; `nexsock service start {name} --free-port --kill-holder` ends it first")
    } else {
        String::new()
    }
}

fn graph_code(err: &crate::graph::GraphError) -> ErrorCode {
    use crate::graph::GraphError;
    match err {
        GraphError::Cycle(_) => ErrorCode::DependencyCycle,
        GraphError::UnknownService(_) => ErrorCode::UnknownService,
    }
}

/// The `Import` request field an import error is about.
fn import_field(err: &nexsock_import::ImportError) -> &'static str {
    use nexsock_import::ImportError;
    match err {
        ImportError::UnknownFormat { .. } => "format",
        ImportError::Option(_) => "port_base",
        ImportError::Syntax { .. } | ImportError::Invalid { .. } => "path",
    }
}
