//! One defined service environment: a service gets the user's login-shell environment whichever
//! process started the host (the first CLI call, `nexsock daemon`), never that process's own
//! variables; `[services] inherit` and a service's `--inherit` choose `host` or `none` instead,
//! and `service env` names where each variable comes from.

use std::{path::Path, process::Command, time::Duration};

use nexsock_tests::{TestHost, nexsock_bin, wait_for};

const T: Duration = Duration::from_secs(20);

/// A home whose login profile exports `FROM_PROFILE`.
fn home_with_profile(dir: &Path, profile: &str) {
    std::fs::write(dir.join(".profile"), profile).unwrap();
}

/// Runs the CLI against `state` with exactly `env` (plus what the CLI needs), as a shell would.
fn cli(state: &Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(nexsock_bin());
    cmd.args(args).env("NEXSOCK_HOME", state).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// What `name` printed with `env`, as sorted `KEY=VALUE` lines without the run's own markers.
fn printed_env(host: &TestHost, name: &str) -> Vec<String> {
    let lines = wait_for("the service's env output", T, || {
        let out = host.ok(["service", "logs", name]);
        out.contains("END_OF_ENV").then_some(out)
    });
    let mut vars: Vec<String> = lines
        .lines()
        .filter(|l| l.contains('=') && !l.starts_with("──"))
        .filter(|l| {
            !l.starts_with("NEXSOCK_RUN=") && !l.starts_with("PWD=") && !l.starts_with("SHLVL=") && !l.starts_with("_=")
        })
        .map(str::to_owned)
        .collect();
    vars.sort();
    vars
}

#[test]
fn a_service_gets_the_login_shells_environment_not_that_of_the_cli_that_started_the_host() {
    let host = TestHost::new_stopped();
    let home = tempfile::tempdir().unwrap();
    home_with_profile(home.path(), "export FROM_PROFILE=yes\necho 'profile chatter on stdout'\n");
    let shell_env =
        [("HOME", home.path().to_str().unwrap()), ("SHELL", "/bin/sh"), ("ONLY_IN_THE_CLIS_SHELL", "leaked")];
    // The first CLI call starts the host: its shell's variables must not reach a service.
    let out = cli(host.home(), &shell_env, &["service", "add", "printer", "--command", "env; echo END_OF_ENV"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli(host.home(), &shell_env, &["service", "start", "printer"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first = printed_env(&host, "printer");
    assert!(first.contains(&"FROM_PROFILE=yes".to_owned()), "{first:?}");
    assert!(!first.iter().any(|v| v.starts_with("ONLY_IN_THE_CLIS_SHELL")), "{first:?}");
    assert!(first.contains(&"NEXSOCK_SERVICE=printer".to_owned()), "{first:?}");

    let preview = host.json(["service", "env", "printer"]);
    let from_profile = preview.as_array().unwrap().iter().find(|v| v["name"] == "FROM_PROFILE").expect("listed");
    assert_eq!(from_profile["source"], "login-shell", "{preview}");
    assert!(!preview.to_string().contains("ONLY_IN_THE_CLIS_SHELL"));

    // Another host on the same state, started by `nexsock daemon` from a different shell: the
    // same environment.
    host.ok(["shutdown"]);
    let mut daemon = Command::new(nexsock_bin());
    daemon
        .arg("daemon")
        .env("NEXSOCK_HOME", host.home())
        .env("HOME", home.path())
        .env("SHELL", "/bin/sh")
        .env("SOMETHING_ELSE_ENTIRELY", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut daemon, 0);
    let mut daemon = daemon.spawn().unwrap();
    // The first host may still be going away: wait for this one's lock, then its socket.
    let (lock, pid) = (host.home().join("host.lock"), daemon.id().to_string());
    wait_for("the daemon's lock", T, || (std::fs::read_to_string(&lock).ok()?.trim() == pid).then_some(()));
    let socket = host.socket();
    wait_for("the daemon to answer", T, || std::os::unix::net::UnixStream::connect(&socket).ok());
    std::fs::remove_file(host.home().join("logs/printer.log")).unwrap();
    host.ok(["service", "start", "printer"]);
    let second = printed_env(&host, "printer");
    assert_eq!(first, second, "the same environment whichever way the host was started");
    host.ok(["shutdown"]);
    let _ = daemon.wait();
}

#[test]
fn inherit_host_none_and_a_services_own_choice() {
    let home = tempfile::tempdir().unwrap();
    home_with_profile(home.path(), "export FROM_PROFILE=yes\n");
    let host = TestHost::start_with_env(&[
        ("HOME", home.path().to_str().unwrap()),
        ("SHELL", "/bin/sh"),
        ("FROM_THE_HOST", "here"),
    ]);
    host.ok(["service", "add", "default", "--command", "env; echo END_OF_ENV"]);
    host.ok(["service", "add", "own", "--command", "env; echo END_OF_ENV", "--inherit", "host"]);
    host.ok(["service", "start", "default"]);
    host.ok(["service", "start", "own"]);
    let default = printed_env(&host, "default");
    assert!(
        default.contains(&"FROM_PROFILE=yes".to_owned()) && !default.iter().any(|v| v.starts_with("FROM_THE_HOST"))
    );
    let own = printed_env(&host, "own");
    assert!(own.contains(&"FROM_THE_HOST=here".to_owned()), "--inherit host: {own:?}");
    let status = host.ok(["service", "status", "own"]);
    assert!(status.lines().any(|l| l.starts_with("environment") && l.trim_end().ends_with(" host")), "{status}");

    std::fs::write(host.home().join("config.toml"), "[services]\ninherit = \"none\"\n").unwrap();
    host.ok(["service", "add", "bare", "--command", "env; echo END_OF_ENV"]);
    host.ok(["service", "start", "bare"]);
    let bare = printed_env(&host, "bare");
    assert!(bare.contains(&"PATH=/usr/local/bin:/usr/bin:/bin".to_owned()), "{bare:?}");
    assert!(!bare.iter().any(|v| v.starts_with("FROM_PROFILE") || v.starts_with("FROM_THE_HOST")), "{bare:?}");
    let err = host.fails(["service", "edit", "own", "--inherit", "sometimes"]);
    assert!(err.contains("use login-shell, none or host"), "{err}");
    host.ok(["service", "edit", "own", "--inherit", "default"]);
    assert!(host.ok(["service", "status", "own"]).contains("the host's setting"));
}

#[test]
fn a_login_shell_that_fails_falls_back_to_the_hosts_environment_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    home_with_profile(home.path(), "exit 3\n");
    let host = TestHost::start_with_env(&[("HOME", home.path().to_str().unwrap()), ("SHELL", "/bin/sh")]);
    host.ok(["service", "add", "x", "--command", "true"]);
    let preview = host.json(["service", "env", "x"]);
    let path = preview.as_array().unwrap().iter().find(|v| v["name"] == "PATH").expect("PATH listed");
    assert!(path["source"].as_str().unwrap().starts_with("host (the login shell failed: "), "{path}");
    // `nexsock daemon` logs to its stderr (the test's daemon.out); a background host to host.log.
    let log =
        ["daemon.out", "host.log"].map(|f| std::fs::read_to_string(host.home().join(f)).unwrap_or_default()).concat();
    assert!(log.contains("instead of the login shell's"), "{log}");
}
