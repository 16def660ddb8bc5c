//! Tokens: stored only in a real Secret Service (gnome-keyring in the host's own D-Bus session),
//! and never found in any log, the database, a config file, a command line or any CLI output.

use std::{io::Write, process::Stdio};

use nexsock_tests::{BoreServer, KeyringHost, free_port, nexsock_bin, unique_loopback, wait_for};

const TOKEN: &str = "nx-test-token-Zq8uV3kP0w";

/// `profile set-token NAME` with the token on stdin, as a script would do it.
fn set_token(kh: &KeyringHost, profile: &str, token: &str) -> std::process::Output {
    let mut child = std::process::Command::new(nexsock_bin())
        .args(["profile", "set-token", profile])
        .env("NEXSOCK_HOME", kh.host.home())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{token}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_token_round_trips_through_the_real_secret_service() {
    let kh = KeyringHost::start();
    kh.host.ok(["profile", "add", "work", "--provider", "ngrok"]);
    let listed = kh.host.json(["profile", "list"]);
    assert_eq!(listed[0]["token_set"], false);
    let out = set_token(&kh, "work", TOKEN);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = kh.host.json(["profile", "list"]);
    assert_eq!(listed[0]["token_set"], true);
    assert!(!listed.to_string().contains(TOKEN));
    let lookup = kh.secret_tool(&["lookup", "service", "nexsock", "username", "work"]);
    assert_eq!(String::from_utf8_lossy(&lookup.stdout).trim(), TOKEN, "{}", String::from_utf8_lossy(&lookup.stderr));
    kh.host.ok(["profile", "remove", "work"]);
    let lookup = kh.secret_tool(&["lookup", "service", "nexsock", "username", "work"]);
    assert!(String::from_utf8_lossy(&lookup.stdout).trim().is_empty(), "the token goes with its profile");
}

#[test]
fn setting_a_token_for_an_unknown_profile_is_refused() {
    let kh = KeyringHost::start();
    let out = set_token(&kh, "ghost", TOKEN);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no profile named `ghost`") && !err.contains(TOKEN), "{err}");
}

#[test]
fn a_token_in_use_appears_in_no_log_database_file_command_line_or_output() {
    let kh = KeyringHost::start();
    let server = BoreServer::start_on(unique_loopback(), Some(TOKEN));
    let host = &kh.host;
    let mut outputs = Vec::new();
    let mut keep = |out: std::process::Output| {
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
        out
    };
    let mut run = |args: &[&str]| keep(host.run(args));
    run(&["profile", "add", "team", "--provider", "bore", "--server", &server.ip.to_string()]);
    let port = free_port().to_string();
    run(&[
        "service",
        "add",
        "web",
        "--command",
        &format!("exec python3 -m http.server {port} --bind 127.0.0.1"),
        "--port",
        &port,
        "--health",
        "tcp",
    ]);
    run(&[
        "service",
        "add",
        "client",
        "--command",
        "echo \"url=$NEXSOCK_TUNNEL_WEB_URL\"; env; exec sleep 1000",
        "--health",
        "log:url=",
    ]);
    run(&["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--tunnel-mode", "required"]);
    let token_out = set_token(&kh, "team", TOKEN);
    let mut outputs_of_token = vec![
        String::from_utf8_lossy(&token_out.stdout).into_owned(),
        String::from_utf8_lossy(&token_out.stderr).into_owned(),
    ];
    // The server refuses clients without the secret: an open tunnel proves the token was used.
    let out = run(&["service", "start-chain", "client", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    for args in [
        &["tunnel", "list", "--json"][..],
        &["profile", "list", "--json"],
        &["service", "env", "client", "--show-tunnel-vars", "--json"],
        &["service", "logs", "client"],
        &["service", "status", "web", "--json"],
        &["export"],
        &["service", "history", "client", "--json"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}");
    }
    // Every process's command line and environment except the keyring daemon's own memory.
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            assert!(!contains(&cmdline, TOKEN), "token on the command line of {:?}", entry.path());
        }
    }
    wait_for("the client's output to be logged", std::time::Duration::from_secs(10), || {
        host.ok(["service", "logs", "client"]).contains("url=http://").then_some(())
    });
    host.ok(["shutdown"]);
    outputs.append(&mut outputs_of_token);
    for out in &outputs {
        assert!(!out.contains(TOKEN), "token in CLI output: {out}");
    }
    let mut checked = 0;
    for file in walk(host.home()) {
        if file.components().any(|c| c.as_os_str() == "xdg-data") {
            continue; // the keyring's own encrypted store
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(!contains(&bytes, TOKEN), "token found in {}", file.display());
        checked += 1;
    }
    assert!(checked >= 5, "the database, its WAL, the config, the logs were all read ({checked} files)");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.is_file() {
            out.push(path);
        }
    }
    out
}

#[test]
fn without_a_usable_keyring_the_error_says_so_and_how_to_fix_it() {
    let nowhere = format!("unix:path=/tmp/nexsock-no-bus-{}", std::process::id());
    let host = nexsock_tests::TestHost::start_with_env(&[("DBUS_SESSION_BUS_ADDRESS", nowhere.as_str())]);
    host.ok(["profile", "add", "work", "--provider", "ngrok"]);
    let mut child = std::process::Command::new(nexsock_bin())
        .args(["profile", "set-token", "work"])
        .env("NEXSOCK_HOME", host.home())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(TOKEN.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("OS keyring") && err.contains("Secret Service") && err.contains("NGROK_AUTHTOKEN"), "{err}");
    assert!(!err.contains(TOKEN));
    // Whether a token is stored cannot be known without a keyring: unknown, not "no".
    assert_eq!(host.json(["profile", "list"])[0]["token_set"], serde_json::Value::Null);
}

#[test]
fn a_keyring_that_never_answers_stalls_nothing_and_says_it_may_be_locked() {
    let kh = KeyringHost::start_hung();
    let host = &kh.host;
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    host.ok(["profile", "add", "work", "--provider", "ngrok"]);
    // A token read is under way and hangs in the keyring...
    let list = std::process::Command::new(nexsock_bin())
        .args(["profile", "list", "--json"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // ...while the engine answers everything else at once (the time is in BENCHMARKS.md; here,
    // that it answers before the keyring call has even timed out).
    let started = std::time::Instant::now();
    let services = host.json(["service", "list"]);
    let answered = started.elapsed();
    assert_eq!(services[0]["name"], "web");
    host.ok(["service", "start", "web"]);
    host.wait_state("web", "ready", std::time::Duration::from_secs(10));
    let mut list = list;
    assert!(
        list.try_wait().unwrap().is_none(),
        "`service list` and a start answered ({answered:?}) while the keyring call still hung"
    );
    // The hung read ends as "unknown", not as a wait without end or a wrong "no token".
    let out = list.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["token_set"], serde_json::Value::Null, "{listed}");
    // Storing a token fails with the typed error that says why.
    let out = set_token(&kh, "work", TOKEN);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not answer") && err.contains("may be locked") && !err.contains(TOKEN), "{err}");
}
