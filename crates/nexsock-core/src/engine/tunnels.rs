//! Tunnels inside the engine: which exist, opening them through providers (as tasks that report
//! back), health checks every second, re-creation with back-off when one drops — restarting the
//! dependents that received the old URL — and profiles with their keyring tokens.

use std::{collections::BTreeSet, time::Duration};

use nexsock_proto::{
    EnvVar, Event, ProfileInfo, ProfileSpec, ProviderKind, Response, SecretString, TunnelInfo, TunnelMode, TunnelStatus,
};
use tokio::task::AbortHandle;

use super::{Engine, Outcome, Reply};
use crate::{
    error::CoreError,
    inspector::Inspector,
    procinfo::RUN_MARKER_ENV,
    secrets::Secret,
    strategy::tunnel_env_var,
    time::now_ms,
    tunnel::{OpenTunnel, TunnelError, TunnelRequest},
};

/// How often an open tunnel is checked: a dropped tunnel is noticed within this (plus the check).
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(1);
/// First delay before re-creating a failed tunnel; doubles up to [`RECREATE_CAP`].
const RECREATE_BASE: Duration = Duration::from_millis(250);
const RECREATE_CAP: Duration = Duration::from_secs(30);
/// Environment variable that overrides the keyring token of ngrok profiles.
pub const NGROK_AUTHTOKEN_ENV: &str = "NGROK_AUTHTOKEN";

type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// One service's tunnel.
#[derive(Debug)]
pub(super) struct Tunnel {
    pub info: TunnelInfo,
    profile: ProfileSpec,
    /// Bumped on every (re)open, so that stale outcomes are ignored.
    generation: u64,
    waiters: Vec<Reply>,
    /// Consecutive failed re-creations.
    failures: u32,
    /// Dependents started with this tunnel's URL in their environment.
    pub receivers: BTreeSet<String>,
    tasks: Vec<AbortHandle>,
    row: Option<i64>,
    /// The recording proxy the provider forwards to; it lives (ring included) as long as the
    /// tunnel, across re-creations and profile switches.
    pub inspector: Inspector,
}

