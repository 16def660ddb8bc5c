//! The host: opens the store, takes the per-state-directory lock, starts the engine (which takes
//! over what a previous host left behind, in the background) and serves the control socket. `nexsock daemon` and the desktop
//! app both run exactly this.

use std::{
    fs::File,
    io::{Read, Seek, Write},
};

use tokio::task::JoinHandle;

use crate::{
    engine::{self, Handle},
    error::CoreError,
    paths::Paths,
    server,
    statedir::{self, Access},
    store::Store,
};

/// A running host. Dropping it does not stop anything; call [`Host::shutdown`] or wait with
/// [`Host::wait`].
#[derive(Debug)]
pub struct Host {
    handle: Handle,
    engine: JoinHandle<()>,
    server: JoinHandle<()>,
    answering: server::Answering,
    paths: Paths,
    _lock: File,
}

/// How long a stopping host waits for answers still being written.
const ANSWER_FLUSH: std::time::Duration = std::time::Duration::from_secs(2);

impl Host {
    /// Starts a host for `paths`. Fails with [`CoreError::HostRunning`] when another host owns them,
    /// and with [`CoreError::State`] when a path in them is a link or another user's
    /// ([`statedir::secure`]).
    pub async fn start(paths: Paths) -> Result<Self, CoreError> {
        statedir::secure(&paths)?;
        let lock = take_lock(&paths)?;
        statedir::secure_database(&paths.database())?;
        let store = Store::open(&paths.database())?;
        // SQLite made its -wal and -shm files with the database's mode; checked all the same.
        statedir::secure_open_database(&paths.database())?;
        // Tunnels never outlive their host: whatever the last one left marked open is closed,
        // and the provider processes it left running are stopped (in the background: their
        // records are read and removed now, before any new agent writes one).
        store.close_stale_tunnels()?;
        let agents = crate::tunnel::records::take_leftovers(&paths.agents());
        if !agents.is_empty() {
            tokio::spawn(crate::tunnel::records::stop_leftovers(agents));
        }
        let listener = server::bind(&paths.socket())?;
        // The engine finds a previous host's leftover services and stops them in the background:
        // the socket answers at once.
        // The login shell's environment, read once (off the runtime's threads: a profile may be slow).
        let environments = tokio::task::spawn_blocking(crate::environment::Environments::read)
            .await
            .map_err(|e| CoreError::io("reading the login shell's environment", std::io::Error::other(e)))?;
        let extensions = engine::Extensions { environments: Some(environments), ..Default::default() };
        let (handle, engine) = engine::start_with(store, paths.clone(), extensions)?;
        let answering = server::Answering::new(0);
        let server = tokio::spawn(server::serve(listener, handle.clone(), answering.clone()));
        tracing::info!(home = %paths.home.display(), socket = %paths.socket().display(), "host started");
        Ok(Self { handle, engine, server, answering, paths, _lock: lock })
    }

    /// The way into the engine.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Waits until the engine ends (after a `Shutdown` request), then closes the socket.
    pub async fn wait(self) {
        let Self { engine, server, answering, paths, handle, _lock } = self;
        drop(handle);
        let _ = engine.await;
        server.abort();
        // Answers already given by the engine (the `Shutdown` reply among them) are still being
        // written: let them reach their clients, for a bounded time.
        let mut answered = answering.subscribe();
        let _ = tokio::time::timeout(ANSWER_FLUSH, answered.wait_for(|n| *n == 0)).await;
        let _ = std::fs::remove_file(paths.socket());
    }

    /// Stops every service, then the host.
    pub async fn shutdown(self) {
        let _ = self.handle.call(nexsock_proto::Request::Shutdown).await;
        self.wait().await;
    }
}

/// Takes the exclusive lock on `host.lock` and writes our pid into it.
fn take_lock(paths: &Paths) -> Result<File, CoreError> {
    let path = paths.lock();
    let mut file = statedir::open(&path, Access::ReadWrite)?;
    if let Err(err) = file.try_lock() {
        return match err {
            std::fs::TryLockError::WouldBlock => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Err(CoreError::HostRunning { home: paths.home.display().to_string(), pid: pid.trim().to_owned() })
            }
            std::fs::TryLockError::Error(e) => Err(CoreError::io(format!("locking {}", path.display()), e)),
        };
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .map_err(|e| CoreError::io(format!("writing {}", path.display()), e))?;
    Ok(file)
}
