//! The engine: one task that owns all runtime state. Requests arrive with a one-shot reply;
//! supervisors, probes and timers report [`Outcome`]s; every change goes out as an [`Event`].
//! A cloneable [`Handle`] is the only way in.

mod chain;
mod compound;
mod deps;
mod import;
mod inspect;
mod leftovers;
mod ops;
mod outcomes;
mod plan;
mod ports;
mod service;
mod stack;
mod strategies;
mod tunnels;

use std::{collections::BTreeMap, sync::Arc};

use nexsock_proto::{ChainRequest, Event, ExecutionReport, LogLine, Request, Response};
use tokio::{
    sync::{broadcast, mpsc, oneshot},
    task::JoinHandle,
};

use crate::{
    config::Config,
    error::CoreError,
    logfile,
    paths::Paths,
    secrets::{KEYRING_TIMEOUT, Keyring, KeyringStore, SecretStore},
    store::Store,
    strategy::StrategyRegistry,
    supervisor::Exit,
    tunnel::ProviderRegistry,
};
use service::{Phase, Service};

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 4096;
/// How many requests may queue for the engine.
const COMMAND_BUFFER: usize = 256;

/// What a supervisor, probe or timer reports back to the engine.
#[derive(Debug)]
pub enum Outcome {
    /// A line of a service's output could not be written to its log file (it still reached the
    /// engine).
    LogWriteFailed {
        /// Service.
        name: String,
        /// Why.
        error: String,
    },
    /// The service printed a line.
    Line {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
        /// The line.
        line: LogLine,
    },
    /// The readiness probe passed.
    Ready {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
    },
    /// The readiness check failed again while the service starts: what it answered (sent at
    /// most once per [`crate::probe::REPORT_EVERY`]).
    CheckAnswered {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
        /// The failure, e.g. `GET http://127.0.0.1:8701/health answered 404 Not Found`.
        answer: String,
    },
    /// The startup timeout passed without readiness.
    NotReady {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
        /// The last probe failure.
        reason: String,
    },
    /// The process group is gone.
    Exited {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
        /// How the leader ended.
        exit: Exit,
    },
    /// A dependency edge's `--health-path` answered 2xx or 3xx for a waiting step.
    EdgePathReady {
        /// The execution.
        execution: i64,
        /// The waiting (dependent) service.
        service: String,
    },
    /// A dependency wait of an execution may have timed out.
    ExecutionTimer {
        /// The execution.
        execution: i64,
    },
    /// A provider finished opening a tunnel.
    TunnelOpened {
        /// The service exposed.
        service: String,
        /// The tunnel's generation.
        generation: u64,
        /// The open tunnel, or why not.
        result: Result<crate::tunnel::OpenTunnel, crate::tunnel::TunnelError>,
    },
    /// A provider finished tearing down a closed tunnel (its process stopped, its files removed).
    TunnelDestroyed,
    /// A tunnel health check finished.
    TunnelHealth {
        /// The service exposed.
        service: String,
        /// The tunnel's generation.
        generation: u64,
        /// Healthy, or why not.
        result: Result<(), String>,
    },
    /// A failed tunnel's back-off elapsed.
    TunnelRetry {
        /// The service exposed.
        service: String,
        /// The tunnel's generation.
        generation: u64,
    },
    /// The stop of a previous host's leftover ended.
    LeftoverStopped {
        /// Service.
        name: String,
        /// The generation the leftover was given.
        generation: u64,
        /// Stopped, or what outlived the stop.
        result: Result<(), String>,
    },
    /// A file to import was read and parsed off the engine task.
    ImportRead {
        /// What was asked.
        request: nexsock_proto::ImportRequest,
        /// The parsed file, or why not.
        result: Result<nexsock_import::Imported, CoreError>,
        /// Where the answer goes.
        reply: Reply,
    },
    /// A restart back-off elapsed.
    RestartDue {
        /// Service.
        name: String,
        /// Run generation.
        generation: u64,
    },
}

type Reply = oneshot::Sender<Result<Response, CoreError>>;

/// The start of `logs -f`: the tail, and a receiver that carries every line after it.
pub type FollowStart = (Vec<LogLine>, broadcast::Receiver<Event>);

/// The end of a chain start, answered with its report.
pub type ChainDone = oneshot::Receiver<Result<ExecutionReport, CoreError>>;

enum Command {
    Call { request: Request, reply: Reply },
    Chain { chain: ChainRequest, reply: oneshot::Sender<Result<(i64, ChainDone), CoreError>> },
    Follow { name: String, tail: Option<usize>, reply: oneshot::Sender<Result<FollowStart, CoreError>> },
}

