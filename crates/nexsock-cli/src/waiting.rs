//! While a start waits on readiness checks and stderr is not a terminal (a CI log, a pipe, where
//! no progress bar shows), a line every few seconds says what each starting service waits for
//! and what its check last answered:
//! `waiting for api: GET http://127.0.0.1:8701/health answered 404 Not Found (5s of 60s)`.

use std::{
    collections::BTreeSet,
    future::Future,
    io::IsTerminal,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use nexsock_core::{Paths, time::now_ms};
use nexsock_proto::{Client, ClientError, HealthCheck, Request, Response, ServiceDetail, ServiceState};
use tokio::time::Instant;

/// How often the waiting line is printed.
pub const EVERY: Duration = Duration::from_secs(5);

/// The services a pending request waits to see ready: named by the request (`service start
/// NAME`), or learnt from a chain start's progress ([`Self::starting`]). Shared with the task
/// that reports on them.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    /// Whether the request starts anything at all.
    start: bool,
    names: Arc<Mutex<BTreeSet<String>>>,
}

impl Waiting {
    /// What `request` will wait for: its service, a chain's services as they start, or nothing.
    pub fn for_request(request: &Request) -> Self {
        let waiting = Self { start: true, ..Self::default() };
        match request {
            Request::StartService { name } | Request::RestartService { name, .. } => waiting.starting(name),
            Request::StartChain(_) => {}
            _ => return Self::default(),
        }
        waiting
    }

    /// `name` is starting: report on it.
    pub fn starting(&self, name: &str) {
        self.names.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned());
    }

    /// `name` settled (ready, failed, skipped): no more reports on it.
    pub fn settled(&self, name: &str) {
        self.names.lock().unwrap_or_else(PoisonError::into_inner).remove(name);
    }

    fn names(&self) -> Vec<String> {
        self.names.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// Awaits `request`; meanwhile, when it starts something and stderr is not a terminal,
    /// reports every [`EVERY`] on the services still starting.
    pub async fn report_while<T>(&self, request: impl Future<Output = T>) -> T {
        if !self.start || std::io::stderr().is_terminal() {
            return request.await;
        }
        let reporter = tokio::spawn(report_every(self.clone()));
        let out = request.await;
        reporter.abort();
        out
    }
}

/// Every [`EVERY`], asks the host (on a connection of its own) how each waited-for service is
/// doing, and prints a line for those still starting.
async fn report_every(waiting: Waiting) {
    let began = Instant::now();
    let mut tick = tokio::time::interval_at(began + EVERY, EVERY);
    let Ok(paths) = Paths::from_env() else { return };
    let mut client: Option<Client> = None;
    loop {
        tick.tick().await;
        if client.is_none() {
            client = Client::connect(&paths.socket()).await.ok();
        }
        // A broken connection is opened again at the next tick.
        if let Some(c) = client.as_mut()
            && report(c, &waiting, began.elapsed()).await.is_err()
        {
            client = None;
        }
    }
}

/// One round of [`report_every`]: a line for each waited-for service still starting.
async fn report(client: &mut Client, waiting: &Waiting, waited: Duration) -> Result<(), ClientError> {
    for name in waiting.names() {
        let detail = match client.request(Request::ServiceStatus { name, reveal: false }).await {
            Ok(Response::Service(detail)) => detail,
            // Refused (an unknown service): the start's own answer says so.
            Ok(_) | Err(ClientError::Api(_)) => continue,
            Err(e) => return Err(e),
        };
        if let Some(line) = waiting_line(&detail, waited, now_ms()) {
            eprintln!("{line}");
        }
    }
    Ok(())
}

/// What a service still starting waits for, or `None` when it is not starting or has no check
/// to wait on (it only settles). `waited` counts when the run's start time is unknown.
fn waiting_line(detail: &ServiceDetail, waited: Duration, now_ms: u64) -> Option<String> {
    let (spec, status) = (&detail.spec, &detail.status);
    if status.state != ServiceState::Starting {
        return None;
    }
    let check = spec.health.as_ref()?;
    let what = match (&status.reason, check) {
        (Some(answer), _) => answer.clone(),
        (None, HealthCheck::Log { pattern }) => format!("an output line matching `{pattern}`"),
        (None, check) => format!("its {check} check (no answer yet)"),
    };
    let waited_ms = status.since_ms.map_or(waited.as_millis(), |since| u128::from(now_ms.saturating_sub(since)));
    let secs = (waited_ms + 500) / 1000;
    Some(format!("waiting for {}: {what} ({secs}s of {}s)", spec.name, spec.startup_timeout_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `api`, starting since 10 s after the epoch with a 60 s timeout (built from JSON: fields
    /// added later keep their defaults).
    fn starting(health: Option<HealthCheck>, reason: Option<&str>) -> ServiceDetail {
        let mut detail: ServiceDetail = serde_json::from_value(serde_json::json!({
            "spec": { "name": "api", "command": "serve", "port": 8701, "startup_timeout_secs": 60 },
            "status": {
                "name": "api", "state": "starting", "pid": 1, "port": 8701, "since_ms": 10_000,
                "reason": reason, "restarts": 0, "last_exit": null,
            },
        }))
        .expect("a valid detail");
        detail.spec.health = health;
        detail
    }

    #[test]
    fn the_line_names_the_service_its_checks_answer_and_the_time_left() {
        let http = Some(HealthCheck::Http { path: "/health".into() });
        let answered = starting(http.clone(), Some("GET http://127.0.0.1:8701/health answered 404 Not Found"));
        assert_eq!(
            waiting_line(&answered, Duration::ZERO, 14_600).as_deref(),
            Some("waiting for api: GET http://127.0.0.1:8701/health answered 404 Not Found (5s of 60s)")
        );
        let silent = starting(http, None);
        assert_eq!(
            waiting_line(&silent, Duration::ZERO, 12_000).as_deref(),
            Some("waiting for api: its http:/health check (no answer yet) (2s of 60s)")
        );
        let log = starting(Some(HealthCheck::Log { pattern: "listening".into() }), None);
        assert!(waiting_line(&log, Duration::ZERO, 10_000).is_some_and(|l| l.contains("matching `listening`")));
        assert_eq!(waiting_line(&starting(None, None), Duration::ZERO, 10_000), None, "no check: it only settles");
        let mut ready = starting(Some(HealthCheck::Tcp), None);
        ready.status.state = ServiceState::Ready;
        assert_eq!(waiting_line(&ready, Duration::ZERO, 10_000), None);
    }
}
