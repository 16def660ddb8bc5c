//! The environment a service starts from, the same whichever way the host was started: the
//! user's login-shell environment, read once per host start by running the login shell
//! non-interactively (as editors started from a desktop do to get `PATH` right), with a timeout
//! and the host's own environment as the fallback; or a minimal one; or the host's (`[services]
//! inherit`, or a service's own `inherit`). Nexsock's variables and the service's own come on
//! top (see `supervisor::group_command`).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use nexsock_proto::EnvInherit;

/// How long the login shell may take to print its environment.
pub const LOGIN_SHELL_TIMEOUT: Duration = Duration::from_secs(5);

/// Printed before the environment, so that what a profile prints itself is skipped.
#[cfg(unix)]
const BEGIN: &str = "__NEXSOCK_ENV_BEGIN__";

/// Variables of the shell session that read the environment, not of the user's.
#[cfg(unix)]
const SESSION_VARS: &[&str] = &["_", "SHLVL", "PWD", "OLDPWD"];

/// Variables of nexsock's own process that a service must not take for its own.
const HOST_VARS: &[&str] = &["NEXSOCK_HOME", "NEXSOCK_RUN", "NEXSOCK_SERVICE"];

/// What a login shell is started with besides `HOME`, `USER`, `LOGNAME`, `SHELL` and a standard
/// `PATH` — as login(1) starts one: nothing of the process that started the host but these,
/// which describe the user's session rather than a shell (the display, the session bus, the
/// locale).
#[cfg(unix)]
const SESSION_PASS: &[&str] = &[
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "LANG",
    "LC_ALL",
    "TZ",
];

