//! The request inspector's records: every HTTP exchange that passed through a tunnel's recording
//! proxy (or was replayed), as `tunnel requests` and the window show it.

use serde::{Deserialize, Serialize};

/// What a masked header value reads as.
pub const MASKED: &str = "********";

/// Headers masked unless asked for, whatever the configuration adds (lower case).
pub const ALWAYS_MASKED_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// The most of each body an exchange keeps, in bytes; the rest is counted, not kept.
pub const BODY_CAP_BYTES: usize = 64 * 1024;

/// One header line, in the order it came (a name may repeat). Names are lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct HeaderField {
    /// Lower-case name.
    pub name: String,
    /// Value (bytes that are not UTF-8 are replaced); [`MASKED`] when masked.
    pub value: String,
}

/// The kept part of a body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BodyRecord {
    /// The first [`BODY_CAP_BYTES`] bytes at most: text when they are UTF-8, else base64.
    pub data: String,
    /// `data` is base64 (the body is binary).
    pub base64: bool,
    /// The whole body's size in bytes, as it passed (kept or not).
    pub size: u64,
    /// Only the start of the body was kept.
    pub truncated: bool,
}

/// Where a recorded request came from. The recording proxy listens on loopback, so any local
/// process can send it requests, not only the tunnel's agent: the proxy asks the OS which process
/// holds the other end of each connection (Linux only; elsewhere the source is `Unknown`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExchangeSource {
    /// Through the tunnel: the connection came from the tunnel's own agent process (or its
    /// process group), or from the host itself for a provider that runs inside it (bore).
    Tunnel,
    /// From another local process that connected to the proxy's port directly.
    Local {
        /// Its pid, when it is visible (another user's process may not be).
        pid: Option<u32>,
        /// The user owning its socket.
        uid: Option<u32>,
        /// Its command line, when readable.
        command: Option<String>,
    },
    /// Sent again by nexsock (`tunnel replay`).
    Replay,
    /// Not told: the platform does not say, the connection was gone before it was looked up, or
    /// the tunnel's provider does not name its agent.
    #[default]
    Unknown,
}

/// One request and its response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Exchange {
    /// Increasing per tunnel, from 1.
    pub id: u64,
    /// The service whose tunnel carried it.
    pub service: String,
    /// Unix ms when the request arrived.
    pub time_ms: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path with its query string.
    pub path: String,
    /// The response status; 502 when the service could not be reached.
    pub status: u16,
    /// From the request's arrival to the end of the response (or the upgrade).
    pub duration_ms: u64,
    /// Who sent it (the provider's agent, for a tunnel); none for a replay.
    pub client_addr: Option<String>,
    /// Whether it came through the tunnel or from another local process (or was a replay).
    /// Exchanges recorded before this field existed read as [`ExchangeSource::Unknown`].
    #[serde(default)]
    pub via: ExchangeSource,
    /// The exchange this one replayed.
    pub replay_of: Option<u64>,
    /// What went wrong between the proxy and the service (the client got a 502), or while the
    /// bodies streamed.
    pub error: Option<String>,
    /// Request headers.
    pub request_headers: Vec<HeaderField>,
    /// Request body.
    pub request_body: BodyRecord,
    /// Response headers.
    pub response_headers: Vec<HeaderField>,
    /// Response body (empty for an upgrade: what follows it is not recorded).
    pub response_body: BodyRecord,
}

impl Exchange {
    /// The same exchange with the values of the sensitive headers replaced by [`MASKED`]:
    /// [`ALWAYS_MASKED_HEADERS`] and `extra` (compared without case).
    pub fn masked(mut self, extra: &[String]) -> Self {
        let sensitive = |name: &str| {
            ALWAYS_MASKED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
                || extra.iter().any(|h| h.eq_ignore_ascii_case(name))
        };
        for h in self.request_headers.iter_mut().chain(self.response_headers.iter_mut()) {
            if sensitive(&h.name) {
                h.value = MASKED.to_owned();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange() -> Exchange {
        let h = |n: &str, v: &str| HeaderField { name: n.into(), value: v.into() };
        Exchange {
            id: 1,
            service: "web".into(),
            time_ms: 0,
            method: "GET".into(),
            path: "/".into(),
            status: 200,
            duration_ms: 1,
            client_addr: None,
            via: ExchangeSource::Unknown,
            replay_of: None,
            error: None,
            request_headers: vec![h("authorization", "Bearer x"), h("x-api-key", "k"), h("accept", "*/*")],
            request_body: BodyRecord::default(),
            response_headers: vec![h("set-cookie", "a=b"), h("content-type", "text/plain")],
            response_body: BodyRecord::default(),
        }
    }

    #[test]
    fn sensitive_headers_and_configured_ones_are_masked_and_others_kept() {
        let masked = exchange().masked(&["X-API-Key".to_owned()]);
        let values: Vec<&str> = masked.request_headers.iter().map(|h| h.value.as_str()).collect();
        assert_eq!(values, [MASKED, MASKED, "*/*"]);
        assert_eq!(masked.response_headers[0].value, MASKED);
        assert_eq!(masked.response_headers[1].value, "text/plain");
    }

    #[test]
    fn an_exchange_recorded_before_its_source_was_kept_reads_as_unknown() {
        let mut old = serde_json::to_value(exchange()).expect("serialises");
        old.as_object_mut().expect("an object").remove("via");
        let read: Exchange = serde_json::from_value(old).expect("still parses");
        assert_eq!(read.via, ExchangeSource::Unknown);
        let local = ExchangeSource::Local { pid: Some(7), uid: Some(1000), command: None };
        let json = serde_json::to_value(&local).expect("serialises");
        assert_eq!(json, serde_json::json!({"kind": "local", "pid": 7, "uid": 1000, "command": null}));
    }
}
