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
    BoxFuture, OpenTunnel, TunnelError, TunnelProvider, TunnelRequest,
    process::{Backoff, GroupProcess, PrivateDir, Tail, find_binary, free_loopback_port, http, pump, redact},
};
use crate::secrets::Secret;

const INSTALL: &str = "install ngrok from https://ngrok.com/download";
const CONFIG_FILE: &str = "ngrok.yml";
/// How long the agent may take to serve its API.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a new endpoint may take to show its URL.
const URL_TIMEOUT: Duration = Duration::from_secs(10);

/// What one line of the agent's log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogLine {
    /// `msg == "started tunnel"`: endpoint `name` is online at `url`.
    Started { name: String, url: String },
    /// An error (`lvl` error/eror/crit, or a bare `ERROR:` line), with its ERR_NGROK code if any.
    Failed { code: Option<u32>, err: String },
    /// Anything else.
    Other,
}

/// Reads a JSON log line; only `msg`, `name`, `url`, `lvl` and `err` matter (`addr` varies).
pub(crate) fn parse_log_line(line: &str) -> LogLine {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
        let err = line.trim_start().strip_prefix("ERROR:").unwrap_or(line).trim();
        return match error_code(err) {
            code @ Some(_) => LogLine::Failed { code, err: err.to_owned() },
            None if line.trim_start().starts_with("ERROR:") => LogLine::Failed { code: None, err: err.to_owned() },
            None => LogLine::Other,
        };
    };
    let text = |k: &str| fields.get(k).and_then(Value::as_str);
    if text("msg") == Some("started tunnel")
        && let Some(url) = text("url")
    {
        return LogLine::Started { name: text("name").unwrap_or_default().to_owned(), url: url.to_owned() };
    }
    match text("lvl") {
        Some("error" | "eror" | "crit") => {
            let err = text("err").or(text("msg")).unwrap_or_default().trim().to_owned();
            LogLine::Failed { code: error_code(&err), err }
        }
        _ => LogLine::Other,
    }
}

/// The number of the first `ERR_NGROK_<n>` in `text`.
pub(crate) fn error_code(text: &str) -> Option<u32> {
    let (_, rest) = text.split_once("ERR_NGROK_")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A message that says what happened and what to do about it. `err` must already be redacted.
pub(crate) fn explain(code: Option<u32>, err: &str, profile: &str, url: Option<&str>) -> String {
    let set_token = format!("`nexsock profile set-token {profile}` (or set NGROK_AUTHTOKEN for the host)");
    match code {
        Some(105) => format!(
            "the token of profile `{profile}` is malformed (ERR_NGROK_105): copy it again from the ngrok dashboard \
             (https://dashboard.ngrok.com/get-started/your-authtoken) and run {set_token}"
        ),
        Some(4018) => format!(
            "ngrok did not authenticate profile `{profile}` (ERR_NGROK_4018): its token is missing or not valid; \
             sign up or log in at https://dashboard.ngrok.com, copy your authtoken and run {set_token}"
        ),
        Some(108) => format!(
            "ngrok refused another agent session for profile `{profile}` (ERR_NGROK_108): your plan limits how many \
             agents run at once (the free plan allows few); stop an ngrok agent running elsewhere with this account, \
             or use another profile"
        ),
        Some(334) => format!(
            "the URL {} is already online (ERR_NGROK_334): a URL serves one endpoint at a time; close the other \
             endpoint or agent that uses it, or give profile `{profile}` another --url",
            url.unwrap_or("of this endpoint")
        ),
        Some(n) => format!(
            "ngrok failed for profile `{profile}` (ERR_NGROK_{n}): {err} (see https://ngrok.com/docs/errors/err_ngrok_{n})"
        ),
        None => format!("ngrok failed for profile `{profile}`: {err}"),
    }
}

/// The agent's config (v3). The token is a JSON string, which YAML reads as a quoted scalar.
pub(crate) fn config_yaml(token: Option<&Secret>, api_port: u16) -> String {
    let authtoken =
        token.map(|t| format!("  authtoken: {}\n", Value::String(t.expose().to_owned()))).unwrap_or_default();
    format!("version: 3\nagent:\n{authtoken}  web_addr: 127.0.0.1:{api_port}\n  log: stdout\n  log_format: json\n")
}

/// The URL of endpoint `name` in an API answer: one endpoint, `{"endpoints": [...]}`, or the
/// deprecated `{"tunnels": [...]}`.
pub(crate) fn endpoint_url(body: &str, name: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let url_of = |e: &Value| e.get("url").or_else(|| e.get("public_url")).and_then(Value::as_str).map(str::to_owned);
    if v.get("name").and_then(Value::as_str) == Some(name) {
        return url_of(&v);
    }
    ["endpoints", "tunnels"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_array))
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        .and_then(url_of)
}

