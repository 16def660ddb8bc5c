//! Outcome handlers: what the engine does when a probe passes, a line arrives, a process exits or a
//! back-off elapses. Outcomes of an older generation than the service's current run are stale.

use std::time::Duration;

use nexsock_proto::{Event, ExitInfo, LogLine, Response, Stream};

use super::{
    Engine, Outcome,
    service::{AfterStop, Phase},
};
use crate::{
    error::CoreError,
    logfile,
    restart::{self, MAX_RESTARTS, RestartDecision},
    store::RunEnd,
    supervisor::Exit,
    time::now_ms,
};

impl Engine {
    pub(super) fn on_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Line { name, generation, line } => self.on_line(&name, generation, line),
            Outcome::LogWriteFailed { name, error } => self.on_log_write_failed(&name, &error),
            Outcome::Ready { name, generation } => self.on_ready(&name, generation),
            Outcome::CheckAnswered { name, generation, answer } => self.on_check_answered(&name, generation, answer),
            Outcome::NotReady { name, generation, reason } => self.on_not_ready(&name, generation, reason),
            Outcome::Exited { name, generation, exit } => self.on_exited(&name, generation, exit),
            Outcome::RestartDue { name, generation } => self.on_restart_due(&name, generation),
            Outcome::ImportRead { request, result, reply } => self.on_import_read(request, result, reply),
            Outcome::LeftoverStopped { name, generation, result } => {
                self.on_leftover_stopped(&name, generation, result)
            }
            // The engine re-evaluates executions after every outcome; the timer only wakes it.
            Outcome::ExecutionTimer { .. } => {}
            Outcome::EdgePathReady { execution, service } => self.on_edge_path_ready(execution, &service),
            Outcome::TunnelOpened { service, generation, result } => {
                self.on_tunnel_opened(&service, generation, result)
            }
            Outcome::TunnelDestroyed => self.destroying -= 1,
            Outcome::TunnelHealth { service, generation, result } => {
                self.on_tunnel_health(&service, generation, result)
            }
            Outcome::TunnelRetry { service, generation } => self.on_tunnel_retry(&service, generation),
        }
    }

    fn on_line(&mut self, name: &str, generation: u64, line: LogLine) {
        let Some(svc) = self.services.get_mut(name) else { return };
        let matched = generation == svc.generation
            && matches!(svc.phase, Phase::Starting(_))
            && line.stream != Stream::Marker
            && svc.log_ready.as_ref().is_some_and(|re| re.is_match(&line.text));
        svc.remember(line.clone());
        let _ = self.events.send(Event::Log { service: name.to_owned(), line });
        if matched {
            self.on_ready(name, generation);
        }
    }

    pub(super) fn on_ready(&mut self, name: &str, generation: u64) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if generation != svc.generation || !matches!(svc.phase, Phase::Starting(_)) {
            return;
        }
        let Phase::Starting(mut run) = std::mem::replace(&mut svc.phase, Phase::Stopped) else { return };
        if let Some(r) = run.readiness.take() {
            r.abort();
        }
        // What the check answered while it waited is no longer news.
        run.note = None;
        let (run_id, at_ms) = (run.run_id, now_ms());
        svc.phase = Phase::Ready(run);
        match self.new_run(run_id) {
            Some(new) => new.ready_at = Some(at_ms),
            None => self.writer.write("a run's readiness", move |store| store.mark_run_ready(run_id, at_ms)),
        }
        let Some(svc) = self.services.get_mut(name) else { return };
        let status = svc.status();
        svc.answer_start(|| Ok(Response::Status(status.clone())));
        self.emit(name);
    }

    /// Keeps what a starting service's check last answered: its status says it (no event: the
    /// check answers every few milliseconds, and readers that wait ask for the status).
    fn on_check_answered(&mut self, name: &str, generation: u64, answer: String) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if let (true, Phase::Starting(run)) = (generation == svc.generation, &mut svc.phase) {
            run.note = Some(answer);
        }
    }

    /// Counts a failed write to a service's log (shown in its status); the host log says so at
    /// the first failure and then at every power of two, not at every line.
    pub(super) fn on_log_write_failed(&mut self, name: &str, error: &str) {
        let Some(svc) = self.services.get_mut(name) else { return };
        svc.log_write_failures += 1;
        svc.last_log_error = Some(error.to_owned());
        if svc.log_write_failures.is_power_of_two() {
            tracing::warn!(service = name, failures = svc.log_write_failures, "writing to its log: {error}");
        }
    }

    /// Stops a live run and fails its start with `reason` (its restart policy decides what
    /// follows).
    pub(super) fn fail_run(&mut self, name: &str, reason: String) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if !matches!(svc.phase, Phase::Starting(_) | Phase::Ready(_)) {
            return;
        }
        let (Phase::Starting(mut run) | Phase::Ready(mut run)) = std::mem::replace(&mut svc.phase, Phase::Stopped)
        else {
            return;
        };
        run.request_stop();
        svc.answer_start(|| Err(CoreError::StartFailed { name: name.to_owned(), reason: reason.clone() }));
        svc.phase = Phase::Stopping { run, then: AfterStop::Fail(reason) };
        self.emit(name);
    }

    fn on_not_ready(&mut self, name: &str, generation: u64, reason: String) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if generation != svc.generation || !matches!(svc.phase, Phase::Starting(_)) {
            return;
        }
        self.fail_run(name, reason);
    }

    fn on_exited(&mut self, name: &str, generation: u64, exit: Exit) {
        let Some(svc) = self.services.get_mut(name) else { return };
        if generation != svc.generation {
            return;
        }
        let at_ms = now_ms();
        svc.last_exit = Some(ExitInfo { code: exit.code, signal: exit.signal, at_ms });
        let phase = std::mem::replace(&mut svc.phase, Phase::Stopped);
        let mut clean_exit_while_starting = false;
        // Stopped by the host because its start failed (not ready in time).
        let mut stopped_failing = false;
        // `requested`: the user asked for the stop, whatever the process did meanwhile.
        let (run, failure, requested) = match phase {
            Phase::Stopping { run, then: AfterStop::Stay } => (run, None, true),
            Phase::Stopping { run, then: AfterStop::Start } => {
                self.finish(name, run.run_id, exit, Some("restarted".into()), "stopped to restart");
                return self.after_stop_then_start(name);
            }
            Phase::Stopping { run, then: AfterStop::Fail(reason) } => {
                stopped_failing = true;
                (run, Some(reason), false)
            }
            // Without a check, a clean exit within the settle time is a one-shot that finished.
            Phase::Starting(run) if exit.succeeded() && svc.spec.health.is_none() => {
                clean_exit_while_starting = true;
                (run, None, false)
            }
            Phase::Starting(run) => {
                let mut reason = format!("{} before it was ready", exit.describe());
                if let Some(words) = svc.last_words() {
                    reason.push_str(&format!(" (last output: {words})"));
                }
                let r = reason.clone();
                svc.answer_start(|| Err(CoreError::StartFailed { name: name.to_owned(), reason: r.clone() }));
                (run, Some(reason), false)
            }
            Phase::Ready(run) if exit.succeeded() => (run, None, false),
            Phase::Ready(run) => {
                let mut reason = exit.describe();
                if let Some(words) = svc.last_words() {
                    reason.push_str(&format!(" (last output: {words})"));
                }
                (run, Some(reason), false)
            }
            other @ (Phase::Stopped | Phase::Failed { .. } | Phase::Backoff { .. }) => {
                svc.phase = other;
                return;
            }
        };
        let uptime = run.started.elapsed();
        let how = match (&failure, requested, stopped_failing) {
            (_, true, _) => "stopped by request".to_owned(),
            (Some(reason), false, true) => format!("stopped: {reason}"),
            (_, false, _) => exit.describe(),
        };
        self.finish(name, run.run_id, exit, failure.clone().or_else(|| requested.then(|| "stopped".into())), &how);
        let Some(svc) = self.services.get_mut(name) else { return };
        if requested {
            svc.phase = Phase::Stopped;
            svc.answer_stop();
            return self.emit(name);
        }
        let succeeded = failure.is_none() && exit.succeeded();
        let reason = failure.unwrap_or_else(|| exit.describe());
        let decision = if self.shutdown.is_some() {
            RestartDecision::Stay
        } else {
            restart::decide(svc.spec.restart, succeeded, uptime, svc.restarts)
        };
        let phase = match decision {
            RestartDecision::Restart { delay, attempt } => {
                svc.restarts = attempt;
                Phase::Backoff {
                    attempt,
                    until_ms: at_ms + u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    timer: restart_timer(&self.outcomes, name, generation, delay),
                    reason,
                }
            }
            RestartDecision::Stay if succeeded => {
                svc.completed = true;
                Phase::Stopped
            }
            RestartDecision::Stay => Phase::Failed { reason },
            RestartDecision::GiveUp => {
                Phase::Failed { reason: format!("{reason}; gave up after {MAX_RESTARTS} restarts") }
            }
        };
        svc.phase = phase;
        svc.answer_stop();
        // Its start succeeded: it ran and ended well (whatever its restart policy does next).
        if clean_exit_while_starting {
            let status = svc.status();
            svc.answer_start(|| Ok(Response::Status(status.clone())));
        }
        self.emit(name);
    }

    pub(super) fn after_stop_then_start(&mut self, name: &str) {
        if let Some(svc) = self.services.get_mut(name) {
            svc.answer_stop();
            svc.restarts = 0;
        }
        self.spawn_run(name);
    }

    /// Records the end of a run, and marks it in the service's log: `how` it ended.
    fn finish(&mut self, name: &str, run_id: i64, exit: Exit, reason: Option<String>, how: &str) {
        let end = RunEnd { at_ms: now_ms(), code: exit.code, signal: exit.signal, reason };
        tracing::debug!(service = name, run_id, "run ended");
        self.log_marker(name, logfile::run_ended(run_id, how, end.at_ms));
        self.writer.write("a run's exit", move |store| store.finish_run(run_id, &end));
    }

    /// Writes a line of nexsock's own to the service's log and passes it on like its output. The
    /// run's output is drained by now (see `supervisor::drain`), so the marker follows it.
    fn log_marker(&mut self, name: &str, line: LogLine) {
        if let Err(e) = logfile::append(&self.paths.service_log(name), &line) {
            self.on_log_write_failed(name, &e.to_string());
        }
        if let Some(svc) = self.services.get_mut(name) {
            svc.remember(line.clone());
        }
        let _ = self.events.send(Event::Log { service: name.to_owned(), line });
    }

    fn on_restart_due(&mut self, name: &str, generation: u64) {
        let Some(svc) = self.services.get(name) else { return };
        if generation == svc.generation && matches!(svc.phase, Phase::Backoff { .. }) && self.shutdown.is_none() {
            self.spawn_run(name);
        }
    }
}

/// Sends `RestartDue` after `delay`.
fn restart_timer(
    outcomes: &tokio::sync::mpsc::UnboundedSender<Outcome>,
    name: &str,
    generation: u64,
    delay: Duration,
) -> tokio::task::AbortHandle {
    let outcomes = outcomes.clone();
    let name = name.to_owned();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = outcomes.send(Outcome::RestartDue { name, generation });
    })
    .abort_handle()
}
