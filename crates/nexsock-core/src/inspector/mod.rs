//! The request inspector: each open tunnel gets a recording reverse proxy on a loopback port of
//! the host, and the tunnel's provider forwards there instead of to the service, so every
//! provider is inspected the same way. The proxy passes requests and responses on unchanged and
//! streamed, keeps the last [`RING_CAPACITY`] exchanges of the tunnel in memory (bodies capped,
//! see [`body`]), and replays one on request. Each exchange says whether it came through the
//! tunnel or from another local process (see [`peer`]). Dropping the [`Inspector`] stops the
//! proxy, frees its port and drops its ring.

mod body;
mod peer;
mod proxy;
mod replay;
mod ring;

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU16, Ordering},
    },
    time::Instant,
};

use hyper::{HeaderMap, StatusCode};
use nexsock_proto::{BodyRecord, Event, Exchange, ExchangeSource, HeaderField};
use tokio::sync::{broadcast, watch};

pub use ring::Ring;

use crate::{time::now_ms, tunnel::TunnelAgent};

/// How many exchanges a tunnel keeps.
pub const RING_CAPACITY: usize = 500;

/// A tunnel's recording proxy; it listens while this value lives.
#[derive(Debug)]
pub struct Inspector {
    port: u16,
    shared: Arc<Shared>,
    /// Dropped with the inspector: every task of the proxy sees the channel close and ends.
    _stop: watch::Sender<()>,
}

/// What the proxy's tasks share.
#[derive(Debug)]
struct Shared {
    service: String,
    /// The service's port (it may change between tunnel re-opens).
    target: AtomicU16,
    ring: Mutex<Ring>,
    /// The process carrying the tunnel's traffic, once its provider named it.
    agent: Mutex<Option<TunnelAgent>>,
    /// The engine's event stream: each recorded exchange is announced (its id only).
    events: broadcast::Sender<Event>,
}

impl Shared {
    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn target(&self) -> u16 {
        self.target.load(Ordering::Relaxed)
    }

    fn agent(&self) -> Option<TunnelAgent> {
        *self.agent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inspector {
    /// Binds a loopback port and starts proxying it to `target` on 127.0.0.1 (the address the
    /// providers forwarded to before); each recorded exchange goes out on `events` as
    /// [`Event::ExchangeRecorded`]. Must run inside a Tokio runtime.
    pub fn start(service: &str, target: u16, events: broadcast::Sender<Event>) -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let shared = Arc::new(Shared {
            service: service.to_owned(),
            target: AtomicU16::new(target),
            ring: Mutex::new(Ring::new(RING_CAPACITY)),
            agent: Mutex::new(None),
            events,
        });
        let (stop, stopped) = watch::channel(());
        tokio::spawn(proxy::accept(listener, Arc::clone(&shared), stopped));
        Ok(Self { port, shared, _stop: stop })
    }

    /// The loopback port the provider forwards to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Points the proxy at the service's port (it may have changed since the tunnel opened).
    pub fn retarget(&self, target: u16) {
        self.shared.target.store(target, Ordering::Relaxed);
    }

    /// Names the process that carries the tunnel's traffic (a re-opened tunnel may have a new
    /// one): connections from anyone else are recorded as local.
    pub fn set_agent(&self, agent: Option<TunnelAgent>) {
        *self.shared.agent.lock().unwrap_or_else(PoisonError::into_inner) = agent;
    }

    /// Exchanges recorded after the exchange `after`, the newest `limit` of them, in the order
    /// they were recorded; unmasked.
    pub fn exchanges(&self, limit: Option<usize>, after: Option<u64>) -> Vec<Exchange> {
        self.shared.ring().recent(limit, after)
    }

    /// The exchange `id`, unmasked, while the ring holds it.
    pub fn exchange(&self, id: u64) -> Option<Exchange> {
        self.shared.ring().get(id).cloned()
    }

    /// Sends `exchange`'s request again straight to the service and records the answer as a new
    /// exchange marked as its replay; resolves to that exchange. The caller checks that the
    /// request body was kept whole.
    pub fn replay(&self, exchange: Exchange) -> impl Future<Output = Exchange> + Send + 'static {
        replay::replay(Arc::clone(&self.shared), exchange)
    }
}

/// An exchange whose request has arrived: completed into an [`Exchange`] once its response ends.
struct Pending {
    shared: Arc<Shared>,
    id: u64,
    time_ms: u64,
    started: Instant,
    method: String,
    path: String,
    request_headers: Vec<HeaderField>,
    client_addr: Option<SocketAddr>,
    via: ExchangeSource,
    replay_of: Option<u64>,
    request_body: body::SharedCapture,
}

impl Pending {
    fn new(
        shared: Arc<Shared>,
        head: &hyper::http::request::Parts,
        client_addr: Option<SocketAddr>,
        via: ExchangeSource,
        replay_of: Option<u64>,
    ) -> Self {
        let id = shared.ring().next_id();
        let path = head.uri.path_and_query().map_or_else(|| head.uri.to_string(), ToString::to_string);
        Self {
            shared,
            id,
            time_ms: now_ms(),
            started: Instant::now(),
            method: head.method.to_string(),
            path,
            request_headers: header_fields(&head.headers),
            client_addr,
            via,
            replay_of,
            request_body: body::SharedCapture::default(),
        }
    }

    /// Records the exchange in the ring, announces it, and returns it.
    fn finish(
        self,
        status: StatusCode,
        headers: &HeaderMap,
        response_body: BodyRecord,
        error: Option<String>,
    ) -> Exchange {
        let exchange = Exchange {
            id: self.id,
            service: self.shared.service.clone(),
            time_ms: self.time_ms,
            method: self.method,
            path: self.path,
            status: status.as_u16(),
            duration_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            client_addr: self.client_addr.map(|a| a.to_string()),
            via: self.via,
            replay_of: self.replay_of,
            error,
            request_headers: self.request_headers,
            request_body: body::record(&self.request_body),
            response_headers: header_fields(headers),
            response_body,
        };
        self.shared.ring().push(exchange.clone());
        // No subscriber is not an error; the ring has it either way.
        let _ = self
            .shared
            .events
            .send(Event::ExchangeRecorded { service: exchange.service.clone(), exchange_id: exchange.id });
        exchange
    }
}

/// Headers in their order, values that are not UTF-8 replaced.
fn header_fields(headers: &HeaderMap) -> Vec<HeaderField> {
    headers
        .iter()
        .map(|(name, value)| HeaderField {
            name: name.as_str().to_owned(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect()
}
