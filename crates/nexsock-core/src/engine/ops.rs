//! Request handlers: add, remove, start, stop, restart, shutdown. Long operations park their reply
//! in the service's waiters; outcomes answer them later.

use std::time::Duration;

use nexsock_proto::{Event, HealthCheck, Response, ServiceSpec};
use tokio::time::Instant;

use super::{
    Engine, Outcome, Reply,
    service::{AfterStop, Phase, Run, Service},
};
use crate::{
    error::CoreError,
    probe,
    supervisor::{self, RunContext},
    time::now_ms,
    validate::validate_spec,
};

impl Engine {
    pub(super) fn add_service(&mut self, spec: ServiceSpec) -> Result<Response, CoreError> {
        validate_spec(&spec)?;
        if self.services.contains_key(&spec.name) {
            return Err(CoreError::DuplicateService(spec.name));
        }
        let id = self.store.insert_service(&spec)?;
        let svc = Service::new(id, spec)?;
        let detail = svc.detail();
        let name = svc.spec.name.clone();
        self.services.insert(name.clone(), svc);
        let _ = self.events.send(Event::ServiceAdded(detail.clone()));
        Ok(Response::Service(detail))
    }

    /// `EditService`: validates the new definition as `add` does, and against the edges that
    /// lead to it (a `healthy` edge needs a health check), stores it, then takes it. Answers
    /// with secrets masked.
    pub(super) fn edit_service(&mut self, mut spec: ServiceSpec) -> Result<Response, CoreError> {
        validate_spec(&spec)?;
        let old = &self.service(&spec.name)?.spec;
        // A masked value sent back (the window's form shows secrets masked) keeps the stored one.
        for (name, value) in &mut spec.env {
            if value == nexsock_proto::MASKED_VALUE
                && let Some(stored) = old.env.get(name)
            {
                value.clone_from(stored);
            }
        }
        for edge in self.store.load_edges()?.iter().filter(|e| e.depends_on == spec.name) {
            crate::validate::resolve_dependency(&edge.to_spec(), &spec)?;
        }
        self.store.update_service(&spec)?;
        let name = spec.name.clone();
        if let Some(svc) = self.services.get_mut(&name) {
            svc.replace_spec(spec)?;
        }
        let detail = self.service(&name)?.detail();
        let _ = self.events.send(Event::ServiceUpdated(detail.clone()));
        Ok(Response::Service(detail))
    }

    pub(super) fn remove_service(&mut self, name: &str) -> Result<Response, CoreError> {
        let svc = self.service(name)?;
        if !svc.is_down() {
            return Err(CoreError::ServiceBusy { name: name.to_owned(), state: svc.status().state.to_string() });
        }
        let edges = self
            .store
            .load_edges()?
            .iter()
            .filter(|e| e.service == name || e.depends_on == name)
            .map(crate::store::StoredEdge::to_spec)
            .collect();
        self.store.delete_service(name)?;
        self.services.remove(name);
        let _ = self.events.send(Event::ServiceRemoved { name: name.to_owned() });
        Ok(Response::Removed { name: name.to_owned(), edges })
    }

    pub(super) fn start_service(&mut self, name: &str, reply: Reply) {
        if self.shutdown.is_some() {
            let _ = reply.send(Err(CoreError::ShuttingDown));
            return;
        }
        let Some(svc) = self.services.get_mut(name) else {
            let _ = reply.send(Err(self.unknown_service(name)));
            return;
        };
        match &mut svc.phase {
            Phase::Ready(_) => {
                let _ = reply.send(Ok(Response::Status(svc.status())));
            }
            // Already on its way up: join it rather than start it twice.
            Phase::Starting(_) | Phase::Backoff { .. } => svc.start_waiters.push(reply),
            Phase::Stopping { then, .. } => {
                *then = AfterStop::Start;
                svc.start_waiters.push(reply);
            }
            Phase::Stopped | Phase::Failed { .. } => {
                svc.restarts = 0;
                svc.start_waiters.push(reply);
                self.spawn_run(name);
            }
        }
    }

