//! ngrok: one agent process per profile (account), shared by every service tunnelled with it, as
//! `ngrok start --none` with its local API on a free loopback port. Endpoints are added and
//! removed through that API; the agent stops with its last endpoint. The token reaches the agent
//! only in a 0600 config file inside a 0700 directory, deleted once the agent has read it (the
//! directory goes with the agent), never on its command line or through an inherited variable. Error lines and ERR_NGROK codes become messages that say what to do.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{process::Command, time::Instant};

use super::{
    BoxFuture, OpenTunnel, TunnelAgent, TunnelError, TunnelProvider, TunnelRequest,
    ngrok_api::{LogLine, api_error, config_yaml, endpoint_url, explain, parse_log_line},
    process::{GroupProcess, PrivateDir, TOOL_POLL, Tail, find_binary, http, on_free_loopback_port, pump, redact},
};

const INSTALL: &str = "install ngrok from https://ngrok.com/download";
const CONFIG_FILE: &str = "ngrok.yml";
/// How long the agent may take to serve its API.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a new endpoint may take to show its URL.
const URL_TIMEOUT: Duration = Duration::from_secs(10);

/// What the agent's log told so far: the URLs of started endpoints and the error that explains
/// the most.
#[derive(Debug, Default)]
struct AgentLog {
    started: HashMap<String, String>,
    error: Option<(Option<u32>, String)>,
}

impl AgentLog {
    fn record(&mut self, line: &str) {
        match parse_log_line(line) {
            LogLine::Started { name, url } => {
                self.started.insert(name, url);
            }
            // A coded error explains more than the uncoded lines around it.
            LogLine::Failed { code, err } if code.is_some() || self.error.as_ref().is_none_or(|e| e.0.is_none()) => {
                self.error = Some((code, err));
            }
            LogLine::Failed { .. } | LogLine::Other => {}
        }
    }
}

/// One running agent.
#[derive(Debug)]
struct Agent {
    process: GroupProcess,
    api: String,
    log: Arc<Mutex<AgentLog>>,
    tail: Tail,
    config: PrivateDir,
}

impl Agent {
    fn log(&self) -> MutexGuard<'_, AgentLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the agent is not usable: its last error line, else how it ended and its last output.
    fn failure(&self, profile: &str, how: &str) -> TunnelError {
        match self.log().error.clone() {
            Some((code, err)) => TunnelError::Failed(explain(code, &err, profile, None)),
            None => TunnelError::Failed(format!("the ngrok agent of profile `{profile}` {how}; {}", self.tail.last(3))),
        }
    }

    /// Why the API could not be reached: the agent's end if it died, else the HTTP error.
    async fn unreachable(&self, profile: &str, error: &str) -> TunnelError {
        match self.process.exited() {
            Some(how) => {
                self.tail.drained().await;
                self.failure(profile, &how)
            }
            None => TunnelError::Failed(format!("the ngrok agent of profile `{profile}` did not answer: {error}")),
        }
    }