/// An API error answer (`{"error_code", "status_code", "msg", "details": {"err"}}`): its
/// ERR_NGROK code and its most specific text.
pub(crate) fn api_error(status: u16, body: &str) -> (Option<u32>, String) {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let text = v
        .pointer("/details/err")
        .or_else(|| v.get("msg"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("the agent's API answered {status}: {}", body.trim()), |s| s.trim().to_owned());
    (error_code(body), text)
}

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
            Some((code, err)) => TunnelError(explain(code, &err, profile, None)),
            None => TunnelError(format!("the ngrok agent of profile `{profile}` {how}; {}", self.tail.last(3))),
        }
    }

    /// Why the API could not be reached: the agent's end if it died, else the HTTP error.
    async fn unreachable(&self, profile: &str, error: &str) -> TunnelError {
        match self.process.exited() {
            Some(how) => {
                self.tail.drained().await;
                self.failure(profile, &how)
            }
            None => TunnelError(format!("the ngrok agent of profile `{profile}` did not answer: {error}")),
        }
    }

    /// Waits until the API answers; fails early on an exit or a coded error line.
    async fn wait_ready(&self, profile: &str) -> Result<(), TunnelError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut backoff = Backoff::new();
        loop {
            let exited = self.process.exited();
            if exited.is_some() {
                self.tail.drained().await;
            }
            let coded = self.log().error.clone().filter(|(code, _)| code.is_some());
            if let Some((code, err)) = coded {
                self.process.stop().await;
                return Err(TunnelError(explain(code, &err, profile, None)));
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
                return Err(TunnelError(format!(
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
            return Err(TunnelError(explain(code, &err, &profile.name, profile.url.as_deref())));
        }
        if let Some(url) = endpoint_url(&answer, &request.service) {
            return Ok(url);
        }
        self.wait_url(&request.service, &profile.name).await
    }

    /// The URL of a new endpoint that the POST answer did not carry: from the API or the log.
    async fn wait_url(&self, service: &str, profile: &str) -> Result<String, TunnelError> {
        let deadline = Instant::now() + URL_TIMEOUT;
        let mut backoff = Backoff::new();
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
                return Err(TunnelError(format!(
                    "the ngrok agent of profile `{profile}` accepted the endpoint of `{service}` but showed no URL \
                     within {}s",
                    URL_TIMEOUT.as_secs()
                )));
            }
            backoff.sleep(deadline).await;
        }
    }
}