/// The standard `PATH` of [`EnvInherit::None`].
const MINIMAL_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Variables kept from the host's environment by [`EnvInherit::None`].
const MINIMAL_VARS: &[&str] = &["HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "TZ", "TMPDIR"];

/// One base environment and where it came from (what `service env` names as the source).
#[derive(Debug, Clone)]
pub struct Base {
    /// The variables.
    pub vars: Arc<BTreeMap<String, String>>,
    /// `login-shell`, `host`, `host (the login shell failed: …)` or `none`.
    pub source: String,
}

/// The three bases, read once when the host starts.
#[derive(Debug, Clone)]
pub struct Environments {
    login_shell: Result<Base, String>,
    host: Base,
    none: Base,
}

impl Environments {
    /// Reads the host's environment and the login shell's (at most [`LOGIN_SHELL_TIMEOUT`]).
    pub fn read() -> Self {
        let host: BTreeMap<String, String> =
            std::env::vars().filter(|(k, _)| !HOST_VARS.contains(&k.as_str())).collect();
        let login_shell = login_shell_env(LOGIN_SHELL_TIMEOUT);
        if let Err(why) = &login_shell {
            tracing::warn!("services start from the host's environment instead of the login shell's: {why}");
        }
        Self::from_parts(host, login_shell)
    }

    /// From an already read host environment and login-shell environment (or why it could not
    /// be read).
    pub fn from_parts(host: BTreeMap<String, String>, login_shell: Result<BTreeMap<String, String>, String>) -> Self {
        let mut none: BTreeMap<String, String> = host
            .iter()
            .filter(|(k, _)| MINIMAL_VARS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        none.insert("PATH".into(), MINIMAL_PATH.into());
        Self {
            login_shell: login_shell.map(|vars| Base { vars: Arc::new(vars), source: "login-shell".into() }),
            host: Base { vars: Arc::new(host), source: "host".into() },
            none: Base { vars: Arc::new(none), source: "none".into() },
        }
    }

    /// The base of `mode`; the host's, saying why, when the login shell could not be read.
    pub fn base(&self, mode: EnvInherit) -> Base {
        match mode {
            EnvInherit::LoginShell => match &self.login_shell {
                Ok(base) => base.clone(),
                Err(why) => {
                    Base { vars: self.host.vars.clone(), source: format!("host (the login shell failed: {why})") }
                }
            },
            EnvInherit::Host => self.host.clone(),
            EnvInherit::None => self.none.clone(),
        }
    }
}

/// The user's login shell: `$SHELL` when it is an absolute path, else the account's shell.
#[cfg(unix)]
fn login_shell() -> Option<String> {
    if let Ok(shell) = std::env::var("SHELL")
        && shell.starts_with('/')
    {
        return Some(shell);
    }
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|u| u.shell.display().to_string())
        .filter(|s| !s.is_empty())
}

/// Runs the login shell non-interactively and reads the environment it ends up with.
#[cfg(unix)]
fn login_shell_env(limit: Duration) -> Result<BTreeMap<String, String>, String> {
    use std::{
        os::unix::process::CommandExt,
        process::{Command, Stdio},
        time::Instant,
    };
    let shell = login_shell().ok_or("no login shell: SHELL is not set and the account names none")?;
    let user = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten();
    let home = std::env::var("HOME").ok().or_else(|| user.as_ref().map(|u| u.dir.display().to_string()));
    let name = user.as_ref().map(|u| u.name.clone()).or_else(|| std::env::var("USER").ok());
    let mut cmd = Command::new(&shell);
    cmd.env_clear().env("SHELL", &shell).env("PATH", MINIMAL_PATH).env("TERM", "dumb");
    for (key, value) in [("HOME", home.clone()), ("USER", name.clone()), ("LOGNAME", name)] {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.envs(std::env::vars().filter(|(k, _)| SESSION_PASS.contains(&k.as_str())));
    if let Some(home) = &home {
        cmd.current_dir(home);
    }
    let mut child = cmd
        .args(["-l", "-c", &format!("printf '%s\\0' {BEGIN}; exec /usr/bin/env -0")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {shell}: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no output pipe")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
        out
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                // Its profile hangs (or asks for input): end it and whatever it started.
                if let Ok(pid) = i32::try_from(child.id()) {
                    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
                }
                let _ = child.wait();
                return Err(format!("`{shell} -l` did not finish within {}s", limit.as_secs()));
            }
        }
    };
    let out = reader.join().map_err(|_| "the output reader failed")?;
    if !status.success() {
        return Err(format!("`{shell} -l` {status}"));
    }
    parse(&out).ok_or_else(|| format!("`{shell} -l` printed no environment"))
}

#[cfg(not(unix))]
fn login_shell_env(_limit: Duration) -> Result<BTreeMap<String, String>, String> {
    Err("Windows has no login shell: services start from the host's environment".into())
}

/// The `KEY=VALUE\0` pairs after the begin marker, without the shell session's own variables.
#[cfg(unix)]
fn parse(out: &[u8]) -> Option<BTreeMap<String, String>> {
    let marker = format!("{BEGIN}\0");
    let at = out.windows(marker.len()).position(|w| w == marker.as_bytes())?;
    let vars = out[at + marker.len()..]
        .split(|b| *b == 0)
        .filter_map(|pair| {
            let pair = String::from_utf8_lossy(pair);
            let (k, v) = pair.split_once('=')?;
            (!k.is_empty() && !SESSION_VARS.contains(&k) && !HOST_VARS.contains(&k))
                .then(|| (k.to_owned(), v.to_owned()))
        })
        .collect();
    Some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn what_a_profile_prints_before_the_marker_is_skipped_and_session_vars_dropped() {
        let out = b"Welcome to the box!\n__NEXSOCK_ENV_BEGIN__\0PATH=/a:/b\0_=/usr/bin/env\0SHLVL=2\0MULTI=x\ny\0";
        let vars = parse(out).expect("the marker is there");
        assert_eq!(vars.get("PATH").map(String::as_str), Some("/a:/b"));
        assert_eq!(vars.get("MULTI").map(String::as_str), Some("x\ny"));
        assert!(!vars.contains_key("_") && !vars.contains_key("SHLVL"));
        assert!(parse(b"no marker here").is_none());
    }

    #[test]
    fn the_bases_say_where_they_come_from_and_a_failed_login_shell_falls_back_to_the_host() {
        let host = BTreeMap::from([("PATH".to_owned(), "/host".to_owned()), ("HOME".to_owned(), "/h".to_owned())]);
        let login = BTreeMap::from([("PATH".to_owned(), "/login".to_owned())]);
        let envs = Environments::from_parts(host.clone(), Ok(login));
        assert_eq!(envs.base(EnvInherit::LoginShell).vars["PATH"], "/login");
        assert_eq!(envs.base(EnvInherit::Host).vars["PATH"], "/host");
        let none = envs.base(EnvInherit::None);
        assert_eq!((none.vars["PATH"].as_str(), none.vars["HOME"].as_str()), (MINIMAL_PATH, "/h"));
        let failed = Environments::from_parts(host, Err("timed out".into())).base(EnvInherit::LoginShell);
        assert_eq!(failed.vars["PATH"], "/host");
        assert_eq!(failed.source, "host (the login shell failed: timed out)");
    }

    #[cfg(unix)]
    #[test]
    fn a_real_login_shell_is_read() {
        let vars = login_shell_env(LOGIN_SHELL_TIMEOUT).expect("sh -l prints its environment");
        assert!(vars.contains_key("PATH"), "{vars:?}");
    }
}
