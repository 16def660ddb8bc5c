//! Where a host keeps its state: the database, logs, the lock and the control socket.

use std::path::PathBuf;

use crate::error::CoreError;

/// Environment variable that puts all of a host's state in one directory.
pub const HOME_ENV: &str = "NEXSOCK_HOME";

/// The directories of one host. One host runs per `home`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Database, logs, lock, host log.
    pub home: PathBuf,
    /// The control socket's directory (mode 0700).
    pub runtime: PathBuf,
}

impl Paths {
    /// Everything under `home`; the socket in `home/run`.
    pub fn in_home(home: impl Into<PathBuf>) -> Self {
        let home = home.into();
        Self { runtime: home.join("run"), home }
    }

    /// `$NEXSOCK_HOME` when set, else the platform's data directory with the socket in the
    /// per-user runtime directory (`$XDG_RUNTIME_DIR/nexsock` on Linux).
    pub fn from_env() -> Result<Self, CoreError> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
            return Ok(Self::in_home(PathBuf::from(home)));
        }
        let data = dirs::data_local_dir().ok_or_else(|| {
            CoreError::InvalidArgument(format!("cannot find a data directory for this user; set {HOME_ENV}"))
        })?;
        let home = data.join("nexsock");
        let runtime = dirs::runtime_dir().map_or_else(|| home.join("run"), |r| r.join("nexsock"));
        Ok(Self { home, runtime })
    }

    /// The control socket.
    pub fn socket(&self) -> PathBuf {
        self.runtime.join("nexsock.sock")
    }

    /// Records of running tunnel provider processes (for recovery after a crash).
    pub fn agents(&self) -> PathBuf {
        self.home.join("agents")
    }

    /// Tunnel profiles and the default profile.
    pub fn config(&self) -> PathBuf {
        self.home.join("config.toml")
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.home.join("nexsock.db")
    }

    /// The directory of per-service log files.
    pub fn logs(&self) -> PathBuf {
        self.home.join("logs")
    }

    /// One service's log file.
    pub fn service_log(&self, service: &str) -> PathBuf {
        self.logs().join(format!("{service}.log"))
    }

    /// The lock that makes a host the only one for `home`.
    pub fn lock(&self) -> PathBuf {
        self.home.join("host.lock")
    }

    /// Where a host started in the background writes its own output.
    pub fn host_log(&self) -> PathBuf {
        self.home.join("host.log")
    }
}