    /// Waits until the API answers; fails early on an exit or a coded error line.
    async fn wait_ready(&self, profile: &str) -> Result<(), TunnelError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut backoff = TOOL_POLL.start();
        loop {
            let exited = self.process.exited();
            if exited.is_some() {
                self.tail.drained().await;
            }
            let coded = self.log().error.clone().filter(|(code, _)| code.is_some());
            if let Some((code, err)) = coded {
                self.process.stop().await;
                return Err(TunnelError::Failed(explain(code, &err, profile, None)));
            }
            if let Some(how) = exited {
                self.process.stop().await;
                return Err(self.failure(profile, &how));
            }
            if let Ok((200, _)) = http("GET", format!("{}/endpoints", self.api), None).await {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.process.stop().await;
                return Err(TunnelError::Failed(format!(
                    "the ngrok agent of profile `{profile}` did not serve its API within {}s; {}",
                    START_TIMEOUT.as_secs(),
                    self.tail.last(3)
                )));
            }
            backoff.sleep(deadline).await;
        }
    }

    /// Adds the endpoint of `request` and returns its URL.
    async fn add_endpoint(&self, request: &TunnelRequest) -> Result<String, TunnelError> {
        let profile = &request.profile;
        let mut body = json!({ "name": request.service, "upstream": { "url": request.local_port.to_string() } });
        if let Some(url) = &profile.url {
            body["url"] = Value::String(url.clone());
        }
        let posted = http("POST", format!("{}/endpoints", self.api), Some(body.to_string())).await;
        let (status, answer) = match posted {
            Ok(answer) => answer,
            Err(e) => return Err(self.unreachable(&profile.name, &e).await),
        };
        let answer = redact(&answer, request.token.as_ref());
        if !(200..300).contains(&status) {
            // The answer explains this failure; the log line about it must not explain a later one.
            self.log().error = None;
            let (code, err) = api_error(status, &answer);
            return Err(TunnelError::Failed(explain(code, &err, &profile.name, profile.url.as_deref())));
        }
        if let Some(url) = endpoint_url(&answer, &request.service) {
            return Ok(url);
        }
        self.wait_url(&request.service, &profile.name).await
    }

    /// The URL of a new endpoint that the POST answer did not carry: from the API or the log.
    async fn wait_url(&self, service: &str, profile: &str) -> Result<String, TunnelError> {
        let deadline = Instant::now() + URL_TIMEOUT;
        let mut backoff = TOOL_POLL.start();
        loop {
            if let Some(url) = self.log().started.get(service).cloned() {
                return Ok(url);
            }
            if let Ok((200, body)) = http("GET", format!("{}/endpoints", self.api), None).await
                && let Some(url) = endpoint_url(&body, service)
            {
                return Ok(url);
            }
            if Instant::now() >= deadline {
                return Err(TunnelError::Failed(format!(
                    "the ngrok agent of profile `{profile}` accepted the endpoint of `{service}` but showed no URL \
                     within {}s",
                    URL_TIMEOUT.as_secs()
                )));
            }
            backoff.sleep(deadline).await;
        }
    }
}

/// Starts the agent of `request`'s profile and waits until its API answers (on another port when
/// the one chosen was taken before the agent could bind it).
async fn start_agent(request: &TunnelRequest) -> Result<Agent, TunnelError> {
    let what = format!("the ngrok agent of profile `{}`", request.profile.name);
    on_free_loopback_port(&what, |port| start_agent_on(request, port)).await
}

/// Starts the agent of `request`'s profile with its API on `port` and waits until the API answers.
async fn start_agent_on(request: &TunnelRequest, port: u16) -> Result<Agent, TunnelError> {
    let name = &request.profile.name;
    let binary = find_binary(&request.profile, "ngrok", INSTALL)?;
    let dir = PrivateDir::create("nexsock-ngrok")?;
    let config = dir.write(CONFIG_FILE, &config_yaml(request.token.as_ref(), port))?;
    let mut cmd = Command::new(binary);
    cmd.args(["start", "--none", "--config"]).arg(&config).args(["--log", "stdout", "--log-format", "json"]);
    // The profile's token is in the config file (spawning withholds NGROK_AUTHTOKEN, which could
    // be another account's); an inherited NGROK_CONFIG would merge someone else's settings.
    cmd.env_remove("NGROK_CONFIG");
    let what = format!("the ngrok agent of profile `{name}`");
    let (process, pipes) = GroupProcess::spawn(cmd, &what, request)?;
    let log = Arc::new(Mutex::new(AgentLog::default()));
    let tail = Tail::default();
    let record =
        |log: Arc<Mutex<AgentLog>>| move |line: &str| log.lock().unwrap_or_else(PoisonError::into_inner).record(line);
    pump(pipes.stdout, tail.clone(), request.token.clone(), record(log.clone()));
    pump(pipes.stderr, tail.clone(), request.token.clone(), record(log.clone()));
    tracing::info!(profile = %name, pid = process.pgid(), api_port = port, "started an ngrok agent");
    let agent = Agent { process, api: format!("http://127.0.0.1:{port}/api"), log, tail, config: dir };
    agent.wait_ready(name).await?;
    // It serves the API named in the file, so it has read it: the token need not stay on disk (a
    // host killed before it can clean up would leave it there).
    agent.config.remove(CONFIG_FILE);
    Ok(agent)
}

#[derive(Debug, Default)]
struct State {
    /// Running agents by profile.
    agents: HashMap<String, Arc<Agent>>,
    /// Open endpoints by service.
    endpoints: BTreeMap<String, OpenTunnel>,
}

/// The ngrok provider: agents by profile, endpoints by service.
#[derive(Debug, Default)]
pub struct NgrokProvider {
    state: Mutex<State>,
    /// Serialises create and destroy, so that two services never start two agents for one profile.
    ops: tokio::sync::Mutex<()>,
}