/// The way into the engine. Cheap to clone; every face (socket, Tauri, tests) uses it.
#[derive(Debug, Clone)]
pub struct Handle {
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<Event>,
    paths: Paths,
}

impl Handle {
    /// Carries out a request as one engine operation and returns its answer.
    pub async fn call(&self, request: Request) -> Result<Response, CoreError> {
        let (reply, rx) = oneshot::channel();
        self.commands.send(Command::Call { request, reply }).await.map_err(|_| CoreError::ShuttingDown)?;
        rx.await.map_err(|_| CoreError::ShuttingDown)?
    }

    /// The last `tail` lines of a service and a receiver of the lines after them, with no line
    /// lost or repeated between the two (the engine hands out both in one step).
    pub async fn follow_logs(&self, name: String, tail: Option<usize>) -> Result<FollowStart, CoreError> {
        let (reply, rx) = oneshot::channel();
        self.commands.send(Command::Follow { name, tail, reply }).await.map_err(|_| CoreError::ShuttingDown)?;
        rx.await.map_err(|_| CoreError::ShuttingDown)?
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The host's directories.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Plans and begins a chain start; returns its execution id at once and, separately, the
    /// report at its end. Progress goes out as `Execution` events meanwhile.
    pub async fn start_chain(&self, chain: ChainRequest) -> Result<(i64, ChainDone), CoreError> {
        let (reply, rx) = oneshot::channel();
        self.commands.send(Command::Chain { chain, reply }).await.map_err(|_| CoreError::ShuttingDown)?;
        rx.await.map_err(|_| CoreError::ShuttingDown)?
    }
}

/// The state the engine task owns.
struct Engine {
    store: Store,
    /// Writes (and the reads that must follow them) off this task.
    writer: crate::store::Writer,
    /// Runs spawned in this turn, recorded together at its end ([`Engine::record_runs`]).
    new_runs: Vec<crate::store::NewRun>,
    /// The id the next run gets.
    next_run_id: i64,
    paths: Paths,
    services: BTreeMap<String, Service>,
    events: broadcast::Sender<Event>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    /// Set once shutdown began: the replies to send when everything is down.
    shutdown: Option<Vec<Reply>>,
    /// Chain starts in progress.
    executions: Vec<chain::Execution>,
    /// Strategies by name.
    strategies: StrategyRegistry,
    /// Tunnel providers by name.
    providers: ProviderRegistry,
    /// Profiles (config.toml).
    config: Config,
    /// The environments services start from, read when the host started.
    environments: crate::environment::Environments,
    /// Profile tokens, reached off this task with a timeout.
    secrets: Keyring,
    /// Tunnels by service.
    tunnels: BTreeMap<String, tunnels::Tunnel>,
    /// Closed tunnels whose provider is still tearing them down: shutdown waits for them.
    destroying: usize,
    /// Compound stops in progress (cascade, stop-all, restart with dependencies).
    ops: Vec<compound::StopOp>,
    /// Starts that wait for an operation in `ops` to finish, in arrival order.
    deferred: Vec<Command>,
    /// What a previous host left running, and how stopping it goes.
    reconciliation: nexsock_proto::Reconciliation,
}

/// What the engine can be extended or configured with.
#[derive(Debug)]
pub struct Extensions {
    /// Strategies by name (the built-ins by default).
    pub strategies: StrategyRegistry,
    /// Tunnel providers (the built-ins by default).
    pub providers: ProviderRegistry,
    /// Where profile tokens are kept (the OS keyring by default).
    pub secrets: Arc<dyn SecretStore>,
    /// The environments services start from; read (the login shell run) at start when absent.
    pub environments: Option<crate::environment::Environments>,
}

impl Default for Extensions {
    fn default() -> Self {
        Self {
            strategies: StrategyRegistry::with_builtins(),
            providers: ProviderRegistry::with_builtins(),
            secrets: Arc::new(KeyringStore),
            environments: None,
        }
    }
}

/// Loads the services from the store and starts the engine task with the built-in strategies.
/// What a previous host left running is found first and stopped in the background (its services
/// show as `stopping` meanwhile). The task ends after a `Shutdown` request (or when every handle
/// is gone) once every service is stopped.
pub fn start(store: Store, paths: Paths) -> Result<(Handle, JoinHandle<()>), CoreError> {
    start_with(store, paths, Extensions::default())
}

/// [`start`] with custom strategies, providers or secret store.
pub fn start_with(store: Store, paths: Paths, extensions: Extensions) -> Result<(Handle, JoinHandle<()>), CoreError> {
    let Extensions { strategies, providers, secrets, environments } = extensions;
    let environments = environments.unwrap_or_else(crate::environment::Environments::read);
    let config = Config::load(paths.config())?;
    let profiles = store.service_profiles()?;
    let services = store
        .load_services()?
        .into_iter()
        .map(|(id, spec)| {
            let mut svc = Service::new(id, spec)?;
            svc.tunnel_profile = profiles.get(&svc.spec.name).cloned();
            Ok((svc.spec.name.clone(), svc))
        })
        .collect::<Result<BTreeMap<_, _>, CoreError>>()?;
    let (commands, command_rx) = mpsc::channel(COMMAND_BUFFER);
    let (outcomes, outcome_rx) = mpsc::unbounded_channel();
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let writer = crate::store::Writer::open(&paths.database())?;
    let next_run_id = store.max_run_id()? + 1;
    let found = crate::reconcile::find(&store)?;
    let mut engine = Engine {
        store,
        writer,
        new_runs: Vec::new(),
        next_run_id,
        paths: paths.clone(),
        services,
        events: events.clone(),
        outcomes,
        shutdown: None,
        executions: Vec::new(),
        strategies,
        providers,
        config,
        environments,
        secrets: Keyring::new(secrets, KEYRING_TIMEOUT),
        tunnels: BTreeMap::new(),
        destroying: 0,
        ops: Vec::new(),
        deferred: Vec::new(),
        reconciliation: nexsock_proto::Reconciliation::default(),
    };
    engine.adopt_leftovers(found);
    let task = tokio::spawn(engine.run(command_rx, outcome_rx));
    Ok((Handle { commands, events, paths }, task))
}

impl Engine {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>, mut outcomes: mpsc::UnboundedReceiver<Outcome>) {
        let mut commands_open = true;
        loop {
            tokio::select! {
                cmd = commands.recv(), if commands_open => match cmd {
                    Some(cmd) => self.dispatch(cmd),
                    None => {
                        commands_open = false;
                        self.begin_shutdown(None);
                    }
                },
                Some(outcome) = outcomes.recv() => self.on_outcome(outcome),
            }
            if !self.executions.is_empty() {
                self.advance_executions();
            }
            if !self.ops.is_empty() {
                self.advance_ops();
            }
            self.record_runs();
            if self.shutdown.is_some() && self.all_down() {
                for reply in self.shutdown.take().unwrap_or_default() {
                    let _ = reply.send(Ok(Response::Done));
                }
                // Every queued write lands before the host says it is gone.
                let mut writer = self.writer;
                let _ = tokio::task::spawn_blocking(move || writer.finish()).await;
                let _ = self.events.send(Event::HostStopping);
                return;
            }
        }
    }

