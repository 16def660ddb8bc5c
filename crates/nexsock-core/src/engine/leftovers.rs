//! A previous host's leftovers: processes of runs it never closed because it died. The host
//! answers at once; each leftover is stopped in the background, all of them together, while its
//! service shows as `stopping` with the reason. A start of such a service waits for that stop
//! (never two instances); the service ends `stopped`, or `failed` when even SIGKILL left some of
//! it. Progress goes out as [`Event::Reconciliation`].

use nexsock_proto::{Event, LeftoverFailure, Response};
use tokio::time::Instant;

use super::{
    Engine, Outcome,
    service::{AfterStop, Phase, Run},
};
use crate::{
    error::CoreError,
    reconcile::{self, Found},
    store::RunEnd,
    time::now_ms,
};

impl Engine {
    /// Takes over what [`reconcile::find`] found: every leftover's service shows as stopping and
    /// its stop begins.
    pub(super) fn adopt_leftovers(&mut self, found: Found) {
        self.reconciliation.gone = found.gone;
        let mut stopping = Vec::new();
        for leftover in found.leftovers {
            let name = leftover.run.service.clone();
            let Some(svc) = self.services.get_mut(&name) else { continue };
            svc.generation += 1;
            let generation = svc.generation;
            let pid = u32::try_from(leftover.run.pid).unwrap_or_default();
            svc.phase = Phase::Stopping {
                run: Run {
                    run_id: leftover.run.run_id,
                    pid,
                    since_ms: leftover.run.spawned_at,
                    started: Instant::now(),
                    stop: None,
                    readiness: None,
                    note: Some(format!(
                        "left running by a previous host that died (pid {pid}); stopping it within its {}s grace",
                        leftover.run.stop_grace_secs
                    )),
                    spec: None,
                },
                then: AfterStop::Stay,
            };
            self.reconciliation.remaining.push(name.clone());
            self.emit(&name);
            stopping.push((leftover, (name, generation)));
        }
        let outcomes = self.outcomes.clone();
        reconcile::stop_all(stopping, move |(name, generation), result| {
            let _ = outcomes.send(Outcome::LeftoverStopped { name, generation, result });
        });
        if self.reconciliation.found_any() {
            tracing::warn!(
                stopping = ?self.reconciliation.remaining,
                gone = ?self.reconciliation.gone,
                "a previous host died and left runs open"
            );
        }
        let _ = self.events.send(Event::Reconciliation(self.reconciliation.clone()));
    }

    /// A leftover's stop ended: the service is stopped (or failed), and a start that waited for
    /// it goes ahead.
    pub(super) fn on_leftover_stopped(&mut self, name: &str, generation: u64, result: Result<(), String>) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if generation != svc.generation {
            return;
        }
        let Phase::Stopping { run, then } = std::mem::replace(&mut svc.phase, Phase::Stopped) else {
            return;
        };
        self.reconciliation.remaining.retain(|n| n != name);
        let reason = match &result {
            Ok(()) => reconcile::STOPPED.to_owned(),
            Err(e) => format!("left running by a previous host that died; stopping it failed: {e}"),
        };
        let end = RunEnd { at_ms: now_ms(), code: None, signal: None, reason: Some(reason.clone()) };
        let run_id = run.run_id;
        self.writer.write("a leftover run's end", move |store| store.finish_run(run_id, &end));
        match result {
            Ok(()) => {
                self.reconciliation.stopped.push(name.to_owned());
                tracing::info!(service = name, "stopped what a previous host left running");
                if then == AfterStop::Start {
                    self.after_stop_then_start(name);
                } else if let Some(svc) = self.services.get_mut(name) {
                    svc.answer_stop();
                }
            }
            Err(e) => {
                tracing::error!(service = name, "cannot stop what a previous host left running: {e}");
                self.reconciliation.failed.push(LeftoverFailure { service: name.to_owned(), reason: e });
                if let Some(svc) = self.services.get_mut(name) {
                    svc.phase = Phase::Failed { reason: reason.clone() };
                    svc.answer_stop();
                    svc.answer_start(|| Err(CoreError::StartFailed { name: name.to_owned(), reason: reason.clone() }));
                }
            }
        }
        self.emit(name);
        let _ = self.events.send(Event::Reconciliation(self.reconciliation.clone()));
    }

    /// `Reconciliation`.
    pub(super) fn reconciliation(&self) -> Response {
        Response::Reconciliation(self.reconciliation.clone())
    }
}
