//! The executor of start plans. Strategies only decide the plan; this one event-driven loop runs
//! every plan: after each change in the engine it re-evaluates every running execution, lets a
//! step pass each `WaitFor` whose condition holds, and starts the highest-priority startable
//! steps within the concurrency bound. A service already starting or ready is joined, never
//! started twice — whichever execution or client asked first.

use std::{collections::HashSet, time::Duration};

use nexsock_proto::{
    ChainOptions, ChainRequest, Condition, Event, ExecutionProgress, ExecutionReport, ExecutionStatus, ServiceTiming,
    StepState, TunnelMode,
};
use tokio::{sync::oneshot, time::Instant};

use super::{
    Engine, Outcome,
    service::{AfterStop, Phase},
};
use crate::{
    error::CoreError,
    graph::{DependencyGraph, Edge},
    strategy::{Plan, PlanOptions, StartupAction},
    time::now_ms,
};

/// Answered with the report when the execution ends.
pub(super) type Done = oneshot::Sender<Result<ExecutionReport, CoreError>>;

/// A chain request checked and planned, not yet recorded or run.
pub(super) struct Prepared {
    pub strategy: String,
    pub graph: DependencyGraph,
    pub edges: Vec<crate::store::StoredEdge>,
    pub plan: Plan,
    pub durations: std::collections::HashMap<String, Duration>,
}

/// One service's progress through its plan step.
#[derive(Debug)]
struct Step {
    service: String,
    state: StepState,
    /// Index of the next action to run.
    next: usize,
    /// When the current `WaitFor` began (for its timeout).
    waiting_since: Instant,
    /// Whether a wake-up is scheduled for the current wait's timeout.
    armed: bool,
    /// Whether this step asked for the tunnel of its current `CreateTunnel` action.
    tunnel_requested: bool,
    /// The probe of the current wait's `--health-path`, once its condition held.
    path_probe: Option<tokio::task::AbortHandle>,
    /// Whether that path has answered 2xx or 3xx.
    path_ok: bool,
    spawned_ms: Option<u64>,
    ready_ms: Option<u64>,
    reason: Option<String>,
}

/// A running chain start.
#[derive(Debug)]
pub(super) struct Execution {
    id: i64,
    plan: Plan,
    roots: Vec<String>,
    started: Instant,
    started_ms: u64,
    steps: Vec<Step>,
    /// Services that only optional edges lead to: their failure does not fail the execution.
    soft: HashSet<String>,
    /// Services every edge of the plan waits on to complete (exit 0): one-shots, settled at
    /// their exit rather than at readiness.
    one_shots: HashSet<String>,
    /// One-shots to run again although they completed earlier.
    rerun: Vec<String>,
    /// Its switches.
    options: ChainOptions,
    /// The services this execution spawned (what a timeout or fail-fast stops).
    spawned_here: HashSet<String>,
    /// Why it was cut short (a timeout, fail-fast): then it ends at once.
    cut: Option<Cut>,
    actions: Vec<ActionRecord>,
    done: Option<Done>,
}

/// Why an execution ended before its services settled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cut {
    /// `timeout_secs` passed.
    TimedOut(u64),
    /// Fail-fast, after this root cause.
    FailFast(String),
}

impl Cut {
    fn why(&self) -> String {
        match self {
            Self::TimedOut(secs) => format!("the chain timed out after {secs}s"),
            Self::FailFast(cause) => format!("fail-fast after {cause}"),
        }
    }
}

/// One entry of an execution's action log, stored as JSON in `startup_execution.actions`:
/// `{"at_ms", "service", "action", "detail"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(super) struct ActionRecord {
    /// Since the execution began.
    at_ms: u64,
    /// The service the action was for.
    service: String,
    #[serde(flatten)]
    action: Action,
}