    /// Records the runs spawned in this turn, in one transaction, before the engine waits for
    /// anything else: the record is what the next host needs after a crash to find a process.
    fn record_runs(&mut self) {
        if self.new_runs.is_empty() {
            return;
        }
        if let Err(e) = self.store.insert_runs(&self.new_runs) {
            tracing::error!(runs = self.new_runs.len(), "cannot record the runs: {e}");
            // A process the next host could not find after a crash must not run: stop each and
            // fail its start with the cause.
            let reason = format!("its run could not be recorded ({e}), so it was stopped");
            let ids: Vec<i64> = self.new_runs.iter().map(|r| r.id).collect();
            let names: Vec<String> = self
                .services
                .iter()
                .filter(|(_, s)| matches!(&s.phase, Phase::Starting(r) | Phase::Ready(r) if ids.contains(&r.run_id)))
                .map(|(n, _)| n.clone())
                .collect();
            for name in names {
                self.fail_run(&name, reason.clone());
            }
        }
        self.new_runs.clear();
    }

    /// A reply that reaches its client only once every write queued before the answer has landed,
    /// so that what a client was told is done is also recorded (the writes stay off this task).
    fn after_writes(&self, reply: Reply) -> Reply {
        let (tx, rx) = oneshot::channel();
        let barrier = self.writer.barrier();
        tokio::spawn(async move {
            if let Ok(answer) = rx.await {
                barrier.then(move || {
                    let _ = reply.send(answer);
                });
            }
        });
        tx
    }

    /// The run `run_id` if it was spawned in this turn and is not recorded yet.
    fn new_run(&mut self, run_id: i64) -> Option<&mut crate::store::NewRun> {
        self.new_runs.iter_mut().find(|r| r.id == run_id)
    }