    pub(super) fn stop_service(&mut self, name: &str, reply: Reply) {
        let Some(svc) = self.services.get_mut(name) else {
            let _ = reply.send(Err(self.unknown_service(name)));
            return;
        };
        svc.stop_waiters.push(reply);
        svc.injected_env.clear();
        // Stopped by request: no longer shown as a one-shot that completed.
        svc.completed = false;
        let phase = std::mem::replace(&mut svc.phase, Phase::Stopped);
        svc.phase = match phase {
            Phase::Starting(mut run) | Phase::Ready(mut run) => {
                run.request_stop();
                Phase::Stopping { run, then: AfterStop::Stay }
            }
            Phase::Stopping { run, .. } => Phase::Stopping { run, then: AfterStop::Stay },
            Phase::Backoff { timer, .. } => {
                timer.abort();
                Phase::Stopped
            }
            done @ (Phase::Stopped | Phase::Failed { .. }) => done,
        };
        if svc.is_down() {
            svc.answer_stop();
        }
        svc.answer_start(|| Err(CoreError::StartFailed { name: name.to_owned(), reason: "stopped by request".into() }));
        self.emit(name);
        // A stopped service's tunnel would point at nothing.
        self.close_tunnel(name);
    }

    pub(super) fn restart_service(&mut self, name: &str, reply: Reply) {
        let Some(svc) = self.services.get_mut(name) else {
            let _ = reply.send(Err(self.unknown_service(name)));
            return;
        };
        match &mut svc.phase {
            Phase::Starting(run) | Phase::Ready(run) => {
                run.request_stop();
                let (Phase::Starting(run) | Phase::Ready(run)) = std::mem::replace(&mut svc.phase, Phase::Stopped)
                else {
                    return;
                };
                svc.phase = Phase::Stopping { run, then: AfterStop::Start };
                svc.start_waiters.push(reply);
                self.emit(name);
            }
            Phase::Stopping { then, .. } => {
                *then = AfterStop::Start;
                svc.start_waiters.push(reply);
            }
            Phase::Backoff { timer, .. } => {
                timer.abort();
                svc.phase = Phase::Stopped;
                self.start_service(name, reply);
            }
            Phase::Stopped | Phase::Failed { .. } => self.start_service(name, reply),
        }
    }

    pub(super) fn begin_shutdown(&mut self, reply: Option<Reply>) {
        self.shutdown.get_or_insert_with(Vec::new).extend(reply);
        self.abort_executions("the host is shutting down");
        self.close_all_tunnels();
        let names: Vec<String> = self.services.keys().cloned().collect();
        for name in names {
            let (tx, _rx) = tokio::sync::oneshot::channel();
            self.stop_service(&name, tx);
        }
    }

    /// How `spec` would be run now, from one read of config.toml: `[services]` (the settle
    /// time) and what its processes start from, with where that comes from (`service env`).
    pub(super) fn run_setup(
        &mut self,
        spec: &ServiceSpec,
    ) -> (crate::config::ServicesConfig, supervisor::Inherit, String) {
        let (services, withheld) = match self.config.current() {
            Ok(file) => (file.services.clone(), file.command_token_vars()),
            Err(e) => {
                tracing::warn!("reading config.toml: {e}; using the defaults");
                (crate::config::ServicesConfig::default(), Vec::new())
            }
        };
        let base = self.environments.base(services.inherit_for(spec));
        (services, supervisor::Inherit { base: Some(base.vars), withheld }, base.source)
    }