impl NgrokProvider {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live agent of the request's profile, started if there is none (a dead one is replaced).
    async fn agent_for(&self, request: &TunnelRequest) -> Result<Arc<Agent>, TunnelError> {
        let profile = &request.profile.name;
        let existing = self.state().agents.get(profile).cloned();
        if let Some(agent) = existing {
            if agent.process.exited().is_none() {
                return Ok(agent);
            }
            self.state().agents.remove(profile);
        }
        let agent = Arc::new(start_agent(request).await?);
        self.state().agents.insert(profile.clone(), agent.clone());
        Ok(agent)
    }

    /// Removes `service`'s endpoint; stops its agent when it was the last one. Callers hold `ops`.
    /// Without a recorded endpoint (a create was cancelled midway) every agent is cleaned instead.
    async fn remove(&self, service: &str) {
        let recorded = self.state().endpoints.remove(service).map(|t| t.profile);
        let profiles = recorded.map_or_else(|| self.state().agents.keys().cloned().collect(), |p| vec![p]);
        for profile in profiles {
            self.stop_if_idle(&profile, Some(service)).await;
        }
    }

    /// Deletes `service`'s endpoint (if given) from the profile's agent and stops the agent when no
    /// endpoint of ours is left on it.
    async fn stop_if_idle(&self, profile: &str, service: Option<&str>) {
        let Some(agent) = self.state().agents.get(profile).cloned() else { return };
        if let Some(service) = service
            && agent.process.exited().is_none()
        {
            let _ = http("DELETE", format!("{}/endpoints/{service}", agent.api), None).await;
        }
        let idle = {
            let mut state = self.state();
            let idle = !state.endpoints.values().any(|t| t.profile == profile);
            if idle {
                state.agents.remove(profile);
            }
            idle
        };
        if idle {
            tracing::info!(profile, "stopping the ngrok agent: its last endpoint is gone");
            agent.process.stop().await;
            // A health check may still hold the agent for a moment; its private directory goes now.
            agent.config.remove_all();
        }
    }
}

impl TunnelProvider for NgrokProvider {
    fn name(&self) -> &str {
        "ngrok"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            let _op = self.ops.lock().await;
            self.remove(&request.service).await;
            let agent = self.agent_for(&request).await?;
            let url = match agent.add_endpoint(&request).await {
                Ok(url) => url,
                Err(e) => {
                    self.stop_if_idle(&request.profile.name, None).await;
                    return Err(e);
                }
            };
            let tunnel = request.opened(url);
            self.state().endpoints.insert(request.service, tunnel.clone());
            Ok(tunnel)
        })
    }

    fn destroy<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            let _op = self.ops.lock().await;
            self.remove(service).await;
            Ok(())
        })
    }

    fn list(&self) -> Vec<OpenTunnel> {
        self.state().endpoints.values().cloned().collect()
    }

    /// The agent of the endpoint's profile (one agent serves every tunnel of its profile).
    fn agent(&self, service: &str) -> Option<TunnelAgent> {
        let state = self.state();
        let agent = state.agents.get(&state.endpoints.get(service)?.profile)?;
        u32::try_from(agent.process.pgid()).ok().map(TunnelAgent::Group)
    }

    fn health<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            let found = {
                let state = self.state();
                state
                    .endpoints
                    .get(service)
                    .and_then(|t| Some((t.profile.clone(), state.agents.get(&t.profile)?.clone())))
            };
            let Some((profile, agent)) = found else {
                return Err(TunnelError::Failed(format!("no ngrok agent serves `{service}`")));
            };
            if agent.process.exited().is_some() {
                return Err(agent.unreachable(&profile, "it exited").await);
            }
            match http("GET", format!("{}/endpoints", agent.api), None).await {
                Ok((200, body)) if endpoint_url(&body, service).is_some() => Ok(()),
                Ok((status, _)) => Err(TunnelError::Failed(format!(
                    "the ngrok agent of profile `{profile}` no longer lists the endpoint of `{service}` (API answered \
                     {status})"
                ))),
                Err(e) => Err(agent.unreachable(&profile, &e).await),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tunnel::ngrok_api::tests::{MALFORMED, STARTED};

    #[test]
    fn a_coded_error_is_not_hidden_by_the_uncoded_lines_around_it() {
        let mut log = AgentLog::default();
        for line in ["ERROR:  authentication failed", MALFORMED, "ERROR:  authentication failed", STARTED] {
            log.record(line);
        }
        assert_eq!(log.error.map(|e| e.0), Some(Some(105)));
        assert_eq!(log.started.get("web").map(String::as_str), Some("https://ab12.ngrok-free.app"));
    }
}
