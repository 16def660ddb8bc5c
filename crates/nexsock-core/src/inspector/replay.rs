//! Replaying a recorded request: sent straight to the service on a connection of its own, the
//! answer read to its end and recorded as a new exchange marked as the replay.

use std::{sync::Arc, time::Duration};

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, StatusCode, body::Bytes, header::HeaderName, header::HeaderValue};
use nexsock_proto::{BodyRecord, Exchange, ExchangeSource};

use super::{
    Pending, Shared,
    body::{OnEnd, ProxyBody, SharedCapture, Tee, record},
    proxy::{Upstream, send},
};

/// How long a replay waits for the service's whole answer.
const REPLAY_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) async fn replay(shared: Arc<Shared>, original: Exchange) -> Exchange {
    let (parts, body) = rebuild(&original).into_parts();
    let pending = Pending::new(Arc::clone(&shared), &parts, None, ExchangeSource::Replay, Some(original.id));
    let body = Tee::new(body, Arc::clone(&pending.request_body), None).boxed();
    let response = match send(shared.target(), &Upstream::default(), Request::from_parts(parts, body), true).await {
        Ok(response) => response,
        Err(error) => {
            return pending.finish(StatusCode::BAD_GATEWAY, &HeaderMap::new(), BodyRecord::default(), Some(error));
        }
    };
    let (parts, body) = response.into_parts();
    let (done, finished) = tokio::sync::oneshot::channel();
    let capture = SharedCapture::default();
    let kept = Arc::clone(&capture);
    let on_end: OnEnd = Box::new(move |error| {
        let _ = done.send(pending.finish(parts.status, &parts.headers, record(&kept), error));
    });
    let mut tee = Tee::new(body.boxed(), capture, Some(on_end));
    let drained = tokio::time::timeout(REPLAY_TIMEOUT, async {
        while let Some(frame) = tee.frame().await {
            if frame.is_err() {
                break;
            }
        }
    });
    let _ = drained.await;
    drop(tee);
    finished.await.unwrap_or_else(|_| unreachable_exchange(&shared, &original))
}

/// The recorded request as it was sent (header values as recorded, unmasked).
fn rebuild(original: &Exchange) -> Request<ProxyBody> {
    let body = if original.request_body.base64 {
        base64::engine::general_purpose::STANDARD.decode(&original.request_body.data).unwrap_or_default()
    } else {
        original.request_body.data.clone().into_bytes()
    };
    let mut request = Request::new(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed());
    *request.method_mut() = original.method.parse().unwrap_or_default();
    *request.uri_mut() = original.path.parse().unwrap_or_default();
    for h in &original.request_headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_str(&h.value)) {
            request.headers_mut().append(name, value);
        }
    }
    request
}

/// Never used in practice: `on_end` always runs before the body is dropped.
fn unreachable_exchange(shared: &Shared, original: &Exchange) -> Exchange {
    Exchange {
        service: shared.service.clone(),
        replay_of: Some(original.id),
        via: ExchangeSource::Replay,
        error: Some("the replay's answer was lost".into()),
        ..original.clone()
    }
}
