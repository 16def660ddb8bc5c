//! What the CLI benches share: the binary under test and a `nexsock daemon` in a temp state
//! directory that never outlives the bench; the machine helpers come from nexsock-core's benches.

#![allow(dead_code)] // each bench uses its part

#[path = "../../../nexsock-core/benches/common/machine.rs"]
pub mod machine;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// `NEXSOCK_BIN`, else the binary cargo built for this bench (target/release/nexsock).
pub fn nexsock_bin() -> PathBuf {
    let bin =
        std::env::var_os("NEXSOCK_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nexsock")), PathBuf::from);
    assert!(bin.exists(), "{} is missing: run `cargo build --release -p nexsock-cli` first", bin.display());
    bin
}

/// A `nexsock daemon` in a temp state directory, in its own process group; on drop (also on
/// panic) `nexsock shutdown` stops its services, then the group is SIGKILLed and the directory
/// removed.
pub struct Daemon {
    pub home: PathBuf,
    pub bin: PathBuf,
    pub child: Child,
}

impl Daemon {
    /// Spawns the daemon; `tag` names its state directory (`/tmp/nx<tag>-PID-NANOS`).
    pub fn spawn(bin: &Path, tag: &str) -> Self {
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_nanos();
        // Short: Unix socket paths are limited to about 100 bytes.
        let home = PathBuf::from(format!("/tmp/nx{tag}-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&home).expect("creating the state directory");
        let log = std::fs::File::create(home.join("daemon.out")).expect("creating daemon.out");
        let mut cmd = Command::new(bin);
        cmd.arg("daemon")
            .env("NEXSOCK_HOME", &home)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cloning the log handle"))
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("spawning nexsock daemon");
        Self { home, bin: bin.to_owned(), child }
    }

    /// Its control socket.
    pub fn socket(&self) -> PathBuf {
        self.home.join("run/nexsock.sock")
    }

    /// Polls with back-off: first for the socket (so that the CLI does not start a second host),
    /// then until `nexsock service list` answers.
    pub fn wait_until_answering(&self) {
        let started = Instant::now();
        let mut delay = Duration::from_millis(1);
        loop {
            if self.socket().exists() && self.cli(&["service", "list", "--json"]).status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the host did not answer within 20 s: {}",
                std::fs::read_to_string(self.home.join("daemon.out")).unwrap_or_default()
            );
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_millis(100));
        }
    }

    /// Runs the CLI against this daemon.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .args(args)
            .env("NEXSOCK_HOME", &self.home)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running nexsock {}: {e}", args.join(" ")))
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "nexsock {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("the CLI prints UTF-8")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // Stops every service (their own process groups), then the host.
        let _ = Command::new(&self.bin)
            .arg("shutdown")
            .env("NEXSOCK_HOME", &self.home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Whatever is left of the daemon's group.
        let _ =
            Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}