/// What the executor did for a service.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "action", content = "detail", rename_all = "snake_case")]
pub(super) enum Action {
    /// A dependency met the edge's condition (and its `--health-path` answered, when set).
    Wait {
        #[serde(rename = "for")]
        dependency: String,
        condition: Condition,
        health_path: Option<String>,
    },
    /// A required dependency failed: the service is skipped.
    Skip { reason: String },
    /// An optional dependency or tunnel failed: the service starts without it.
    Warn { reason: String },
    /// The dependency's tunnel is open.
    Tunnel { to: String },
    /// The tunnel's URL went into the service's environment.
    Inject { variable: String, alias: Option<String> },
    /// The service was spawned by this execution.
    Start {},
    /// The service was already starting or running: joined.
    Join {},
    /// The service was ready before the execution began: nothing to do.
    AlreadyReady {},
    /// A one-shot exited 0 (`earlier`: before the execution began, since its definition last
    /// changed, so it was not run again).
    Completed { earlier: bool },
    /// The service became ready.
    Ready { reason: Option<String> },
    /// The service (or its required tunnel) failed.
    Fail { reason: Option<String> },
}

/// Whether a dependency meets a condition yet.
enum WaitStatus {
    Met,
    Pending,
    Failed(String),
}

impl Execution {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn step(&self, service: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.service == service)
    }

    fn step_mut(&mut self, service: &str) -> Option<&mut Step> {
        self.steps.iter_mut().find(|s| s.service == service)
    }

    fn record(&mut self, service: &str, action: Action) {
        let at_ms = self.elapsed_ms();
        self.actions.push(ActionRecord { at_ms, service: service.to_owned(), action });
    }

    fn timing(step: &Step) -> ServiceTiming {
        ServiceTiming {
            name: step.service.clone(),
            state: step.state,
            spawned_ms: step.spawned_ms,
            ready_ms: step.ready_ms,
            reason: step.reason.clone(),
        }
    }

    /// Done once every root has settled, every service of the chain was at least started (or
    /// skipped for a failure it needs: keep-going starts everything else) and every one-shot
    /// asked to run again finished (a root that was already ready still brings up a dependency
    /// that was down). A dependency still starting keeps starting in the background, and says so
    /// in the report; after a failure, what the roots no longer need is not waited for.
    fn finished(&self) -> bool {
        if self.cut.is_some() {
            return true;
        }
        let roots = || self.steps.iter().filter(|s| self.roots.contains(&s.service));
        let rerun_settled = self.steps.iter().filter(|s| self.rerun.contains(&s.service)).all(|s| s.state.is_settled());
        roots().all(|s| s.state.is_settled())
            && rerun_settled
            && self.steps.iter().all(|s| s.state != StepState::Waiting)
    }

    /// The first failure that is not an optional dependency's, as `X failed: why`.
    fn hard_failure(&self) -> Option<String> {
        self.steps
            .iter()
            .find(|s| matches!(s.state, StepState::Failed | StepState::Skipped) && !self.soft.contains(&s.service))
            .map(|s| root_cause(self, s))
    }
}