/// Starts the agent of `request`'s profile and waits until its API answers.
async fn start_agent(request: &TunnelRequest) -> Result<Agent, TunnelError> {
    let name = &request.profile.name;
    let binary = find_binary(&request.profile, "ngrok", INSTALL)?;
    let port = free_loopback_port()?;
    let dir = PrivateDir::create("nexsock-ngrok")?;
    let config = dir.write(CONFIG_FILE, &config_yaml(request.token.as_ref(), port))?;
    let mut cmd = Command::new(binary);
    cmd.args(["start", "--none", "--config"]).arg(&config).args(["--log", "stdout", "--log-format", "json"]);
    // The profile's token is in the config file; an inherited variable could be another account's.
    cmd.env_remove("NGROK_AUTHTOKEN").env_remove("NGROK_CONFIG");
    let what = format!("the ngrok agent of profile `{name}`");
    let (process, pipes) = GroupProcess::spawn(cmd, &what, request.records.as_deref())?;
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
            let tunnel = OpenTunnel {
                service: request.service.clone(),
                profile: request.profile.name.clone(),
                public_url: url,
                local_port: request.local_port,
            };
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
                return Err(TunnelError(format!("no ngrok agent serves `{service}`")));
            };
            if agent.process.exited().is_some() {
                return Err(agent.unreachable(&profile, "it exited").await);
            }
            match http("GET", format!("{}/endpoints", agent.api), None).await {
                Ok((200, body)) if endpoint_url(&body, service).is_some() => Ok(()),
                Ok((status, _)) => Err(TunnelError(format!(
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
    use rstest::rstest;

    use super::*;

    const STARTED: &str = r#"{"addr":"http://localhost:4142","lvl":"info","msg":"started tunnel","name":"web","obj":"tunnels","t":"2026-09-30T02:40:01Z","url":"https://ab12.ngrok-free.app"}"#;
    const OBJ_ADDR: &str = r#"{"addr":{"url":"http://localhost:1"},"lvl":"info","msg":"started tunnel","name":"api","url":"https://x.ngrok.app"}"#;
    const MALFORMED: &str = r#"{"lvl":"crit","msg":"command failed","err":"authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\r\n\r\nERR_NGROK_105\r\n"}"#;
    const EROR: &str = r#"{"lvl":"eror","msg":"failed to start tunnel","err":"authentication failed ERR_NGROK_4018"}"#;
    const UNCODED: &str = r#"{"lvl":"error","msg":"session closed","err":"connection reset"}"#;

    #[rstest]
    #[case::started(STARTED, LogLine::Started { name: "web".into(), url: "https://ab12.ngrok-free.app".into() })]
    #[case::addr_as_object(OBJ_ADDR, LogLine::Started { name: "api".into(), url: "https://x.ngrok.app".into() })]
    #[case::crit_with_code(MALFORMED, LogLine::Failed { code: Some(105), err: "authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\r\n\r\nERR_NGROK_105".into() })]
    #[case::eror_level(EROR, LogLine::Failed { code: Some(4018), err: "authentication failed ERR_NGROK_4018".into() })]
    #[case::error_without_code(UNCODED, LogLine::Failed { code: None, err: "connection reset".into() })]
    #[case::bare_error("ERROR:  authentication failed: ERR_NGROK_108", LogLine::Failed { code: Some(108), err: "authentication failed: ERR_NGROK_108".into() })]
    #[case::info(r#"{"lvl":"info","msg":"client session established"}"#, LogLine::Other)]
    #[case::not_json("t=1 lvl=info msg=hello", LogLine::Other)]
    #[case::bare_code("ERR_NGROK_105", LogLine::Failed { code: Some(105), err: "ERR_NGROK_105".into() })]
    #[case::bare_uncoded_error("ERROR:  authentication failed", LogLine::Failed { code: None, err: "authentication failed".into() })]
    fn log_lines_are_read(#[case] line: &str, #[case] expected: LogLine) {
        assert_eq!(parse_log_line(line), expected);
    }

    #[rstest]
    #[case(105, &["token of profile `work` is malformed", "ngrok dashboard", "nexsock profile set-token work"])]
    #[case(4018, &["did not authenticate profile `work`", "nexsock profile set-token work", "NGROK_AUTHTOKEN"])]
    #[case(108, &["agent session", "stop an ngrok agent running elsewhere", "another profile"])]
    #[case(334, &["https://mine.ngrok.app is already online", "another --url"])]
    #[case(9999, &["ERR_NGROK_9999", "raw error", "err_ngrok_9999"])]
    fn codes_become_advice(#[case] code: u32, #[case] parts: &[&str]) {
        let text = explain(Some(code), "raw error", "work", Some("https://mine.ngrok.app"));
        for part in parts {
            assert!(text.contains(part), "{text:?} lacks {part:?}");
        }
    }

    #[rstest]
    #[case::post_answer(
        r#"{"name":"web","uri":"/api/endpoints/web","url":"https://a.ngrok.app","upstream":{"url":"8080"}}"#,
        Some("https://a.ngrok.app")
    )]
    #[case::list(
        r#"{"endpoints":[{"name":"api","url":"https://b"},{"name":"web","url":"https://c"}]}"#,
        Some("https://c")
    )]
    #[case::tunnels(r#"{"tunnels":[{"name":"web","public_url":"https://d","proto":"https"}]}"#, Some("https://d"))]
    #[case::absent(r#"{"endpoints":[{"name":"api","url":"https://b"}]}"#, None)]
    #[case::garbage("not json", None)]
    fn endpoint_urls_are_found(#[case] body: &str, #[case] url: Option<&str>) {
        assert_eq!(endpoint_url(body, "web").as_deref(), url);
    }

    #[test]
    fn a_coded_error_is_not_hidden_by_the_uncoded_lines_around_it() {
        let mut log = AgentLog::default();
        for line in ["ERROR:  authentication failed", MALFORMED, "ERROR:  authentication failed", STARTED] {
            log.record(line);
        }
        assert_eq!(log.error.map(|e| e.0), Some(Some(105)));
        assert_eq!(log.started.get("web").map(String::as_str), Some("https://ab12.ngrok-free.app"));
    }

    #[test]
    fn api_errors_keep_their_code_and_detail() {
        let body = r#"{"error_code":103,"status_code":502,"msg":"failed to start tunnel","details":{"err":"The endpoint is already online.\r\n\r\nERR_NGROK_334\r\n"}}"#;
        assert_eq!(api_error(502, body), (Some(334), "The endpoint is already online.\r\n\r\nERR_NGROK_334".into()));
        assert_eq!(api_error(500, "oops"), (None, "the agent's API answered 500: oops".into()));
    }

    #[test]
    fn the_config_holds_the_quoted_token_and_the_api_address() {
        let yaml = config_yaml(Some(&Secret::new("2ab\"c")), 4041);
        assert_eq!(
            yaml,
            "version: 3\nagent:\n  authtoken: \"2ab\\\"c\"\n  web_addr: 127.0.0.1:4041\n  log: stdout\n  log_format: json\n"
        );
        assert!(!config_yaml(None, 1).contains("authtoken"));
    }
}
