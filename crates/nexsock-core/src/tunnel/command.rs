//! The `command` provider: any tool that prints a URL. A profile's `command` template is split
//! into arguments by shell-words rules (`shlex`; no shell runs it), `{port}`, `{host}` and
//! `{service}` substituted in each argument; the tool runs in its own process group (the
//! process-tunnel machinery localtunnel and cloudflared use), the first output line that
//! `url_pattern` matches gives the URL, and the tunnel is healthy while the tool lives. When it
//! dies the engine re-creates it with back-off like any other tunnel. The profile's token reaches
//! the tool only as `token_env` in its environment, and is masked in the output kept.

use std::time::Duration;

use nexsock_proto::{ProfileSpec, ProviderKind};
use regex::Regex;
use tokio::{process::Command, sync::watch, time::timeout};

use super::{
    BoxFuture, OpenTunnel, TunnelAgent, TunnelError, TunnelProvider, TunnelRequest,
    process::{GroupProcess, ProcessTunnel, ProcessTunnels, Tail, pump},
};
use crate::error::CoreError;

/// How long the tool may take to print its URL when the profile sets no `url_timeout_secs`.
pub const DEFAULT_URL_TIMEOUT: Duration = Duration::from_secs(30);
/// What `{host}` stands for: the loopback address the service is reached at.
const LOCAL_HOST: &str = "127.0.0.1";

/// A command profile must be runnable: a template that splits, names a program and has `{port}`;
/// a pattern that compiles; a token variable that is a variable name. Other providers' profiles
/// must not carry these settings. Errors name the profile field at fault.
pub(crate) fn validate(spec: &ProfileSpec) -> Result<(), CoreError> {
    let bad = |field: &'static str, why: String| {
        Err(CoreError::ProfileField { field, message: format!("profile `{}`: {why}", spec.name) })
    };
    if spec.provider != ProviderKind::Command {
        for (field, set) in [
            ("command", spec.command.is_some()),
            ("url_pattern", spec.url_pattern.is_some()),
            ("token_env", spec.token_env.is_some()),
            ("url_timeout_secs", spec.url_timeout_secs.is_some()),
        ] {
            if set {
                return bad(
                    field,
                    format!("--{} is for command profiles, not {}", field.replace('_', "-"), spec.provider),
                );
            }
        }
        return Ok(());
    }
    let Some(template) = spec.command.as_deref().filter(|t| !t.trim().is_empty()) else {
        return bad("command", "a command profile needs --command TEMPLATE (with `{port}`)".into());
    };
    if let Err(why) = argv(template, 1, "service") {
        return bad("command", why);
    }
    if !template.contains("{port}") {
        return bad(
            "command",
            format!("the command `{template}` has no `{{port}}`: the tool must be told which port to expose"),
        );
    }
    match spec.url_pattern.as_deref() {
        None | Some("") => return bad("url_pattern", "a command profile needs --url-pattern REGEX".into()),
        Some(pattern) => {
            if let Err(e) = Regex::new(pattern) {
                return bad("url_pattern", format!("invalid --url-pattern `{pattern}`: {e}"));
            }
        }
    }
    if let Some(var) = &spec.token_env
        && !is_env_name(var)
    {
        return bad("token_env", format!("--token-env `{var}` is not a variable name (letters, digits and `_`)"));
    }
    if spec.url_timeout_secs == Some(0) {
        return bad("url_timeout_secs", "--url-timeout must be at least 1 second".into());
    }
    for (field, set) in
        [("server", spec.server.is_some()), ("url", spec.url.is_some()), ("binary", spec.binary.is_some())]
    {
        if set {
            return bad(field, format!("--{field} is not for command profiles: the template says what to run"));
        }
    }
    Ok(())
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The tool's arguments: `template` split by shell-words rules, then `{port}`, `{host}` and
/// `{service}` substituted in each (a substituted value never splits an argument).
pub(crate) fn argv(template: &str, port: u16, service: &str) -> Result<Vec<String>, String> {
    let words =
        shlex::split(template).ok_or_else(|| format!("cannot split the command `{template}`: unbalanced quotes"))?;
    if words.is_empty() {
        return Err("the command is empty".into());
    }
    let port = port.to_string();
    Ok(words
        .into_iter()
        .map(|w| w.replace("{port}", &port).replace("{host}", LOCAL_HOST).replace("{service}", service))
        .collect())
}

/// The URL in `line`: the pattern's first capture group when it has one, else the whole match.
pub(crate) fn url_in(pattern: &Regex, line: &str) -> Option<String> {
    let caps = pattern.captures(line)?;
    let m = caps.get(1).or_else(|| caps.get(0))?;
    (!m.as_str().is_empty()).then(|| m.as_str().to_owned())
}

/// The command provider: one tool process per tunnel.
#[derive(Debug, Default)]
pub struct CommandProvider {
    open: ProcessTunnels<()>,
}

/// The tool's command, with the token (when the profile names a variable for it) in its
/// environment and nowhere else; the host's own value of that variable is not passed on.
fn command(args: &[String], request: &TunnelRequest) -> Command {
    let mut cmd = Command::new(&args[0]);
    cmd.args(&args[1..]);
    match (&request.profile.token_env, &request.token) {
        (Some(var), Some(token)) => {
            cmd.env(var, token.expose());
        }
        // Without a stored token the variable stays empty, whatever the host holds.
        (Some(var), None) => {
            cmd.env_remove(var);
        }
        (None, _) => {}
    }
    cmd
}