impl Engine {
    /// Checks a chain request and plans it by its strategy; records nothing.
    pub(super) fn prepare_chain(&mut self, chain: &ChainRequest) -> Result<Prepared, CoreError> {
        if chain.roots.is_empty() {
            return Err(CoreError::InvalidArgument("name at least one service to start".into()));
        }
        for root in &chain.roots {
            self.service(root)?;
        }
        if chain.max_concurrent == Some(0) {
            return Err(CoreError::InvalidArgument("--max-concurrent must be at least 1".into()));
        }
        if chain.options.timeout_secs == Some(0) {
            return Err(CoreError::field("timeout_secs", "a chain timeout must be at least 1 second"));
        }
        let strategy = match chain.strategy.clone() {
            Some(name) => name,
            None => self.default_strategy()?,
        };
        let edges = self.store.load_subgraph_edges(&chain.roots)?;
        let mut services: Vec<&str> = chain.roots.iter().map(String::as_str).collect();
        services.extend(edges.iter().flat_map(|e| [e.service.as_str(), e.depends_on.as_str()]));
        let graph = DependencyGraph::from_parts(services, edges.iter().map(Edge::from))?;
        let options = PlanOptions { max_concurrent: chain.max_concurrent, durations: self.store.recent_durations()? };
        let plan = self.strategies()?.plan(&strategy, &graph, &chain.roots, &options)?;
        if let Some(stray) = chain.rerun.iter().find(|r| !plan.services().any(|s| s == r.as_str())) {
            return Err(CoreError::InvalidArgument(format!(
                "--rerun {stray}: {stray} is not part of this chain ({})",
                plan.services().collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(Prepared { strategy, graph, edges, plan, durations: options.durations })
    }

    /// Whether a step needs nothing before anything runs: a ready service (not a one-shot the
    /// chain waits on to finish), or a one-shot that completed since its definition last changed
    /// and that `--rerun` does not name.
    pub(super) fn already_done(&self, name: &str, one_shot: bool, rerun: &[String]) -> Option<StepState> {
        let svc = self.services.get(name)?;
        match &svc.phase {
            Phase::Ready(_) if !one_shot => Some(StepState::AlreadyReady),
            Phase::Stopped if one_shot && svc.completed && !rerun.iter().any(|r| r == name) => {
                Some(StepState::Completed)
            }
            _ => None,
        }
    }

    /// Plans a chain start, records it and begins executing it. Returns its id; `done` is
    /// answered with the report at the end.
    pub(super) fn start_chain(&mut self, chain: ChainRequest, done: Done) -> Result<i64, CoreError> {
        if self.shutdown.is_some() {
            return Err(CoreError::ShuttingDown);
        }
        let Prepared { strategy, edges, plan, .. } = self.prepare_chain(&chain)?;
        let soft = plan
            .services()
            .filter(|s| !chain.roots.iter().any(|r| r == s))
            .filter(|s| edges.iter().filter(|e| e.depends_on == *s).all(|e| !e.required))
            .map(str::to_owned)
            .collect();
        let one_shots = one_shots(&plan, &chain.roots);
        let started_ms = now_ms();
        let id = self.store.insert_execution(&chain.roots, &strategy, started_ms)?;
        let now = Instant::now();
        let steps = plan
            .steps
            .iter()
            .map(|p| Step {
                service: p.service.clone(),
                state: StepState::Waiting,
                next: 0,
                waiting_since: now,
                armed: false,
                tunnel_requested: false,
                path_probe: None,
                path_ok: false,
                spawned_ms: None,
                ready_ms: None,
                reason: None,
            })
            .collect();
        self.executions.push(Execution {
            id,
            plan,
            roots: chain.roots,
            started: now,
            started_ms,
            steps,
            soft,
            one_shots,
            rerun: chain.rerun,
            options: chain.options,
            spawned_here: HashSet::new(),
            cut: None,
            actions: Vec::new(),
            done: Some(done),
        });
        if let Some(secs) = self.executions.last().and_then(|e| e.options.timeout_secs) {
            self.wake_at(self.executions.len() - 1, Duration::from_secs(secs));
        }
        self.settle_already_done(self.executions.len() - 1);
        self.advance_executions();
        Ok(id)
    }

    /// Settles, before anything runs, the steps whose service needs nothing: a service already
    /// ready, and a one-shot that completed since its definition last changed (unless `--rerun`
    /// names it). A second chain start on a running stack thus starts nothing and succeeds.
    fn settle_already_done(&mut self, index: usize) {
        for s in 0..self.executions[index].steps.len() {
            let exec = &self.executions[index];
            let name = exec.steps[s].service.clone();
            let one_shot = exec.one_shots.contains(&name);
            let (state, action) = match self.already_done(&name, one_shot, &exec.rerun) {
                Some(StepState::AlreadyReady) => (StepState::AlreadyReady, Action::AlreadyReady {}),
                Some(_) => (StepState::Completed, Action::Completed { earlier: true }),
                None => continue,
            };
            let exec = &mut self.executions[index];
            exec.record(&name, action);
            exec.steps[s].state = state;
            if state == StepState::Completed {
                exec.steps[s].reason = Some(format!("completed earlier; --rerun {name} runs it again"));
            }
            self.emit_progress(index, s);
        }
    }

    /// Moves every running execution as far as the engine's state allows; ends finished ones.
    pub(super) fn advance_executions(&mut self) {
        let mut i = 0;
        while i < self.executions.len() {
            // A step that starts a service changes what other steps see: repeat until stable.
            while self.advance_one(i) {}
            self.cut_short(i);
            if self.executions[i].finished() {
                let exec = self.executions.remove(i);
                self.finish_execution(exec);
            } else {
                i += 1;
            }
        }
    }

    /// Ends an execution whose timeout passed, or that fails fast and has a failure: what it
    /// started that is still starting is stopped, what it has not started is not started.
    fn cut_short(&mut self, index: usize) {
        let exec = &self.executions[index];
        if exec.cut.is_some() {
            return;
        }
        let timed_out = exec.options.timeout_secs.filter(|t| exec.started.elapsed() >= Duration::from_secs(*t));
        let cut = match (timed_out, exec.options.fail_fast) {
            (Some(secs), _) => Cut::TimedOut(secs),
            (_, true) => match exec.hard_failure() {
                Some(cause) => Cut::FailFast(cause),
                None => return,
            },
            _ => return,
        };
        let why = cut.why();
        let mut to_stop = Vec::new();
        let exec = &mut self.executions[index];
        for s in 0..exec.steps.len() {
            let step = &exec.steps[s];
            let name = step.service.clone();
            match step.state {
                StepState::Waiting => {
                    let reason = format!("not started: {why}");
                    exec.record(&name, Action::Skip { reason: reason.clone() });
                    exec.steps[s].state = StepState::Skipped;
                    exec.steps[s].reason = Some(reason);
                }
                StepState::Starting if exec.spawned_here.contains(&name) => {
                    let reason = format!("stopped: {why}");
                    exec.record(&name, Action::Fail { reason: Some(reason.clone()) });
                    exec.steps[s].state = StepState::Failed;
                    exec.steps[s].reason = Some(reason);
                    to_stop.push(name);
                }
                _ => continue,
            }
        }
        exec.cut = Some(cut);
        for s in 0..self.executions[index].steps.len() {
            self.emit_progress(index, s);
        }
        for name in to_stop {
            let (tx, _) = oneshot::channel();
            self.stop_service(&name, tx);
        }
    }

    /// One pass over one execution; true when something changed.
    fn advance_one(&mut self, index: usize) -> bool {
        let mut changed = false;
        let mut startable = Vec::new();
        for s in 0..self.executions[index].steps.len() {
            changed |= self.follow_started(index, s);
            changed |= self.run_actions(index, s, &mut startable);
        }
        let exec = &self.executions[index];
        let in_flight = exec.steps.iter().filter(|s| s.state == StepState::Starting).count();
        let free = exec.plan.max_concurrent.map_or(usize::MAX, |m| m.max(1).saturating_sub(in_flight));
        startable.sort_by_key(|&s| std::cmp::Reverse(exec.plan.steps[s].priority));
        for s in startable.into_iter().take(free) {
            self.launch(index, s);
            changed = true;
        }
        changed
    }

    /// Runs a waiting step's actions up to `Start` (which is left for the concurrency bound).
    fn run_actions(&mut self, index: usize, s: usize, startable: &mut Vec<usize>) -> bool {
        let mut changed = false;
        loop {
            let exec = &self.executions[index];
            let step = &exec.steps[s];
            if step.state != StepState::Waiting {
                return changed;
            }
            let service = step.service.clone();
            match exec.plan.steps[s].actions.get(step.next).cloned() {
                Some(StartupAction::WaitFor { dependency, condition, required, timeout_secs, health_path }) => {
                    let (waited, armed) = (step.waiting_since.elapsed(), step.armed);
                    let mut status = self.wait_status(index, &dependency, condition);
                    if let (WaitStatus::Met, Some(path)) = (&status, &health_path) {
                        status = self.path_status(index, s, &dependency, path);
                    }
                    if let (WaitStatus::Pending, Some(t)) = (&status, timeout_secs) {
                        if waited >= Duration::from_secs(t) {
                            let also =
                                health_path.as_deref().map(|p| format!(" and answer on {p}")).unwrap_or_default();
                            status = WaitStatus::Failed(format!(
                                "timed out after {t}s waiting for {dependency} to be {condition}{also}"
                            ));
                        } else if !armed {
                            self.wake_at(index, Duration::from_secs(t) - waited);
                            self.executions[index].steps[s].armed = true;
                        }
                    }
                    let exec = &mut self.executions[index];
                    match status {
                        WaitStatus::Pending => return changed,
                        WaitStatus::Met => {
                            exec.record(&service, Action::Wait { dependency, condition, health_path });
                        }
                        WaitStatus::Failed(why) if required => {
                            let reason = format!("skipped: dependency {dependency} failed ({why})");
                            exec.record(&service, Action::Skip { reason: reason.clone() });
                            exec.steps[s].state = StepState::Skipped;
                            exec.steps[s].reason = Some(reason);
                            self.emit_progress(index, s);
                            return true;
                        }
                        WaitStatus::Failed(why) => {
                            let warning =
                                format!("optional dependency {dependency} failed ({why}); started without it");
                            exec.record(&service, Action::Warn { reason: warning.clone() });
                            exec.steps[s].reason = Some(warning);
                        }
                    }
                }
                Some(StartupAction::CreateTunnel { dependency, .. }) if exec.options.no_tunnels => {
                    let warning = format!("no tunnel to {dependency} (--no-tunnels): started without its URL");
                    let exec = &mut self.executions[index];
                    exec.record(&service, Action::Warn { reason: warning.clone() });
                    exec.steps[s].reason = Some(warning);
                }
                Some(StartupAction::InjectEnv { .. }) if exec.options.no_tunnels => {}
                Some(StartupAction::CreateTunnel { dependency, mode }) => {
                    let mut requested_now = false;
                    let status = if self.tunnel_url(&dependency).is_some() {
                        WaitStatus::Met
                    } else if !self.executions[index].steps[s].tunnel_requested {
                        self.executions[index].steps[s].tunnel_requested = true;
                        requested_now = true;
                        match self.begin_open(&dependency, None) {
                            Ok(()) => WaitStatus::Pending,
                            Err(e) => WaitStatus::Failed(e.to_string()),
                        }
                    } else if self.tunnel_opening(&dependency) {
                        WaitStatus::Pending
                    } else {
                        WaitStatus::Failed(
                            self.tunnel_attempt_failed(&dependency).unwrap_or_else(|| "the tunnel was closed".into()),
                        )
                    };
                    let exec = &mut self.executions[index];
                    match status {
                        // Asking for the tunnel is a change; waiting for it afterwards is not.
                        WaitStatus::Pending => return changed || requested_now,
                        WaitStatus::Met => exec.record(&service, Action::Tunnel { to: dependency }),
                        WaitStatus::Failed(why) if mode == TunnelMode::Required => {
                            let reason = format!("required tunnel to {dependency} failed: {why}");
                            exec.record(&service, Action::Fail { reason: Some(reason.clone()) });
                            exec.steps[s].state = StepState::Failed;
                            exec.steps[s].reason = Some(reason);
                            self.emit_progress(index, s);
                            return true;
                        }
                        WaitStatus::Failed(why) => {
                            let warning =
                                format!("optional tunnel to {dependency} failed ({why}); started without its URL");
                            exec.record(&service, Action::Warn { reason: warning.clone() });
                            exec.steps[s].reason = Some(warning);
                        }
                    }
                }
                Some(StartupAction::InjectEnv { dependency, variable, alias }) => {
                    if let Some(url) = self.tunnel_url(&dependency).map(str::to_owned) {
                        if let Some(svc) = self.services.get_mut(&service) {
                            for name in std::iter::once(&variable).chain(alias.as_ref()) {
                                svc.injected_env.insert(name.clone(), (url.clone(), dependency.clone()));
                            }
                        }
                        if let Some(t) = self.tunnels.get_mut(&dependency) {
                            t.receivers.insert(service.clone());
                        }
                        self.executions[index].record(&service, Action::Inject { variable, alias });
                    }
                }
                Some(StartupAction::Start) => {
                    startable.push(s);
                    return changed;
                }
                None => return changed,
            }
            let step = &mut self.executions[index].steps[s];
            step.next += 1;
            step.waiting_since = Instant::now();
            step.armed = false;
            step.tunnel_requested = false;
            step.path_ok = false;
            if let Some(probe) = step.path_probe.take() {
                probe.abort();
            }
            changed = true;
        }
    }

    fn wait_status(&self, index: usize, dependency: &str, condition: Condition) -> WaitStatus {
        let exec = &self.executions[index];
        if let Some(step) = exec.step(dependency)
            && matches!(step.state, StepState::Failed | StepState::Skipped)
        {
            return WaitStatus::Failed(step.reason.clone().unwrap_or_else(|| "failed".into()));
        }
        let Some(svc) = self.services.get(dependency) else {
            return WaitStatus::Failed(format!("{dependency} was removed"));
        };
        let dep_state = exec.step(dependency).map(|s| s.state);
        if dep_state == Some(StepState::Completed) {
            // It ran to a successful end: every condition on it holds.
            return WaitStatus::Met;
        }
        let reached_ready = matches!(dep_state, Some(StepState::Ready | StepState::AlreadyReady));
        let exited_ok_since_start =
            svc.last_exit.as_ref().is_some_and(|e| e.code == Some(0) && e.at_ms >= exec.started_ms);
        match (&svc.phase, condition) {
            (Phase::Failed { reason }, _) => WaitStatus::Failed(reason.clone()),
            // Started: spawned — for a service without a check, once it survived its settle time
            // (a command that dies at once was never started).
            (Phase::Ready(_), Condition::Started) => WaitStatus::Met,
            (Phase::Starting(_), Condition::Started) if svc.spec.health.is_some() => WaitStatus::Met,
            (Phase::Ready(_), Condition::Healthy | Condition::LogReady) => WaitStatus::Met,
            (Phase::Stopped, Condition::CompletedSuccessfully) if exited_ok_since_start => WaitStatus::Met,
            (Phase::Stopped, Condition::Started | Condition::Healthy | Condition::LogReady) if reached_ready => {
                WaitStatus::Met
            }
            (Phase::Stopped, Condition::CompletedSuccessfully) if reached_ready => {
                WaitStatus::Failed(svc.last_exit.as_ref().map_or("it stopped".into(), |e| format!("exit {:?}", e.code)))
            }
            (
                Phase::Stopped | Phase::Starting(_) | Phase::Ready(_) | Phase::Stopping { .. } | Phase::Backoff { .. },
                _,
            ) => WaitStatus::Pending,
        }
    }

    /// Starts (or joins) the service of step `s`.
    fn launch(&mut self, index: usize, s: usize) {
        let service = self.executions[index].steps[s].service.clone();
        let at = self.executions[index].elapsed_ms();
        let joined = match self.services.get(&service).map(|svc| &svc.phase) {
            Some(Phase::Stopped | Phase::Failed { .. }) => {
                let skip_checks = self.executions[index].options.no_health_checks;
                if let Some(svc) = self.services.get_mut(&service) {
                    svc.restarts = 0;
                    svc.skip_checks_once = skip_checks;
                }
                self.executions[index].spawned_here.insert(service.clone());
                self.spawn_run(&service);
                if let Some(Phase::Starting(run) | Phase::Ready(run)) =
                    self.services.get(&service).map(|svc| &svc.phase)
                {
                    let (run_id, execution) = (run.run_id, self.executions[index].id);
                    match self.new_run(run_id) {
                        Some(new) => new.execution_id = Some(execution),
                        None => self
                            .writer
                            .write("a run's execution", move |store| store.set_run_execution(run_id, execution)),
                    }
                }
                false
            }
            // Being stopped (by a request, or a previous host's leftover): start it once that
            // stop is done, as a plain start does, rather than follow it down.
            Some(Phase::Stopping { .. }) => {
                if let Some(Phase::Stopping { then: then @ AfterStop::Stay, .. }) =
                    self.services.get_mut(&service).map(|svc| &mut svc.phase)
                {
                    *then = AfterStop::Start;
                }
                true
            }
            Some(Phase::Starting(_) | Phase::Ready(_) | Phase::Backoff { .. }) | None => true,
        };
        let since = self.services.get(&service).and_then(|svc| svc.status().since_ms);
        let exec = &mut self.executions[index];
        exec.record(&service, if joined { Action::Join {} } else { Action::Start {} });
        let started_ms = exec.started_ms;
        let step = &mut exec.steps[s];
        step.state = StepState::Starting;
        step.next += 1;
        // A joined service was spawned by someone else: report when, relative to this execution.
        step.spawned_ms = match (joined, since) {
            (true, Some(since)) if since >= started_ms => Some(since - started_ms),
            // Spawned before this execution began: not by it.
            (true, _) => None,
            (false, _) => Some(at),
        };
        self.emit_progress(index, s);
        self.follow_started(index, s);
    }

    /// Moves a starting step to ready or failed as its service does.
    fn follow_started(&mut self, index: usize, s: usize) -> bool {
        let exec = &self.executions[index];
        let step = &exec.steps[s];
        if step.state != StepState::Starting {
            return false;
        }
        let Some(svc) = self.services.get(&step.service) else { return false };
        let one_shot = exec.one_shots.contains(&step.service);
        let (state, reason) = match &svc.phase {
            // A one-shot is done at its exit, not when it is up.
            Phase::Ready(_) if one_shot => return false,
            Phase::Ready(_) => (StepState::Ready, None),
            Phase::Failed { reason } => (StepState::Failed, Some(reason.clone())),
            Phase::Stopped => match &svc.last_exit {
                Some(e) if e.code == Some(0) && e.at_ms >= exec.started_ms => (StepState::Completed, None),
                _ => (StepState::Failed, Some("stopped before it was ready".to_owned())),
            },
            Phase::Starting(_) | Phase::Stopping { .. } | Phase::Backoff { .. } => return false,
        };
        let at = exec.elapsed_ms();
        let exec = &mut self.executions[index];
        let service = exec.steps[s].service.clone();
        exec.record(
            &service,
            match state {
                StepState::Ready => Action::Ready { reason: reason.clone() },
                StepState::Completed => Action::Completed { earlier: false },
                _ => Action::Fail { reason: reason.clone() },
            },
        );
        let step = &mut exec.steps[s];
        step.state = state;
        if state.is_success() {
            step.ready_ms = Some(at);
        } else {
            step.reason = reason;
        }
        self.emit_progress(index, s);
        true
    }

    fn emit_progress(&self, index: usize, s: usize) {
        let exec = &self.executions[index];
        let _ = self.events.send(Event::Execution(ExecutionProgress {
            execution_id: exec.id,
            total: exec.steps.len(),
            service: Execution::timing(&exec.steps[s]),
        }));
    }

    /// Whether the current wait's `--health-path` has answered; starts its probe the first time.
    fn path_status(&mut self, index: usize, s: usize, dependency: &str, path: &str) -> WaitStatus {
        let id = self.executions[index].id;
        let step = &self.executions[index].steps[s];
        if step.path_ok {
            return WaitStatus::Met;
        }
        if step.path_probe.is_some() {
            return WaitStatus::Pending;
        }
        let Some(port) = self.services.get(dependency).and_then(|d| d.spec.port).and_then(|p| u16::try_from(p).ok())
        else {
            return WaitStatus::Failed(format!("{dependency} has no port to check {path} on"));
        };
        let (outcomes, service, path) = (self.outcomes.clone(), step.service.clone(), path.to_owned());
        let probe = tokio::spawn(async move {
            crate::probe::wait_http(port, &path).await;
            let _ = outcomes.send(Outcome::EdgePathReady { execution: id, service });
        });
        self.executions[index].steps[s].path_probe = Some(probe.abort_handle());
        WaitStatus::Pending
    }

    /// A `--health-path` answered: its wait may pass.
    pub(super) fn on_edge_path_ready(&mut self, execution: i64, service: &str) {
        let step = self.executions.iter_mut().find(|e| e.id == execution).and_then(|e| e.step_mut(service));
        if let Some(step) = step {
            step.path_ok = true;
            step.path_probe = None;
        }
    }

    /// Asks for a re-evaluation after `delay` (a dependency timeout may expire then).
    fn wake_at(&self, index: usize, delay: Duration) {
        let outcomes = self.outcomes.clone();
        let id = self.executions[index].id;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = outcomes.send(Outcome::ExecutionTimer { execution: id });
        });
    }

    fn finish_execution(&mut self, mut exec: Execution) {
        for step in &mut exec.steps {
            if let Some(probe) = step.path_probe.take() {
                probe.abort();
            }
            if step.state == StepState::Waiting {
                step.state = StepState::Skipped;
                step.reason = Some("not started: the execution ended first".into());
            }
        }
        let error = match &exec.cut {
            Some(Cut::TimedOut(secs)) => Some(format!("timed out after {secs}s")),
            Some(Cut::FailFast(cause)) => Some(cause.clone()),
            None => exec.hard_failure(),
        };
        let status = match (&exec.cut, &error) {
            (Some(Cut::TimedOut(_)), _) => ExecutionStatus::TimedOut,
            (_, Some(_)) => ExecutionStatus::Failed,
            (_, None) => ExecutionStatus::Completed,
        };
        let report = ExecutionReport {
            id: exec.id,
            status,
            strategy: exec.plan.strategy.clone(),
            roots: exec.roots.clone(),
            started_at_ms: exec.started_ms,
            total_ms: exec.elapsed_ms(),
            services: exec.steps.iter().map(Execution::timing).collect(),
            critical_chain: exec.plan.critical_chain(|name| exec.step(name).and_then(|s| s.ready_ms)),
            error,
            options: exec.options.clone(),
        };
        let (recorded, actions) = (report.clone(), std::mem::take(&mut exec.actions));
        self.writer.write("an execution", move |store| store.finish_execution(&recorded, &actions));
        let _ = self.events.send(Event::ExecutionFinished(report.clone()));
        if let Some(done) = exec.done.take() {
            // The report reaches its client once it is recorded.
            self.writer.barrier().then(move || {
                let _ = done.send(Ok(report));
            });
        }
    }

    /// Ends every running execution (the host is going away).
    pub(super) fn abort_executions(&mut self, why: &str) {
        for exec in &mut self.executions {
            for step in &mut exec.steps {
                if matches!(step.state, StepState::Waiting | StepState::Starting) {
                    step.state = StepState::Failed;
                    step.reason = Some(why.to_owned());
                }
            }
        }
        self.advance_executions();
    }
}

/// The services that every edge of the plan leading to them waits on to complete successfully
/// (a root is run for itself, never taken as a finished one-shot).
pub(super) fn one_shots(plan: &Plan, roots: &[String]) -> HashSet<String> {
    let mut conditions: std::collections::HashMap<&str, Vec<Condition>> = std::collections::HashMap::new();
    for step in &plan.steps {
        for action in &step.actions {
            if let StartupAction::WaitFor { dependency, condition, .. } = action {
                conditions.entry(dependency.as_str()).or_default().push(*condition);
            }
        }
    }
    conditions
        .into_iter()
        .filter(|(name, conds)| {
            !roots.iter().any(|r| r == name) && conds.iter().all(|c| *c == Condition::CompletedSuccessfully)
        })
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The first failure that is not itself caused by another one, named with its reason.
fn root_cause(exec: &Execution, failed: &Step) -> String {
    let origin = exec.steps.iter().find(|s| s.state == StepState::Failed).unwrap_or(failed);
    format!("{} failed: {}", origin.service, origin.reason.as_deref().unwrap_or("unknown reason"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_record_keeps_the_stored_shape() {
        let record = |action| ActionRecord { at_ms: 7, service: "api".into(), action };
        let wait = Action::Wait { dependency: "db".into(), condition: Condition::Healthy, health_path: None };
        assert_eq!(
            serde_json::to_value(record(wait)).expect("json"),
            serde_json::json!({ "at_ms": 7, "service": "api", "action": "wait",
                                "detail": { "for": "db", "condition": "healthy", "health_path": null } })
        );
        assert_eq!(
            serde_json::to_value(record(Action::Start {})).expect("json"),
            serde_json::json!({ "at_ms": 7, "service": "api", "action": "start", "detail": {} })
        );
    }
}
