//! Test support for nexsock's black-box suites: a real host in its own temp directory, the real
//! `nexsock` binary, raw socket access, and `wait_for` instead of sleeps.

#![allow(missing_docs, clippy::unwrap_used)]

use std::{
    ffi::OsStr,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use nix::{
    sys::signal::{Signal, kill, killpg},
    unistd::Pid,
};
use serde_json::Value;
use tempfile::TempDir;

/// The `nexsock` binary built next to the test executable (override with `NEXSOCK_BIN`).
pub fn nexsock_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("NEXSOCK_BIN") {
        return PathBuf::from(p);
    }
    workspace_bin("nexsock")
}

/// `nexsock-testsvc`, the test service of crates/nexsock-testsvc (the Windows suite's too): it
/// listens after a delay, prints lines, starts a grandchild, ignores SIGTERM or exits with a code.
pub fn testsvc_bin() -> PathBuf {
    workspace_bin("nexsock-testsvc")
}

/// A binary of this workspace, built next to the test executable.
fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/..");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace` first", bin.display());
    bin
}

/// A running CLI command and its output lines ([`TestHost::follow`]); killed when dropped.
pub struct Follower {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` with back-off (1 ms up to 50 ms) until it returns `Some`, or panics after `timeout`
/// naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    let mut delay = Duration::from_millis(1);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

/// Whether `pid` is a live process (zombies count as dead: they hold nothing).
pub fn pid_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z" | "X"))
        }
        Err(_) => false,
    }
}

/// A port that was free a moment ago (bound to 0, then released), for services that need one.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A host of its own: temp state directory, a `nexsock daemon` child, and the CLI pointed at it.
pub struct TestHost {
    pub dir: TempDir,
    daemon: Option<Child>,
}

impl TestHost {
    /// Starts `nexsock daemon` in a fresh state directory and waits until it answers.
    pub fn start() -> Self {
        let mut host = Self::new_stopped();
        host.spawn_daemon();
        host
    }

    /// A state directory without a host (the CLI will start one on first use).
    pub fn new_stopped() -> Self {
        let dir = tempfile::Builder::new().prefix("nx").tempdir_in(short_tmp()).unwrap();
        Self { dir, daemon: None }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn socket(&self) -> PathBuf {
        self.home().join("run/nexsock.sock")
    }

    pub fn database(&self) -> PathBuf {
        self.home().join("nexsock.db")
    }

    /// Spawns the daemon in its own process group and waits for `service list` to answer.
    pub fn spawn_daemon(&mut self) {
        self.spawn_daemon_process();
        let socket = self.socket();
        wait_for("the host to answer", Duration::from_secs(20), || {
            std::os::unix::net::UnixStream::connect(&socket).ok()
        });
    }

    /// Spawns the daemon in its own process group without waiting for it to answer.
    pub fn spawn_daemon_process(&mut self) {
        let log = std::fs::File::create(self.home().join("daemon.out")).unwrap();
        let mut cmd = Command::new(nexsock_bin());
        cmd.arg("daemon")
            .env("NEXSOCK_HOME", self.home())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        self.daemon = Some(cmd.spawn().unwrap());
    }

    /// Pid of the daemon this test started.
    pub fn daemon_pid(&self) -> Option<i32> {
        self.daemon.as_ref().map(|c| i32::try_from(c.id()).unwrap())
    }

    /// SIGKILLs the daemon (not its services) and reaps it, as a crash would.
    pub fn kill_daemon(&mut self) {
        let mut child = self.daemon.take().expect("a daemon started by this test");
        kill(Pid::from_raw(i32::try_from(child.id()).unwrap()), Signal::SIGKILL).unwrap();
        child.wait().unwrap();
    }

    /// Runs the CLI against this host.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Command::new(nexsock_bin())
            .args(args)
            .env("NEXSOCK_HOME", self.home())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Starts a CLI command that keeps running (`events`, `tunnel requests -f`) against this host;
    /// its stdout lines arrive on [`Follower::lines`] as it prints them.
    pub fn follow(&self, args: &[&str]) -> Follower {
        let mut child = Command::new(nexsock_bin())
            .args(args)
            .env("NEXSOCK_HOME", self.home())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    /// Runs the CLI and asserts success; returns stdout.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_os_string()).collect();
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "nexsock {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs the CLI, asserts failure, returns stderr.
    pub fn fails<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_os_string()).collect();
        let out = self.run(&args);
        assert!(!out.status.success(), "nexsock {args:?} unexpectedly succeeded");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Runs the CLI with `--json` and parses stdout.
    pub fn json<I, S>(&self, args: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_os_string()).collect();
        all.push("--json".into());
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// The `service list --json` entry for `name`.
    pub fn status(&self, name: &str) -> Value {
        let list = self.json(["service", "list"]);
        list.as_array().unwrap().iter().find(|s| s["name"] == name).cloned().unwrap_or(Value::Null)
    }

    /// Waits until `name` is in `state`, returning its status.
    pub fn wait_state(&self, name: &str, state: &str, timeout: Duration) -> Value {
        wait_for(&format!("{name} to be {state}"), timeout, || {
            let s = self.status(name);
            (s["state"] == state).then_some(s)
        })
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        if self.socket().exists() {
            let _ = Command::new(nexsock_bin())
                .arg("shutdown")
                .env("NEXSOCK_HOME", self.home())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut child) = self.daemon.take() {
            let _ = killpg(Pid::from_raw(i32::try_from(child.id()).unwrap()), Signal::SIGKILL);
            let _ = child.wait();
        }
    }
}

/// A short temp root: Unix socket paths are limited to about 100 bytes.
fn short_tmp() -> PathBuf {
    let p = PathBuf::from("/tmp");
    if p.is_dir() { p } else { std::env::temp_dir() }
}

/// A host whose daemon runs inside its own D-Bus session with an unlocked gnome-keyring, so that
/// the OS-keyring secret store is real. `secret_tool` runs `secret-tool` in that same session.
pub struct KeyringHost {
    pub host: TestHost,
    bus_file: PathBuf,
}

impl KeyringHost {
    /// Starts `dbus-run-session`, gnome-keyring (unlocked, secrets component) and the daemon in it,
    /// with HOME and XDG directories inside the test's temp directory.
    pub fn start() -> Self {
        Self::start_with_keyring(
            "echo -n test-password | gnome-keyring-daemon --daemonize --unlock --components=secrets > /dev/null",
        )
    }

    /// The same, with a Secret Service that owns the bus name and never answers (a locked keyring
    /// waiting on its password prompt: tests/fixtures/hung-secret-service).
    pub fn start_hung() -> Self {
        let service = fixture("hung-secret-service");
        Self::start_with_keyring(&format!(
            "'{}' > \"$HOME/secret-service.out\" & \
             until grep -q ready \"$HOME/secret-service.out\" 2>/dev/null; do \
               kill -0 $! 2>/dev/null || {{ echo 'the hung Secret Service did not start' >&2; exit 1; }}; \
               sleep 0.05; \
             done",
            service.display()
        ))
    }

    /// Runs `keyring` (a shell command that brings up a Secret Service) in a new D-Bus session,
    /// then the daemon in it.
    fn start_with_keyring(keyring: &str) -> Self {
        let mut host = TestHost::new_stopped();
        let home = host.home().to_path_buf();
        let bus_file = home.join("bus-address");
        let script = format!(
            "echo \"$DBUS_SESSION_BUS_ADDRESS\" > '{bus}'; {keyring}; exec '{bin}' daemon",
            bus = bus_file.display(),
            bin = nexsock_bin().display()
        );
        let log = std::fs::File::create(home.join("daemon.out")).unwrap();
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "sh", "-c", &script])
            .env("NEXSOCK_HOME", &home)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_RUNTIME_DIR", home.join("xdg-run"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        std::fs::create_dir_all(home.join("xdg-run")).unwrap();
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        host.daemon = Some(cmd.spawn().expect("dbus-run-session (package dbus) must be installed"));
        let socket = host.socket();
        wait_for("the host in its D-Bus session to answer", Duration::from_secs(20), || {
            std::os::unix::net::UnixStream::connect(&socket).ok()
        });
        Self { host, bus_file }
    }

    /// Runs `secret-tool ARGS` in the host's D-Bus session.
    pub fn secret_tool(&self, args: &[&str]) -> Output {
        let bus = std::fs::read_to_string(&self.bus_file).unwrap();
        Command::new("secret-tool")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", bus.trim())
            .env("HOME", self.host.home())
            .output()
            .expect("secret-tool (package libsecret-tools) must be installed")
    }
}

/// A real bore server in its own runtime on its own thread; dropping it kills every connection.
pub struct BoreServer {
    pub ip: std::net::Ipv4Addr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl BoreServer {
    /// A server without a secret on a loopback address of its own.
    pub fn start() -> Self {
        Self::start_on(unique_loopback(), None)
    }

    /// A server on `ip`, requiring `secret` from clients when given.
    pub fn start_on(ip: std::net::Ipv4Addr, secret: Option<&str>) -> Self {
        let secret = secret.map(str::to_owned);
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.spawn(async move {
            let mut server = bore_cli::server::Server::new(20000..=60000, secret.as_deref());
            server.set_bind_addr(std::net::IpAddr::V4(ip));
            server.set_bind_tunnels(std::net::IpAddr::V4(ip));
            if let Err(e) = server.listen().await {
                eprintln!("bore server on {ip}: {e}");
            }
        });
        wait_for("the bore server to listen", Duration::from_secs(30), || {
            std::net::TcpStream::connect((ip, 7835)).ok()
        });
        Self { ip, runtime: Some(runtime) }
    }

    /// Stops the server and every tunnel through it.
    pub fn stop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        let ip = self.ip;
        wait_for("the bore server to stop", Duration::from_secs(30), || {
            std::net::TcpStream::connect((ip, 7835)).is_err().then_some(())
        });
    }
}

impl Drop for BoreServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// bore's control port is fixed (7835), so each server gets a loopback address of its own.
pub fn unique_loopback() -> std::net::Ipv4Addr {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    std::net::Ipv4Addr::new(127, 77 + (pid % 100) as u8, ((pid / 100) % 250) as u8 + 1, (n % 250) as u8 + 1)
}

impl TestHost {
    /// Starts `nexsock daemon` with extra environment variables (a PATH with fake tools first, a
    /// token) in a fresh state directory and waits until it answers.
    pub fn start_with_env(env: &[(&str, &str)]) -> Self {
        let mut host = Self::new_stopped();
        let log = std::fs::File::create(host.home().join("daemon.out")).unwrap();
        let mut cmd = Command::new(nexsock_bin());
        cmd.arg("daemon")
            .env("NEXSOCK_HOME", host.home())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        host.daemon = Some(cmd.spawn().unwrap());
        let socket = host.socket();
        wait_for("the host to answer", Duration::from_secs(20), || {
            std::os::unix::net::UnixStream::connect(&socket).ok()
        });
        host
    }
}

/// Live processes with `arg` as one of their command-line arguments: pid and every argument.
pub fn processes_with_arg(arg: &str) -> Vec<(i32, Vec<String>)> {
    all_cmdlines().into_iter().filter(|(_, args)| args.iter().any(|a| a == arg)).collect()
}

/// Every live process's pid and command-line arguments (read from /proc).
pub fn all_cmdlines() -> Vec<(i32, Vec<String>)> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| pid_alive(*pid))
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let args =
                raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned());
            Some((pid, args.collect()))
        })
        .collect()
}

impl TestHost {
    /// Adds `name`, a real HTTP server (`python3 -m http.server`) on a free loopback port with the
    /// given health check; with `page`, it serves that text as its index page (else it lists the
    /// host's working directory). Returns the port; the service is not started.
    pub fn add_http_service(&self, name: &str, health: &str, page: Option<&str>) -> u16 {
        let port = free_port();
        let command = format!("exec python3 -m http.server {port} --bind 127.0.0.1");
        let port_arg = port.to_string();
        let mut args = vec!["service", "add", name, "--command", &command, "--port", &port_arg, "--health", health];
        let www = self.home().join(format!("www-{name}"));
        let www_arg = www.to_str().unwrap().to_owned();
        if let Some(page) = page {
            std::fs::create_dir_all(&www).unwrap();
            std::fs::write(www.join("index.html"), page).unwrap();
            args.extend(["--cwd", &www_arg]);
        }
        self.ok(args);
        port
    }
}