    /// Spawns a new run of `name`; on failure the service is failed and its waiters answered.
    pub(super) fn spawn_run(&mut self, name: &str) {
        // Never beside another listener on its port: its checks would pass on the other one.
        let port = self.services.get(name).and_then(|s| s.spec.port).and_then(|p| u16::try_from(p).ok());
        if let Some(port) = port
            && let Some(holder) = self.port_holder(port)
        {
            let Some(svc) = self.services.get_mut(name) else { return };
            let err = Self::port_in_use(name, port, holder.clone());
            svc.phase = Phase::Failed { reason: err.to_string() };
            svc.answer_start(|| Err(Self::port_in_use(name, port, holder.clone())));
            return self.emit(name);
        }
        let Some(spec) = self.services.get(name).map(|s| s.spec.clone()) else { return };
        let (services, inherit, _) = self.run_setup(&spec);
        let settle = services.settle();
        let Some(svc) = self.services.get_mut(name) else { return };
        svc.completed = false;
        svc.run_lines = 0;
        let skip_checks = std::mem::take(&mut svc.skip_checks_once);
        svc.generation += 1;
        let generation = svc.generation;
        let token = format!("{}-{}-{}", std::process::id(), now_ms(), generation);
        let ctx = RunContext {
            name: name.to_owned(),
            generation,
            run_id: self.next_run_id,
            log_path: self.paths.service_log(name),
            outcomes: self.outcomes.clone(),
            inherit: inherit.clone(),
        };
        let mut spec = svc.spec.clone();
        spec.env.extend(svc.injected_env.iter().map(|(k, (v, _))| (k.clone(), v.clone())));
        let spawned = match supervisor::spawn(&spec, &token, ctx) {
            Ok(s) => s,
            Err(source) => {
                let err = CoreError::Spawn { name: name.to_owned(), source };
                svc.phase = Phase::Failed { reason: err.to_string() };
                let msg = err.to_string();
                svc.answer_start(|| Err(CoreError::StartFailed { name: name.to_owned(), reason: msg.clone() }));
                self.emit(name);
                return;
            }
        };
        let since_ms = now_ms();
        let run_id = self.next_run_id;
        self.next_run_id += 1;
        self.new_runs.push(crate::store::NewRun {
            id: run_id,
            service_id: svc.id,
            pid: spawned.pid,
            proc_start: spawned.proc_start,
            token,
            spawned_at: since_ms,
            ready_at: None,
            execution_id: None,
        });
        let mut checked = svc.spec.clone();
        if skip_checks {
            checked.health = None;
        }
        let readiness = readiness_task(&checked, spawned.pid, name, generation, &self.outcomes, inherit, settle);
        svc.phase = Phase::Starting(Run {
            run_id,
            pid: spawned.pid,
            since_ms,
            started: Instant::now(),
            stop: Some(spawned.stop),
            readiness,
            note: None,
            spec: Some(svc.spec.clone()),
        });
        self.emit(name);
    }
}

/// Starts the task that decides readiness (or its absence by the deadline). `log:` checks are
/// decided by the engine as lines arrive, so their task is only the deadline. A service without
/// a check is ready once it has run for `settle` (an exit before that decides instead).
fn readiness_task(
    spec: &ServiceSpec,
    pgid: u32,
    name: &str,
    generation: u64,
    outcomes: &tokio::sync::mpsc::UnboundedSender<Outcome>,
    inherit: supervisor::Inherit,
    settle: Duration,
) -> Option<tokio::task::AbortHandle> {
    let Some(check) = spec.health.clone() else {
        let (outcomes, name) = (outcomes.clone(), name.to_owned());
        let task = tokio::spawn(async move {
            tokio::time::sleep(settle).await;
            let _ = outcomes.send(Outcome::Ready { name, generation });
        });
        return Some(task.abort_handle());
    };
    let deadline = Instant::now() + Duration::from_secs(spec.startup_timeout_secs);
    let spec = spec.clone();
    let name = name.to_owned();
    let outcomes = outcomes.clone();
    let task = tokio::spawn(async move {
        let result = match check {
            HealthCheck::Log { pattern } => {
                tokio::time::sleep_until(deadline).await;
                Err(format!("not ready after {}s: no output line matched `{pattern}`", spec.startup_timeout_secs))
            }
            HealthCheck::Tcp | HealthCheck::Http { .. } | HealthCheck::Exec { .. } => {
                let answered = |answer: String| {
                    let _ = outcomes.send(Outcome::CheckAnswered { name: name.clone(), generation, answer });
                };
                probe::wait_ready(spec, pgid, deadline, inherit, answered).await
            }
        };
        let _ = outcomes.send(match result {
            Ok(()) => Outcome::Ready { name, generation },
            Err(reason) => Outcome::NotReady { name, generation, reason },
        });
    });
    Some(task.abort_handle())
}
