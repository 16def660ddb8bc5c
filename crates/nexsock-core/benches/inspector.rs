//! What the request inspector adds to a request on loopback (issue 13, item 6): the same small GET
//! sent 10,000 times straight to a service and 10,000 times through the tunnel's recording proxy
//! ([`Inspector`]), each on one keep-alive connection, from the request's send to the end of its
//! response body. Direct and proxied requests alternate in blocks of 100 so that machine noise
//! spreads evenly over both. The service is a hyper HTTP/1.1 server in the same process (one task
//! per connection, a 64-byte answer); the runtime has 2 workers, like `nexsock daemon`'s.
//!
//! `cargo bench -p nexsock-core --bench inspector` (`INSPECTOR_REQUESTS=N` overrides the 10,000).
//! Without `--bench` (e.g. `cargo test --benches`) it does a 200-request smoke test.

#![allow(missing_docs)]

mod common;

use std::{
    convert::Infallible,
    time::{Duration, Instant},
};

use http_body_util::{BodyExt, Empty, Full};
use hyper::{Request, Response, body::Bytes, client::conn::http1::SendRequest, service::service_fn};
use hyper_util::rt::TokioIo;
use nexsock_core::inspector::{Inspector, RING_CAPACITY};
use tokio::net::{TcpListener, TcpStream};

const BLOCK: usize = 100;
/// The targets for what the proxy adds: p50 and p99, in milliseconds.
const TARGET_P50_MS: f64 = 1.0;
const TARGET_P99_MS: f64 = 5.0;

/// A service that answers every request with 64 bytes; returns its port.
async fn service() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("a loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let answer = service_fn(|_request| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(&[b'x'; 64]))))
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), answer).await;
            });
        }
    });
    port
}

async fn client(port: u16) -> SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.expect("the port listens");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("a handshake");
    tokio::spawn(connection);
    sender
}

/// One GET, to the end of its body.
async fn get(sender: &mut SendRequest<Empty<Bytes>>, n: usize) -> Duration {
    let request =
        Request::get(format!("/bench?n={n}")).header("host", "bench").body(Empty::new()).expect("a valid request");
    let start = Instant::now();
    sender.ready().await.expect("the connection is open");
    let response = sender.send_request(request).await.expect("an answer");
    let body = response.into_body().collect().await.expect("the whole body").to_bytes();
    let took = start.elapsed();
    assert_eq!(body.len(), 64);
    took
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn row(what: &str, times: &mut [Duration]) -> (f64, f64) {
    times.sort_unstable();
    let (p50, p95, p99) = (percentile(times, 0.50), percentile(times, 0.95), percentile(times, 0.99));
    let max = percentile(times, 1.0);
    println!("| {what} | {} | {p50:.3} ms | {p95:.3} ms | {p99:.3} ms | {max:.3} ms |", times.len());
    (p50, p99)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let requests: usize = match std::env::var("INSPECTOR_REQUESTS") {
        Ok(n) => n.parse().expect("INSPECTOR_REQUESTS is a number"),
        Err(_) if full => 10_000,
        Err(_) => 200,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let port = service().await;
        let inspector = Inspector::start("bench", port, tokio::sync::broadcast::channel(1).0).expect("the inspector binds a port");
        let (mut direct, mut proxied) = (client(port).await, client(inspector.port()).await);
        // Warm both paths up.
        for n in 0..BLOCK {
            get(&mut direct, n).await;
            get(&mut proxied, n).await;
        }
        let load_before = common::machine::loadavg();
        let (mut direct_times, mut proxied_times) = (Vec::with_capacity(requests), Vec::with_capacity(requests));
        let mut n = 0;
        while direct_times.len() < requests {
            let block = BLOCK.min(requests - direct_times.len());
            for _ in 0..block {
                direct_times.push(get(&mut direct, n).await);
                n += 1;
            }
            for _ in 0..block {
                proxied_times.push(get(&mut proxied, n).await);
                n += 1;
            }
        }
        println!("load average before: {load_before}");
        println!("| path | requests | p50 | p95 | p99 | max |");
        println!("|---|---:|---:|---:|---:|---:|");
        let (d50, d99) = row("direct to the service", &mut direct_times);
        let (p50, p99) = row("through the inspector", &mut proxied_times);
        let (a50, a99) = (p50 - d50, p99 - d99);
        let verdict = |added: f64, target: f64| if added <= target { "met" } else { "missed" };
        println!(
            "added: p50 {a50:.3} ms (target <= {TARGET_P50_MS} ms: {}), p99 {a99:.3} ms (target <= {TARGET_P99_MS} ms: {})",
            verdict(a50, TARGET_P50_MS),
            verdict(a99, TARGET_P99_MS)
        );
        let kept = inspector.exchanges(None, None).len();
        println!("exchanges kept: {kept} (ring capacity {RING_CAPACITY}); load average after: {}", common::machine::loadavg());
        assert!(kept <= RING_CAPACITY);
    });
}
