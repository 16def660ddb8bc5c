//! Public tunnels. A [`TunnelProvider`] opens, checks and closes tunnels of one kind; the
//! [`ProviderRegistry`] picks one by a profile's provider name and also takes custom providers.
//! Providers do I/O only; which tunnels should exist, healing and URL injection belong to the
//! engine.

mod bore;
mod cloudflared;
mod command;
mod localtunnel;
mod ngrok;
mod ngrok_api;
mod process;
pub mod records;

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc};

use nexsock_proto::{ProfileSpec, ProviderKind};

pub use bore::BoreProvider;
pub use cloudflared::CloudflaredProvider;
pub(crate) use command::validate as validate_command_profile;
pub use command::{CommandProvider, DEFAULT_URL_TIMEOUT};
pub use localtunnel::LocaltunnelProvider;
pub use ngrok::NgrokProvider;

use crate::secrets::Secret;

/// A boxed future, so that providers can live behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to open.
#[derive(Debug, Clone)]
pub struct TunnelRequest {
    /// The service exposed (one tunnel per service).
    pub service: String,
    /// The loopback port to forward to: the tunnel's request inspector, which forwards to the
    /// service's port (see [`crate::inspector`]).
    pub local_port: u16,
    /// The validated profile.
    pub profile: ProfileSpec,
    /// The profile's token, when it has one.
    pub token: Option<Secret>,
    /// Where provider processes are recorded so that a later host can stop them after a crash.
    pub records: Option<std::path::PathBuf>,
    /// Variables of the host's environment the provider's process must not inherit: the token
    /// variables of command profiles (a command profile's own tool gets its token explicitly).
    pub withheld: Vec<String>,
}

impl TunnelRequest {
    /// The tunnel this request opened, reachable at `public_url`.
    pub fn opened(&self, public_url: String) -> OpenTunnel {
        OpenTunnel {
            service: self.service.clone(),
            profile: self.profile.name.clone(),
            public_url,
            local_port: self.local_port,
        }
    }
}

/// An open tunnel, as its provider knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTunnel {
    /// The service exposed.
    pub service: String,
    /// The profile it was opened with.
    pub profile: String,
    /// Its public URL.
    pub public_url: String,
    /// The local port it forwards to.
    pub local_port: u16,
}

/// The process that carries a tunnel's traffic to its local port: the request inspector counts a
/// connection as the tunnel's only when it comes from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelAgent {
    /// The provider runs inside the host (bore): its connections come from the host's own pid.
    InProcess,
    /// The provider's agent process, leader of its own process group (this pid): connections
    /// from it or any process of its group are the tunnel's.
    Group(u32),
}

/// Why a provider failed, in words that say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TunnelError {
    /// It could not be opened or kept.
    #[error("{0}")]
    Failed(String),
    /// Its tool did not say its URL in time; the message names what was waited for.
    #[error("{0}")]
    Timeout(String),
}

impl TunnelError {
    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        match self {
            Self::Failed(m) | Self::Timeout(m) => m,
        }
    }
}

/// One kind of tunnel.
pub trait TunnelProvider: Send + Sync {
    /// The name profiles use (`ngrok`, `bore`, ...).
    fn name(&self) -> &str;
    /// Opens a tunnel; resolves once its public URL is known.
    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>>;
    /// Closes the tunnel of `service`; closing nothing is fine.
    fn destroy<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>>;
    /// The tunnels this provider has open.
    fn list(&self) -> Vec<OpenTunnel>;
    /// Whether the tunnel of `service` still works.
    fn health<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>>;
    /// The process carrying `service`'s open tunnel; `None` when the provider does not say (then
    /// the inspector cannot tell the tunnel's requests from other local processes').
    fn agent(&self, service: &str) -> Option<TunnelAgent> {
        let _ = service;
        None
    }
}

/// Providers by name: the built-ins plus any custom ones.
#[derive(Clone, Default)]
pub struct ProviderRegistry {
    providers: BTreeMap<String, Arc<dyn TunnelProvider>>,
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.providers.keys()).finish()
    }
}

impl ProviderRegistry {
    /// The built-in providers.
    pub fn with_builtins() -> Self {
        let mut registry = Self::default();
        registry.register(Arc::new(BoreProvider::default()));
        registry.register(Arc::new(NgrokProvider::default()));
        registry.register(Arc::new(CloudflaredProvider::default()));
        registry.register(Arc::new(LocaltunnelProvider::default()));
        registry.register(Arc::new(CommandProvider::default()));
        registry
    }

    /// Adds (or replaces) a provider under its name.
    pub fn register(&mut self, provider: Arc<dyn TunnelProvider>) {
        self.providers.insert(provider.name().to_owned(), provider);
    }

    /// The provider for a profile.
    pub fn for_kind(&self, kind: &ProviderKind) -> Result<Arc<dyn TunnelProvider>, TunnelError> {
        self.get(kind.as_str())
    }

    /// The provider with this name.
    pub fn get(&self, name: &str) -> Result<Arc<dyn TunnelProvider>, TunnelError> {
        self.providers.get(name).cloned().ok_or_else(|| {
            TunnelError::Failed(format!(
                "no tunnel provider `{name}` in this build (available: {})",
                self.providers.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }
}

/// `NEXSOCK_TUNNEL_<DEP>_URL` for a dependency.
pub use crate::strategy::tunnel_env_var;