impl Tunnel {
    fn cancel_tasks(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Engine {
    /// Opens (or joins the opening of) `service`'s tunnel; `reply` gets its info once open.
    pub(super) fn open_tunnel(&mut self, service: &str, profile: Option<&str>, reply: Option<Reply>) {
        if let Err(e) = self.begin_open(service, profile) {
            if let Some(reply) = reply {
                let _ = reply.send(Err(e));
            }
            return;
        }
        if let Some(t) = self.tunnels.get_mut(service) {
            match (t.info.status, reply) {
                (TunnelStatus::Open, Some(reply)) => {
                    let _ = reply.send(Ok(Response::Tunnel(t.info.clone())));
                }
                (_, Some(reply)) => t.waiters.push(reply),
                (_, None) => {}
            }
        }
    }

    /// Starts opening unless the tunnel is already open or opening with the same profile.
    pub(super) fn begin_open(&mut self, service: &str, profile: Option<&str>) -> Result<(), CoreError> {
        let svc = self.service(service)?;
        let port = svc.spec.port.and_then(|p| u16::try_from(p).ok()).ok_or_else(|| {
            CoreError::Tunnel(format!("service `{service}` has no port to expose: set one with --port"))
        })?;
        let own = svc.tunnel_profile.clone();
        let spec = self.config.resolve(profile, own.as_deref())?;
        if let Some(t) = self.tunnels.get(service)
            && t.profile.name == spec.name
            && matches!(t.info.status, TunnelStatus::Open | TunnelStatus::Opening)
        {
            return Ok(());
        }
        let token = self.token_for(&spec);
        let provider = self.providers.for_kind(&spec.provider).map_err(|e| CoreError::Tunnel(e.to_string()))?;
        // No provider process inherits a command profile's token variable from the host (a command
        // profile's own tool is handed its stored token explicitly).
        let withheld = self.command_token_vars();
        let previous = self.tunnels.remove(service);
        let mut tunnel = match previous {
            Some(mut old) if old.profile.name == spec.name => {
                old.cancel_tasks();
                old
            }
            Some(mut old) => {
                // A profile switch: close the old tunnel first.
                old.cancel_tasks();
                self.destroy_in_background(service, &old.profile.provider);
                self.new_tunnel(service, &spec, port, old.receivers, old.inspector)
            }
            None => {
                let inspector = Inspector::start(service, port, self.events.clone())
                    .map_err(|e| CoreError::io(format!("starting the request inspector of `{service}`"), e))?;
                self.new_tunnel(service, &spec, port, BTreeSet::new(), inspector)
            }
        };
        // The provider forwards to the recording proxy, which forwards to the service.
        tunnel.inspector.retarget(port);
        tunnel.info.local_port = port;
        let upstream = tunnel.inspector.port();
        tunnel.generation += 1;
        tunnel.info.status = TunnelStatus::Opening;
        tunnel.info.error = None;
        let generation = tunnel.generation;
        let outcomes = self.outcomes.clone();
        let records = Some(self.paths.agents());
        let name = service.to_owned();
        let task = tokio::spawn(async move {
            let result = match token.await {
                Ok(token) => {
                    let request = TunnelRequest {
                        service: name.clone(),
                        local_port: upstream,
                        profile: spec,
                        token,
                        records,
                        withheld,
                    };
                    provider.create(request).await
                }
                Err(e) => Err(TunnelError::Failed(e.to_string())),
            };
            let _ = outcomes.send(Outcome::TunnelOpened { service: name, generation, result });
        });
        tunnel.tasks.push(task.abort_handle());
        self.tunnels.insert(service.to_owned(), tunnel);
        Ok(())
    }

    fn new_tunnel(
        &self,
        service: &str,
        spec: &ProfileSpec,
        port: u16,
        receivers: BTreeSet<String>,
        inspector: Inspector,
    ) -> Tunnel {
        Tunnel {
            info: TunnelInfo {
                service: service.to_owned(),
                provider: spec.provider.clone(),
                profile: spec.name.clone(),
                public_url: None,
                local_port: port,
                inspector_port: Some(inspector.port()),
                status: TunnelStatus::Opening,
                last_check_ms: None,
                error: None,
            },
            profile: spec.clone(),
            generation: 0,
            waiters: Vec::new(),
            failures: 0,
            receivers,
            tasks: Vec::new(),
            row: None,
            inspector,
        }
    }

    /// The token a profile's provider gets: `NGROK_AUTHTOKEN` overrides the keyring for ngrok.
    /// Providers that can work without one do so when the keyring is unusable.
    /// The keyring is read off the engine task: this returns the wait for it.
    fn token_for(&self, spec: &ProfileSpec) -> BoxFuture<Result<Option<Secret>, CoreError>> {
        match spec.provider {
            ProviderKind::Cloudflared | ProviderKind::Localtunnel => Box::pin(std::future::ready(Ok(None))),
            // A command tool gets a token only through the variable its profile names.
            ProviderKind::Command if spec.token_env.is_none() => Box::pin(std::future::ready(Ok(None))),
            ProviderKind::Ngrok => match std::env::var(NGROK_AUTHTOKEN_ENV) {
                Ok(t) if !t.is_empty() => Box::pin(std::future::ready(Ok(Some(Secret::new(t))))),
                _ => Box::pin(self.secrets.get(&spec.name)),
            },
            ProviderKind::Bore | ProviderKind::Command | ProviderKind::Custom(_) => {
                let (read, profile) = (self.secrets.get(&spec.name), spec.name.clone());
                Box::pin(async move {
                    read.await.or_else(|e| {
                        tracing::warn!(%profile, "no token from the keyring: {e}");
                        Ok(None)
                    })
                })
            }
        }
    }

    pub(super) fn on_tunnel_opened(&mut self, service: &str, generation: u64, result: Result<OpenTunnel, TunnelError>) {
        let Some(t) = self.tunnels.get_mut(service) else { return };
        if t.generation != generation {
            return;
        }
        let now = now_ms();
        match result {
            Ok(open) => {
                // Before anyone is told the URL: the first request through it is the tunnel's.
                let agent = self.providers.for_kind(&t.profile.provider).ok().and_then(|p| p.agent(service));
                t.inspector.set_agent(agent);
                let previous = t.info.public_url.replace(open.public_url.clone());
                let recreated = t.failures > 0 || previous.is_some();
                t.failures = 0;
                t.info.status = TunnelStatus::Open;
                t.info.last_check_ms = Some(now);
                t.info.error = None;
                let info = t.info.clone();
                for w in t.waiters.drain(..) {
                    let _ = w.send(Ok(Response::Tunnel(info.clone())));
                }
                t.tasks.push(health_task(
                    &self.outcomes,
                    service,
                    generation,
                    self.providers.clone(),
                    t.profile.provider.clone(),
                ));
                let receivers: Vec<String> = t.receivers.iter().cloned().collect();
                t.row = record_tunnel(&self.store, &self.writer, t.row, &info);
                let event = if recreated {
                    Event::TunnelRecreated { tunnel: info.clone(), previous_url: previous.clone() }
                } else {
                    Event::TunnelCreated(info.clone())
                };
                let _ = self.events.send(event);
                if recreated && previous.as_deref() != Some(open.public_url.as_str()) {
                    self.refresh_receivers(service, &open.public_url, &receivers);
                }
            }
            Err(reason) => self.tunnel_failed(service, reason),
        }
    }

    pub(super) fn on_tunnel_health(&mut self, service: &str, generation: u64, result: Result<(), String>) {
        let Some(t) = self.tunnels.get_mut(service) else { return };
        if t.generation != generation || t.info.status != TunnelStatus::Open {
            return;
        }
        match result {
            Ok(()) => {
                t.info.last_check_ms = Some(now_ms());
                t.row = record_tunnel(&self.store, &self.writer, t.row, &t.info);
                let _ = self.events.send(Event::TunnelChecked(t.info.clone()));
            }
            Err(reason) => self.tunnel_failed(service, TunnelError::Failed(reason)),
        }
    }

    /// Marks the tunnel failed, tells everyone, and schedules its re-creation. A tunnel that never
    /// opened answers its waiters with the error instead of retrying.
    fn tunnel_failed(&mut self, service: &str, error: TunnelError) {
        let Some(t) = self.tunnels.get_mut(service) else { return };
        let reason = error.message().to_owned();
        t.cancel_tasks();
        t.info.status = TunnelStatus::Failed;
        t.info.error = Some(reason.clone());
        t.info.last_check_ms = Some(now_ms());
        let info = t.info.clone();
        let first_open = t.info.public_url.is_none() && t.failures == 0 && !t.waiters.is_empty();
        for w in t.waiters.drain(..) {
            let message = format!("cannot open a tunnel for `{service}`: {reason}");
            let _ = w.send(Err(match error {
                TunnelError::Timeout(_) => CoreError::TunnelTimeout(message),
                TunnelError::Failed(_) => CoreError::Tunnel(message),
            }));
        }
        t.row = record_tunnel(&self.store, &self.writer, t.row, &info);
        let _ = self.events.send(Event::TunnelFailed(info));
        if first_open {
            return;
        }
        let delay = crate::backoff::Backoff::new(RECREATE_BASE, RECREATE_CAP).delay(t.failures);
        t.failures += 1;
        let provider = t.profile.provider.clone();
        let generation = t.generation;
        let outcomes = self.outcomes.clone();
        let providers = self.providers.clone();
        let name = service.to_owned();
        let timer = tokio::spawn(async move {
            if let Ok(p) = providers.for_kind(&provider) {
                let _ = p.destroy(&name).await;
            }
            tokio::time::sleep(delay).await;
            let _ = outcomes.send(Outcome::TunnelRetry { service: name, generation });
        });
        t.tasks.push(timer.abort_handle());
    }

    pub(super) fn on_tunnel_retry(&mut self, service: &str, generation: u64) {
        let Some(t) = self.tunnels.get(service) else { return };
        if t.generation != generation || t.info.status != TunnelStatus::Failed {
            return;
        }
        let profile = t.profile.name.clone();
        if let Err(e) = self.reopen(service, &profile) {
            self.tunnel_failed(service, TunnelError::Failed(e.to_string()));
        }
    }

    fn reopen(&mut self, service: &str, profile: &str) -> Result<(), CoreError> {
        if let Some(t) = self.tunnels.get_mut(service) {
            // Forces begin_open past its "already open or opening" shortcut.
            t.info.status = TunnelStatus::Closed;
        }
        self.begin_open(service, Some(profile))
    }

    /// Dependents started with the old URL get the new one: they are restarted, unless their
    /// edge opted out (they get the new URL at their next start).
    fn refresh_receivers(&mut self, service: &str, url: &str, receivers: &[String]) {
        let keep_running: Vec<String> = self
            .store
            .load_edges()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.depends_on == service && !e.restart_on_new_url)
            .map(|e| e.service)
            .collect();
        for dependent in receivers {
            let Some(svc) = self.services.get_mut(dependent) else { continue };
            let mut changed = false;
            for (value, dep) in svc.injected_env.values_mut() {
                if dep == service {
                    *value = url.to_owned();
                    changed = true;
                }
            }
            if changed && !svc.is_down() && !keep_running.contains(dependent) {
                tracing::info!(dependent, service, url, "restarting with the new tunnel URL");
                let (reply, _) = tokio::sync::oneshot::channel();
                self.restart_service(dependent, reply);
            }
        }
    }

    /// Closes `service`'s tunnel, if it has one.
    pub(super) fn close_tunnel(&mut self, service: &str) -> Option<TunnelInfo> {
        let mut t = self.tunnels.remove(service)?;
        t.cancel_tasks();
        t.info.status = TunnelStatus::Closed;
        for w in t.waiters.drain(..) {
            let _ = w.send(Err(CoreError::Tunnel(format!("the tunnel of `{service}` was closed"))));
        }
        record_tunnel(&self.store, &self.writer, t.row, &t.info);
        self.destroy_in_background(service, &t.profile.provider);
        let _ = self.events.send(Event::TunnelClosed(t.info.clone()));
        Some(t.info)
    }

    /// Tears the tunnel down off the engine task; the engine counts it until it is done, so that
    /// a shutdown answers only once no provider process or file of ours is left.
    fn destroy_in_background(&mut self, service: &str, provider: &ProviderKind) {
        if let Ok(p) = self.providers.for_kind(provider) {
            let name = service.to_owned();
            // Reports on drop, so that even a provider that panics cannot hold a shutdown forever.
            let done = DestroyDone(self.outcomes.clone());
            self.destroying += 1;
            tokio::spawn(async move {
                let _done = done;
                if let Err(e) = p.destroy(&name).await {
                    tracing::warn!(service = name, "closing the tunnel: {e}");
                }
            });
        }
    }

    pub(super) fn tunnel_url(&self, service: &str) -> Option<&str> {
        self.tunnels
            .get(service)
            .filter(|t| t.info.status == TunnelStatus::Open)
            .and_then(|t| t.info.public_url.as_deref())
    }

    pub(super) fn tunnel_attempt_failed(&self, service: &str) -> Option<String> {
        self.tunnels.get(service).filter(|t| t.info.status == TunnelStatus::Failed).and_then(|t| t.info.error.clone())
    }

    pub(super) fn tunnel_opening(&self, service: &str) -> bool {
        self.tunnels.get(service).is_some_and(|t| t.info.status == TunnelStatus::Opening)
    }

    pub(super) fn list_tunnels(&self) -> Response {
        Response::Tunnels(self.tunnels.values().map(|t| t.info.clone()).collect())
    }

    /// `ServiceEnv`: the environment of `name`'s next start.
    pub(super) fn service_env(&mut self, name: &str, reveal: bool) -> Result<Response, CoreError> {
        let (_, inherit, source) = self.run_setup(&self.service(name)?.spec.clone());
        let svc = self.service(name)?;
        let mut vars: Vec<EnvVar> = svc
            .spec
            .env
            .iter()
            .map(|(k, v)| {
                let secret = EnvVar::is_secret_name(k);
                EnvVar { name: k.clone(), value: (reveal || !secret).then(|| v.clone()), source: "spec".into(), secret }
            })
            .collect();
        // What a chain start injects: each tunnelled dependency's URL, under its variable and the
        // edge's alias; known now when that tunnel is open.
        for edge in
            self.store.load_edges()?.into_iter().filter(|e| e.service == name && e.tunnel_mode != TunnelMode::None)
        {
            let url = self.tunnel_url(&edge.depends_on).map(str::to_owned);
            for variable in std::iter::once(tunnel_env_var(&edge.depends_on)).chain(edge.env_alias.clone()) {
                vars.push(EnvVar {
                    name: variable,
                    value: url.clone(),
                    source: format!("tunnel:{}", edge.depends_on),
                    secret: false,
                });
            }
        }
        vars.push(EnvVar {
            name: "NEXSOCK_SERVICE".into(),
            value: Some(name.to_owned()),
            source: "nexsock".into(),
            secret: false,
        });
        vars.push(EnvVar { name: RUN_MARKER_ENV.into(), value: None, source: "nexsock".into(), secret: false });
        // What it starts from, where nothing above sets the same name.
        let inherited: Vec<EnvVar> = inherit
            .vars()
            .filter(|(k, _)| !vars.iter().any(|v| v.name == **k))
            .map(|(k, v)| {
                let secret = EnvVar::is_secret_name(k);
                EnvVar {
                    name: k.clone(),
                    value: (reveal || !secret).then(|| v.clone()),
                    source: source.clone(),
                    secret,
                }
            })
            .collect();
        vars.extend(inherited);
        Ok(Response::Env(vars))
    }

    /// The profiles, answered once the keyring says which have a token (or did not answer in time).
    pub(super) fn profiles(&mut self, reply: Reply) {
        let file = match self.config.current() {
            Ok(file) => file.clone(),
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let presence = self.secrets.presence(file.profiles.keys().cloned().collect());
        tokio::spawn(async move {
            let presence = presence.await;
            let infos = file
                .profiles
                .values()
                .zip(presence)
                .map(|(spec, token_set)| ProfileInfo {
                    spec: spec.clone(),
                    is_default: file.default_profile.as_deref() == Some(spec.name.as_str()),
                    token_set,
                })
                .collect();
            let _ = reply.send(Ok(Response::Profiles(infos)));
        });
    }

    /// Stores a profile's token off the engine task; answers once the keyring has (or has not).
    pub(super) fn set_token(&mut self, name: &str, token: &SecretString, reply: Reply) {
        let known = self.config.current().map(|file| file.profiles.contains_key(name));
        let refused = match known {
            Err(e) => Some(e),
            Ok(false) => Some(CoreError::Profile(format!("no profile named `{name}` (see `nexsock profile list`)"))),
            Ok(true) if token.expose().trim().is_empty() => Some(CoreError::Profile("the token is empty".into())),
            Ok(true) => None,
        };
        if let Some(e) = refused {
            let _ = reply.send(Err(e));
            return;
        }
        let stored = self.secrets.set(name, Secret::new(token.expose().trim()));
        let events = self.events.clone();
        tokio::spawn(async move {
            let answer = stored.await.map(|()| {
                let _ = events.send(Event::ProfilesChanged);
                Response::Done
            });
            let _ = reply.send(answer);
        });
    }

    /// Removes a profile now; answers once its token has left the keyring (off the engine task),
    /// or the keyring failed to answer, which is logged: the profile is gone either way.
    pub(super) fn remove_profile(&mut self, name: &str, reply: Reply) {
        if let Err(e) = self.config.remove_profile(name) {
            let _ = reply.send(Err(e));
            return;
        }
        let _ = self.events.send(Event::ProfilesChanged);
        let (deleted, name) = (self.secrets.delete(name), name.to_owned());
        tokio::spawn(async move {
            if let Err(e) = deleted.await {
                tracing::warn!(profile = name, "the token could not be removed from the keyring: {e}");
            }
            let _ = reply.send(Ok(Response::Done));
        });
    }

    pub(super) fn configure_service(&mut self, name: &str, profile: Option<String>) -> Result<Response, CoreError> {
        self.service(name)?;
        if let Some(p) = &profile {
            self.config.resolve(Some(p), None)?;
        }
        self.store.set_service_profile(name, profile.as_deref())?;
        let reopen = self.tunnels.contains_key(name);
        if let Some(svc) = self.services.get_mut(name) {
            svc.tunnel_profile = profile;
        }
        self.emit(name);
        let _ = self.events.send(Event::ServiceUpdated(self.service(name)?.detail()));
        if reopen {
            // Switching a service's profile re-opens its tunnel under the new one.
            self.open_tunnel(name, None, None);
        }
        Ok(Response::Service(self.service(name)?.detail()))
    }

    /// The token variables that command profiles name: no service inherits them from the host
    /// (a service that declares one itself keeps its own value).
    pub(super) fn command_token_vars(&mut self) -> Vec<String> {
        self.config.current().map(crate::config::ConfigFile::command_token_vars).unwrap_or_default()
    }

    /// Closes every tunnel (shutdown).
    pub(super) fn close_all_tunnels(&mut self) {
        let names: Vec<String> = self.tunnels.keys().cloned().collect();
        for name in names {
            self.close_tunnel(&name);
        }
    }
}

/// Checks the tunnel every [`HEALTH_INTERVAL`] until it fails (then reports once and ends).
fn health_task(
    outcomes: &tokio::sync::mpsc::UnboundedSender<Outcome>,
    service: &str,
    generation: u64,
    providers: crate::tunnel::ProviderRegistry,
    kind: ProviderKind,
) -> AbortHandle {
    let outcomes = outcomes.clone();
    let service = service.to_owned();
    tokio::spawn(async move {
        let Ok(provider) = providers.for_kind(&kind) else { return };
        loop {
            tokio::time::sleep(HEALTH_INTERVAL).await;
            let result = provider.health(&service).await.map_err(|e| e.to_string());
            let failed = result.is_err();
            if outcomes.send(Outcome::TunnelHealth { service: service.clone(), generation, result }).is_err() || failed
            {
                return;
            }
        }
    })
    .abort_handle()
}

/// Tells the engine that one background tunnel teardown is over, when dropped.
struct DestroyDone(tokio::sync::mpsc::UnboundedSender<Outcome>);

impl Drop for DestroyDone {
    fn drop(&mut self) {
        let _ = self.0.send(Outcome::TunnelDestroyed);
    }
}

/// Records a tunnel's state: its first row here (the engine needs the row's id), every later
/// update through the writer, in order (health checks update it every second).
fn record_tunnel(
    store: &crate::store::Store,
    writer: &crate::store::Writer,
    row: Option<i64>,
    info: &TunnelInfo,
) -> Option<i64> {
    match row {
        Some(row) => {
            let info = info.clone();
            writer.write("a tunnel's state", move |store| store.record_tunnel(Some(row), &info).map(drop));
            Some(row)
        }
        None => store.record_tunnel(None, info).map_err(|e| tracing::error!("cannot record a tunnel: {e}")).ok(),
    }
}