impl TunnelProvider for CommandProvider {
    fn name(&self) -> &str {
        "command"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            self.open.remove(&request.service).await;
            let profile = &request.profile;
            let template = profile.command.as_deref().unwrap_or_default();
            let args = argv(template, request.local_port, &request.service).map_err(TunnelError::Failed)?;
            let source = profile.url_pattern.as_deref().unwrap_or_default();
            let pattern = Regex::new(source).map_err(|e| TunnelError::Failed(format!("invalid --url-pattern: {e}")))?;
            let limit = profile.url_timeout_secs.map_or(DEFAULT_URL_TIMEOUT, Duration::from_secs);
            let what = format!("`{}` (profile `{}`)", args[0], profile.name);
            let (process, pipes) = GroupProcess::spawn(command(&args, &request), &what, &request)?;
            let tail = Tail::default();
            let (found, mut url) = watch::channel(None);
            // stdout or stderr: tools differ in where they print their URL.
            let first_match = |found: watch::Sender<Option<String>>, pattern: Regex| {
                move |line: &str| {
                    if let Some(u) = url_in(&pattern, line) {
                        found.send_if_modified(|seen| seen.is_none() && seen.replace(u).is_none());
                    }
                }
            };
            pump(pipes.stdout, tail.clone(), request.token.clone(), first_match(found.clone(), pattern.clone()));
            pump(pipes.stderr, tail.clone(), request.token.clone(), first_match(found, pattern));
            let seen = tokio::select! {
                seen = timeout(limit, url.wait_for(Option::is_some)) => seen.ok().and_then(|u| u.ok()?.clone()),
                () = async { process.wait_exit(limit).await; } => None,
            };
            let Some(url) = seen else {
                let how = process.exited();
                process.stop().await;
                tail.drained().await;
                return Err(match how {
                    Some(how) => TunnelError::Failed(format!("{what} {how} before printing its URL; {}", tail.last(5))),
                    None => TunnelError::Timeout(format!(
                        "{what} printed no line matching --url-pattern `{source}` within {} s; {}",
                        limit.as_secs(),
                        tail.last(5)
                    )),
                });
            };
            Ok(self.open.insert(ProcessTunnel { tunnel: request.opened(url), process, extra: () }).await)
        })
    }

    fn destroy<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            self.open.remove(service).await;
            Ok(())
        })
    }

    fn list(&self) -> Vec<OpenTunnel> {
        self.open.list()
    }

    fn agent(&self, service: &str) -> Option<TunnelAgent> {
        self.open.agent(service)
    }

    fn health<'a>(&'a self, service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async move {
            match self.open.get(service).map(|e| e.process.exited()) {
                None => Err(TunnelError::Failed(format!("no command tunnel for `{service}`"))),
                Some(Some(how)) => Err(TunnelError::Failed(format!("the tunnel's command {how}"))),
                Some(None) => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn profile(command: Option<&str>, pattern: Option<&str>) -> ProfileSpec {
        ProfileSpec {
            name: "run".into(),
            provider: ProviderKind::Command,
            url: None,
            server: None,
            binary: None,
            command: command.map(str::to_owned),
            url_pattern: pattern.map(str::to_owned),
            token_env: None,
            url_timeout_secs: None,
        }
    }

    #[rstest]
    #[case::plain("tool --port {port}", &["tool", "--port", "4000"])]
    #[case::quoted("ssh -R '80:{host}:{port}' nokey@localhost.run", &["ssh", "-R", "80:127.0.0.1:4000", "nokey@localhost.run"])]
    #[case::service("tool \"name {service}\" {port}", &["tool", "name web", "4000"])]
    fn templates_split_by_shell_words_and_substitute_per_argument(#[case] template: &str, #[case] expected: &[&str]) {
        assert_eq!(argv(template, 4000, "web").expect("splits"), expected);
    }

    #[rstest]
    #[case::group(
        r"Forwarding: (https://\S+)",
        "Forwarding: https://a.example.test -> localhost:1",
        Some("https://a.example.test")
    )]
    #[case::whole(r"https://[a-z.]+\.lhr\.life", "abc https://xy.lhr.life tunneled", Some("https://xy.lhr.life"))]
    #[case::none(r"Forwarding: (https://\S+)", "connecting...", None)]
    fn the_url_is_the_first_group_or_the_whole_match(
        #[case] pattern: &str,
        #[case] line: &str,
        #[case] url: Option<&str>,
    ) {
        assert_eq!(url_in(&Regex::new(pattern).expect("valid"), line).as_deref(), url);
    }

    fn field_of(spec: &ProfileSpec) -> Option<&'static str> {
        match validate(spec) {
            Err(CoreError::ProfileField { field, .. }) => Some(field),
            Err(other) => panic!("untyped: {other}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn bad_command_profiles_are_refused_naming_the_field() {
        assert_eq!(field_of(&profile(Some("tool {port}"), Some("(https://.+)"))), None);
        assert_eq!(field_of(&profile(Some("tool --port 80"), Some("x"))), Some("command"));
        assert_eq!(field_of(&profile(None, Some("x"))), Some("command"));
        assert_eq!(field_of(&profile(Some("tool '{port}"), Some("x"))), Some("command"));
        assert_eq!(field_of(&profile(Some("tool {port}"), None)), Some("url_pattern"));
        assert_eq!(field_of(&profile(Some("tool {port}"), Some("(unclosed"))), Some("url_pattern"));
        let mut spec = profile(Some("tool {port}"), Some("x"));
        spec.token_env = Some("NOT-A-NAME".into());
        assert_eq!(field_of(&spec), Some("token_env"));
        let mut other = profile(Some("tool {port}"), None);
        other.provider = ProviderKind::Cloudflared;
        assert_eq!(field_of(&other), Some("command"));
    }
}
