//! The proxy's sockets: one task accepts, one task per client connection serves HTTP/1.1 with
//! keep-alive (so a slow client holds up only itself), each connection with its own connection
//! to the service, reused while the service keeps it alive. An upgrade (WebSocket) is answered by
//! the service and then spliced as a raw two-way stream. Who holds the connection's other end is
//! looked up once, before its first request is read, while the client surely still holds it.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use http_body_util::{BodyExt, Empty, Full};
use hyper::{
    Request, Response, StatusCode,
    body::{Bytes, Incoming},
    client::conn::http1::SendRequest,
    header,
    service::service_fn,
    upgrade::OnUpgrade,
};
use hyper_util::rt::TokioIo;
use nexsock_proto::{BodyRecord, ExchangeSource};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Mutex as AsyncMutex, watch},
};

use super::{
    Pending, Shared,
    body::{Capture, OnEnd, ProxyBody, SharedCapture, Tee, record},
};

/// A client connection's connection to the service, kept between its requests.
pub(super) type Upstream = Arc<AsyncMutex<Option<SendRequest<ProxyBody>>>>;

/// Accepts until the inspector is dropped; then the listener closes and its port is free.
pub(super) async fn accept(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve(stream, peer, Arc::clone(&shared), stop.clone()));
                }
                Err(e) => {
                    // Out of file descriptors, typically: let some connections end first.
                    tracing::warn!(service = shared.service, "the request inspector cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Serves one client connection until it closes, upgrades, or the inspector is dropped.
async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let via = super::peer::of_connection(&stream, peer, shared.agent()).await;
    let upstream = Upstream::default();
    let stopped = stop.clone();
    let service = service_fn(move |request| {
        let (shared, upstream, stop) = (Arc::clone(&shared), Arc::clone(&upstream), stopped.clone());
        let via = via.clone();
        async move { Ok::<_, Infallible>(exchange(request, peer, via, shared, upstream, stop).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::select! {
        served = connection => if let Err(e) = served {
            tracing::debug!(%peer, "an inspected connection ended: {e}");
        },
        _ = stop.changed() => {}
    }
}

/// Forwards one request from `peer` and answers with the service's response, recording both.
async fn exchange(
    mut request: Request<Incoming>,
    peer: SocketAddr,
    via: ExchangeSource,
    shared: Arc<Shared>,
    upstream: Upstream,
    stop: watch::Receiver<()>,
) -> Response<ProxyBody> {
    let upgrade = request.headers().contains_key(header::UPGRADE);
    let client_side = upgrade.then(|| hyper::upgrade::on(&mut request));
    let (parts, body) = request.into_parts();
    let pending = Pending::new(Arc::clone(&shared), &parts, Some(peer), via, None);
    let body = Tee::new(body.boxed(), Arc::clone(&pending.request_body), None).boxed();
    // An upgraded connection is given away: it gets a service connection of its own.
    match send(shared.target(), &upstream, Request::from_parts(parts, body), upgrade).await {
        Ok(response) => respond(pending, response, client_side, stop),
        Err(error) => bad_gateway(pending, error),
    }
}

/// Sends `request` on the kept connection when it is still usable, else on a new one.
pub(super) async fn send(
    target: u16,
    upstream: &Upstream,
    mut request: Request<ProxyBody>,
    fresh: bool,
) -> Result<Response<Incoming>, String> {
    let mut slot = upstream.lock().await;
    if let Some(mut sender) = slot.take().filter(|_| !fresh)
        && sender.ready().await.is_ok()
    {
        match sender.try_send_request(request).await {
            Ok(response) => {
                if keeps_alive(&response) {
                    *slot = Some(sender);
                }
                return Ok(response);
            }
            // The service closed the kept connection before the request went out: a new one
            // carries it.
            Err(mut e) => match e.take_message() {
                Some(unsent) => request = unsent,
                None => return Err(format!("the service on 127.0.0.1:{target} did not answer: {}", e.into_error())),
            },
        }
    }
    let mut sender = connect(target).await?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("the service on 127.0.0.1:{target} did not answer: {e}"))?;
    if !fresh && keeps_alive(&response) {
        *slot = Some(sender);
    }
    Ok(response)
}

fn keeps_alive(response: &Response<Incoming>) -> bool {
    let close = response
        .headers()
        .get_all(header::CONNECTION)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"))));
    response.version() == hyper::Version::HTTP_11 && !close
}

async fn connect(target: u16) -> Result<SendRequest<ProxyBody>, String> {
    let stream = TcpStream::connect(("127.0.0.1", target))
        .await
        .map_err(|e| format!("the service is not reachable on 127.0.0.1:{target}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::Builder::new()
        .preserve_header_case(true)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("the service on 127.0.0.1:{target} refused HTTP: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = connection.with_upgrades().await {
            tracing::debug!(target, "a connection to an inspected service ended: {e}");
        }
    });
    Ok(sender)
}

/// The service's response, its body recorded as it streams to the client; an upgrade is spliced.
fn respond(
    pending: Pending,
    mut response: Response<Incoming>,
    client_side: Option<OnUpgrade>,
    stop: watch::Receiver<()>,
) -> Response<ProxyBody> {
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_side) = client_side {
            let service_side = hyper::upgrade::on(&mut response);
            tokio::spawn(splice(client_side, service_side, stop));
        }
        pending.finish(response.status(), response.headers(), BodyRecord::default(), None);
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Empty::new().map_err(|never| match never {}).boxed());
    }
    let (parts, body) = response.into_parts();
    let capture = SharedCapture::default();
    let (status, headers, kept) = (parts.status, parts.headers.clone(), Arc::clone(&capture));
    let on_end: OnEnd = Box::new(move |error| {
        pending.finish(status, &headers, record(&kept), error);
    });
    Response::from_parts(parts, Tee::new(body.boxed(), capture, Some(on_end)).boxed())
}

/// The client's answer when the service cannot be reached; the exchange says why.
fn bad_gateway(pending: Pending, error: String) -> Response<ProxyBody> {
    let text = format!("502 Bad Gateway: nexsock could not forward the request to the service: {error}\n");
    let mut capture = Capture::default();
    capture.push(text.as_bytes());
    let mut response = Response::new(Full::new(Bytes::from(text)).map_err(|never| match never {}).boxed());
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
    pending.finish(StatusCode::BAD_GATEWAY, response.headers(), capture.record(), Some(error));
    response
}

/// Copies bytes both ways between an upgraded client and service until either closes.
async fn splice(client: OnUpgrade, service: OnUpgrade, mut stop: watch::Receiver<()>) {
    let (Ok(client), Ok(service)) = tokio::join!(client, service) else { return };
    let (mut client, mut service) = (TokioIo::new(client), TokioIo::new(service));
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut service) => {}
        _ = stop.changed() => {}
    }
}
