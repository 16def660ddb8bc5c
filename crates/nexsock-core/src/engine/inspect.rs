//! The request inspector's requests: a tunnel's recorded exchanges, sensitive headers masked
//! unless revealed, and the replay of one straight to the service.

use nexsock_proto::{Exchange, Response};

use super::{Engine, Reply};
use crate::{error::CoreError, inspector::Inspector};

impl Engine {
    /// `ListExchanges`: newest last.
    pub(super) fn list_exchanges(
        &mut self,
        service: &str,
        limit: Option<usize>,
        after: Option<u64>,
        reveal: bool,
    ) -> Result<Response, CoreError> {
        let exchanges = self.inspector(service)?.exchanges(limit, after);
        let masked = self.masked_headers(reveal)?;
        Ok(Response::Exchanges(exchanges.into_iter().map(|e| mask(e, masked.as_deref())).collect()))
    }

    /// `ReplayExchange`: answered off the engine task once the service's answer has ended.
    pub(super) fn replay_exchange(&mut self, service: &str, id: u64, reveal: bool, reply: Reply) {
        let started = self.begin_replay(service, id, reveal);
        match started {
            Err(e) => {
                let _ = reply.send(Err(e));
            }
            Ok((replay, masked)) => {
                tokio::spawn(async move {
                    let exchange = replay.await;
                    let _ = reply.send(Ok(Response::Exchange(mask(exchange, masked.as_deref()))));
                });
            }
        }
    }

    fn begin_replay(
        &mut self,
        service: &str,
        id: u64,
        reveal: bool,
    ) -> Result<(impl Future<Output = Exchange> + Send + 'static, Option<Vec<String>>), CoreError> {
        let masked = self.masked_headers(reveal)?;
        let inspector = self.inspector(service)?;
        let original =
            inspector.exchange(id).ok_or_else(|| CoreError::UnknownExchange { service: service.to_owned(), id })?;
        if original.request_body.truncated {
            return Err(CoreError::InvalidArgument(format!(
                "exchange {id} of `{service}` cannot be replayed: its request body ({} bytes) was larger than the \
                 {} KiB the inspector keeps",
                original.request_body.size,
                nexsock_proto::inspector::BODY_CAP_BYTES / 1024
            )));
        }
        Ok((inspector.replay(original), masked))
    }

    fn inspector(&self, service: &str) -> Result<&Inspector, CoreError> {
        self.service(service)?;
        self.tunnels.get(service).map(|t| &t.inspector).ok_or_else(|| CoreError::NoTunnel(service.to_owned()))
    }

    /// The extra headers to mask (config.toml's `masked_headers`); none to mask when revealing.
    fn masked_headers(&mut self, reveal: bool) -> Result<Option<Vec<String>>, CoreError> {
        if reveal {
            return Ok(None);
        }
        Ok(Some(self.config.current()?.masked_headers.clone()))
    }
}

fn mask(exchange: Exchange, masked: Option<&[String]>) -> Exchange {
    match masked {
        Some(extra) => exchange.masked(extra),
        None => exchange,
    }
}
