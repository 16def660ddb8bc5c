//! The nexsock engine: the store, process supervision, readiness probes, the engine task that owns
//! runtime state, and the host that serves the control socket.
//!
//! Everything here builds and tests without GTK or WebKit; the CLI and the desktop shell are thin
//! faces over [`Host`] and [`Handle`].

#![forbid(unsafe_code)]

pub mod backoff;
pub mod config;
pub mod engine;
pub mod environment;
pub mod error;
pub mod graph;
pub mod host;
pub mod inspector;
pub mod logfile;
pub mod paths;
pub mod ports;
pub mod probe;
pub mod procinfo;
pub mod reconcile;
pub mod restart;
pub mod secrets;
pub mod server;
pub mod statedir;
pub mod store;
pub mod strategy;
pub mod suggest;
pub mod supervisor;
pub mod time;
pub mod tunnel;
pub mod validate;

pub use engine::Handle;
pub use error::CoreError;
pub use host::Host;
pub use paths::Paths;