    /// Carries out a command, or keeps it until the operation it would interleave with is done.
    fn dispatch(&mut self, cmd: Command) {
        if self.waits_for_op(&cmd) {
            self.deferred.push(cmd);
            return;
        }
        match cmd {
            Command::Call { request, reply } => {
                let reply = if reads_only(&request) { reply } else { self.after_writes(reply) };
                self.handle(request, reply);
            }
            Command::Chain { chain, reply } => {
                let (done, rx) = oneshot::channel();
                let _ = reply.send(self.start_chain(chain, done).map(|id| (id, rx)));
            }
            Command::Follow { name, tail, reply } => {
                let _ = reply.send(self.follow(&name, tail));
            }
        }
    }

    fn handle(&mut self, request: Request, reply: Reply) {
        let answer = match request {
            Request::AddService(spec) => self.add_service(spec),
            Request::EditService(spec) => self.edit_service(spec),
            Request::RemoveService { name } => self.remove_service(&name),
            Request::ListServices => Ok(Response::Services(self.services.values().map(Service::status).collect())),
            Request::ServiceStatus { name, reveal } => {
                self.service(&name).map(|s| Response::Service(if reveal { s.revealed_detail() } else { s.detail() }))
            }
            Request::StartService { name } => return self.start_service(&name, reply),
            Request::StopService { name, cascade: false } => return self.stop_service(&name, reply),
            Request::StopService { name, cascade: true } => return self.stop_cascade(&name, reply),
            Request::StopAll => return self.stop_all(reply),
            Request::RestartService { name, check_deps: false } => return self.restart_service(&name, reply),
            Request::RestartService { name, check_deps: true } => return self.restart_with_deps(&name, reply),
            Request::StartChain(chain) => return self.answer_chain(chain, reply),
            Request::PlanChain(chain) => self.plan_chain(chain),
            Request::Logs { name, tail, .. } => return self.logs(&name, tail, reply),
            // The connection that asked streams the events; the engine only agrees.
            Request::Subscribe => Ok(Response::Subscribed),
            Request::History { name, limit } => match self.service(&name) {
                Err(e) => Err(e),
                // Read after the writes queued before it (the last chain's report among them).
                Ok(_) => {
                    return self.writer.read(
                        move |store| store.recent_reports(&name, limit.unwrap_or(10)),
                        move |answer| {
                            let _ = reply.send(answer.map(Response::History));
                        },
                    );
                }
            },
            Request::Shutdown => return self.begin_shutdown(Some(reply)),
            Request::AddDependency(spec) => self.add_dependency(spec),
            Request::RemoveDependency { service, depends_on } => self.remove_dependency(&service, &depends_on),
            Request::ListDependencies { service } => self.list_dependencies(&service),
            Request::DependencyTree { service } => self.dependency_tree(&service),
            Request::Apply(stack) => self.apply(stack),
            Request::Import(request) => return self.import(request, reply),
            Request::AddProfile(spec) => match self.providers.for_kind(&spec.provider) {
                Err(e) => Err(CoreError::Profile(e.to_string())),
                Ok(_) => self.config.add_profile(spec).map(|()| self.profiles_changed()),
            },
            Request::RemoveProfile { name } => return self.remove_profile(&name, reply),
            Request::ListProfiles => return self.profiles(reply),
            Request::SetProfileToken { name, token } => return self.set_token(&name, &token, reply),
            Request::SetDefaultProfile { name } => self.config.set_default(&name).map(|()| self.profiles_changed()),
            Request::ConfigureService { name, tunnel_profile } => self.configure_service(&name, tunnel_profile),
            Request::OpenTunnel { service, profile } => {
                return self.open_tunnel(&service, profile.as_deref(), Some(reply));
            }
            Request::CloseTunnel { service } => match self.service(&service) {
                Err(e) => Err(e),
                Ok(_) => self
                    .close_tunnel(&service)
                    .map(Response::Tunnel)
                    .ok_or_else(|| CoreError::Tunnel(format!("`{service}` has no tunnel open"))),
            },
            Request::ListTunnels => Ok(self.list_tunnels()),
            Request::ListExchanges { service, limit, after, reveal } => {
                self.list_exchanges(&service, limit, after, reveal)
            }
            Request::ReplayExchange { service, id, reveal } => {
                return self.replay_exchange(&service, id, reveal, reply);
            }
            Request::ServiceEnv { name, reveal } => self.service_env(&name, reveal),
            Request::GetSettings => self.settings(),
            Request::SetDefaultStrategy { strategy } => self.set_default_strategy(&strategy),
            Request::AddStrategy(spec) => self.add_strategy(spec),
            Request::EditStrategy(spec) => self.edit_strategy(spec),
            Request::RemoveStrategy { name } => self.remove_strategy(&name),
            Request::SetLoginChain { chain } => self.set_login_chain(chain),
            Request::Export => self.export(),
            Request::Reconciliation => Ok(self.reconciliation()),
            Request::PortStatus { port } => Ok(Response::Port(self.port_status(port))),
            Request::FreePort { name, kill_foreign } => return self.free_port(&name, kill_foreign, reply),
        };
        let _ = reply.send(answer);
    }

