//! Bodies as they stream through the proxy: a [`Tee`] passes every frame on unchanged and keeps a
//! copy of at most [`BODY_CAP_BYTES`] of them in a [`Capture`], counting the rest; a body is never
//! held whole.

use std::{
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use base64::Engine as _;
use hyper::body::{Body, Bytes, Frame, SizeHint};
use nexsock_proto::{BodyRecord, inspector::BODY_CAP_BYTES};

/// The body type the proxy sends on both sides.
pub type ProxyBody = http_body_util::combinators::BoxBody<Bytes, hyper::Error>;

/// The start of a body and its whole size.
#[derive(Debug, Default)]
pub struct Capture {
    kept: Vec<u8>,
    size: u64,
}

/// A capture shared between the body that fills it and the exchange that reads it.
pub type SharedCapture = Arc<Mutex<Capture>>;

impl Capture {
    /// Counts `chunk` and keeps what fits under the cap.
    pub fn push(&mut self, chunk: &[u8]) {
        let room = BODY_CAP_BYTES.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
        self.size += chunk.len() as u64;
    }

    /// What an exchange shows: text when the kept bytes are UTF-8 (a character cut by the cap
    /// does not make a body binary), else base64.
    pub fn record(&self) -> BodyRecord {
        let truncated = self.size > self.kept.len() as u64;
        let text = match std::str::from_utf8(&self.kept) {
            Ok(text) => Some(text),
            Err(e) if truncated && e.error_len().is_none() => std::str::from_utf8(&self.kept[..e.valid_up_to()]).ok(),
            Err(_) => None,
        };
        let (data, base64) = match text {
            Some(text) => (text.to_owned(), false),
            None => (base64::engine::general_purpose::STANDARD.encode(&self.kept), true),
        };
        BodyRecord { data, base64, size: self.size, truncated }
    }
}

/// Reads a shared capture.
pub fn record(capture: &SharedCapture) -> BodyRecord {
    capture.lock().unwrap_or_else(PoisonError::into_inner).record()
}

/// Called once when a body ended: with the error that ended it early, if one did.
pub type OnEnd = Box<dyn FnOnce(Option<String>) + Send + Sync>;

/// A body passed through unchanged while a copy of its start goes to a capture.
pub struct Tee {
    inner: ProxyBody,
    capture: SharedCapture,
    on_end: Option<OnEnd>,
}

impl Tee {
    /// Wraps `inner`; `on_end` runs when it ends, fails or is dropped.
    pub fn new(inner: ProxyBody, capture: SharedCapture, on_end: Option<OnEnd>) -> Self {
        Self { inner, capture, on_end }
    }

    fn end(&mut self, error: Option<String>) {
        if let Some(on_end) = self.on_end.take() {
            on_end(error);
        }
    }
}

impl Body for Tee {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.capture.lock().unwrap_or_else(PoisonError::into_inner).push(data);
                }
                if this.inner.is_end_stream() {
                    this.end(None);
                }
            }
            Poll::Ready(Some(Err(e))) => this.end(Some(format!("the body broke off: {e}"))),
            Poll::Ready(None) => this.end(None),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        // A body hyper never polled to its end because it knew the end (an empty body, a
        // Content-Length reached) ended well; any other drop means the reader went away.
        let error = (!self.inner.is_end_stream()).then(|| "the client went away before the body ended".to_owned());
        self.end(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_over_the_cap_keeps_its_start_and_counts_the_rest() {
        let mut capture = Capture::default();
        let chunk = vec![b'a'; 40 * 1024];
        for _ in 0..3 {
            capture.push(&chunk);
        }
        let record = capture.record();
        assert_eq!((record.size, record.truncated, record.base64), (120 * 1024, true, false));
        assert_eq!(record.data.len(), BODY_CAP_BYTES);
    }

    #[test]
    fn a_small_text_body_is_kept_whole_as_text() {
        let mut capture = Capture::default();
        capture.push(br#"{"a":1}"#);
        assert_eq!(
            capture.record(),
            BodyRecord { data: r#"{"a":1}"#.into(), base64: false, size: 7, truncated: false }
        );
    }

    #[test]
    fn a_binary_body_is_kept_as_base64() {
        let mut capture = Capture::default();
        capture.push(&[0xff, 0x00, 0xfe]);
        let record = capture.record();
        assert_eq!((record.data.as_str(), record.base64, record.size), ("/wD+", true, 3));
    }

    #[test]
    fn a_character_cut_by_the_cap_leaves_the_body_text() {
        let mut capture = Capture::default();
        capture.push(&vec![b'a'; BODY_CAP_BYTES - 1]);
        capture.push("é and more".as_bytes());
        let record = capture.record();
        assert!(record.truncated && !record.base64, "{}", record.size);
        assert_eq!(record.data.len(), BODY_CAP_BYTES - 1);
    }
}