    /// Tells subscribers the profiles changed; answers `Done`.
    fn profiles_changed(&self) -> Response {
        let _ = self.events.send(Event::ProfilesChanged);
        Response::Done
    }

    fn service(&self, name: &str) -> Result<&Service, CoreError> {
        self.services.get(name).ok_or_else(|| self.unknown_service(name))
    }

    /// No service `name`: the error suggests the closest one the engine knows.
    pub(super) fn unknown_service(&self, name: &str) -> CoreError {
        CoreError::unknown_service(name, self.services.keys().map(String::as_str))
    }

    fn emit(&self, name: &str) {
        if let Some(svc) = self.services.get(name) {
            let _ = self.events.send(Event::ServiceChanged(svc.status()));
        }
    }

    /// Every service down and every closed tunnel torn down.
    fn all_down(&self) -> bool {
        self.destroying == 0 && self.services.values().all(Service::is_down)
    }
}

impl Engine {
    /// The transitive dependents of `name`, in the order they must stop.
    fn stop_order(&self, name: &str) -> Result<Vec<String>, CoreError> {
        self.service(name)?;
        let edges = self.store.load_edges()?;
        let graph = crate::graph::DependencyGraph::from_parts(
            self.services.keys(),
            edges.iter().map(crate::graph::Edge::from),
        )?;
        Ok(graph.dependents_of(name)?)
    }
}

impl Engine {
    /// `Logs` without `follow`: the tail is read from the log file off the engine task.
    fn logs(&self, name: &str, tail: Option<usize>, reply: Reply) {
        if let Err(e) = self.service(name) {
            let _ = reply.send(Err(e));
            return;
        }
        let path = self.paths.service_log(name);
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            let answer = logfile::read_tail(&path, tail)
                .map(Response::Logs)
                .map_err(|e| CoreError::io(format!("reading the log of `{name}`"), e));
            let _ = reply.send(answer);
        });
    }

    /// `StartChain` through [`Handle::call`]: answered with the report at its end.
    pub(super) fn answer_chain(&mut self, chain: ChainRequest, reply: Reply) {
        let (done, rx) = oneshot::channel();
        if let Err(e) = self.start_chain(chain, done) {
            let _ = reply.send(Err(e));
            return;
        }
        tokio::spawn(async move {
            let answer = match rx.await {
                Ok(report) => report.map(Response::Execution),
                Err(_) => Err(CoreError::ShuttingDown),
            };
            let _ = reply.send(answer);
        });
    }

    /// Subscribes and takes the tail in the same engine step. Lines the engine has seen are in
    /// the in-memory ring; only a tail longer than the ring falls back to the log file.
    fn follow(&self, name: &str, tail: Option<usize>) -> Result<FollowStart, CoreError> {
        let svc = self.service(name)?;
        let rx = self.events.subscribe();
        let lines = match tail {
            Some(n) if n <= svc.recent.len() => svc.recent.iter().skip(svc.recent.len() - n).cloned().collect(),
            _ => logfile::read_tail(&self.paths.service_log(name), tail)
                .map_err(|e| CoreError::io(format!("reading the log of `{name}`"), e))?,
        };
        Ok((lines, rx))
    }
}

/// Requests that change nothing, answered without waiting for the store writer.
fn reads_only(request: &Request) -> bool {
    matches!(
        request,
        Request::ListServices
            | Request::ServiceStatus { .. }
            | Request::Logs { .. }
            | Request::Subscribe
            | Request::History { .. }
            | Request::ListDependencies { .. }
            | Request::DependencyTree { .. }
            | Request::ListProfiles
            | Request::ListTunnels
            | Request::ListExchanges { .. }
            | Request::ReplayExchange { .. }
            | Request::ServiceEnv { .. }
            | Request::GetSettings
            | Request::Export
            | Request::Reconciliation
            | Request::PortStatus { .. }
            | Request::PlanChain(_)
    )
}
