//! The state directory is ours (issue 25): links planted in it, or a directory of another user,
//! stop the host before it writes anything, with the CLI saying why; everything the host makes
//! there is 0600 in 0700 directories, and an older install's 0644 files are tightened.

#![allow(missing_docs, clippy::unwrap_used)]

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt, symlink},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use nexsock_tests::{TestHost, fixture, free_port, nexsock_bin, testsvc_bin, wait_for};
use rstest::rstest;
use tempfile::TempDir;

const T: Duration = Duration::from_secs(30);

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A file outside the state directory that a planted link points at, and what it holds.
struct Target {
    _dir: TempDir,
    path: PathBuf,
}

const PRECIOUS: &[u8] = b"precious contents\n";

impl Target {
    fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("nxtarget").tempdir_in("/tmp").unwrap();
        let path = dir.path().join("precious");
        std::fs::write(&path, PRECIOUS).unwrap();
        set_mode(&path, 0o644);
        Self { _dir: dir, path }
    }

    fn assert_untouched(&self) {
        assert_eq!(std::fs::read(&self.path).unwrap(), PRECIOUS, "the link's target was written");
        assert_eq!(mode(&self.path), 0o644, "the link's target was chmodded");
    }
}

#[rstest]
#[case::the_lock("host.lock")]
#[case::the_host_log("host.log")]
#[case::the_database("nexsock.db")]
#[case::the_database_wal("nexsock.db-wal")]
#[case::the_database_shm("nexsock.db-shm")]
#[case::the_config("config.toml")]
fn a_symlink_in_the_state_directory_stops_the_host_and_its_target_is_untouched(#[case] name: &str) {
    let host = TestHost::new_stopped();
    let target = Target::new();
    let link = host.home().join(name);
    symlink(&target.path, &link).unwrap();
    let err = host.fails(["service", "list"]);
    assert!(err.contains(&format!("refusing the state file {}", link.display())), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    target.assert_untouched();
    assert!(!host.socket().exists(), "no host answers");
}

#[test]
fn a_symlinked_runtime_directory_stops_the_host_and_its_target_keeps_its_mode() {
    let host = TestHost::new_stopped();
    let elsewhere = tempfile::Builder::new().prefix("nxrun").tempdir_in("/tmp").unwrap();
    set_mode(elsewhere.path(), 0o755);
    let run = host.home().join("run");
    symlink(elsewhere.path(), &run).unwrap();
    let err = host.fails(["service", "list"]);
    assert!(err.contains(&format!("refusing the state directory {}", run.display())), "{err}");
    assert_eq!(mode(elsewhere.path()), 0o755);
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "no socket was made there");
}

#[test]
fn a_symlinked_service_log_fails_the_start_and_its_target_is_untouched() {
    let host = TestHost::start();
    let command = format!("exec '{}' --print hello", testsvc_bin().display());
    host.ok(["service", "add", "talker", "--command", &command]);
    let target = Target::new();
    symlink(&target.path, host.home().join("logs/talker.log")).unwrap();
    let err = host.fails(["service", "start", "talker"]);
    assert!(err.contains("logs/talker.log") && err.contains("symbolic link"), "{err}");
    target.assert_untouched();
}

/// Our uid: the owner of a file we just made.
fn our_uid(host: &TestHost) -> u32 {
    let probe = host.home().join("uid-probe");
    std::fs::write(&probe, "").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(probe).unwrap();
    uid
}

#[test]
fn a_state_directory_of_another_user_is_refused_naming_it() {
    let host = TestHost::new_stopped();
    if our_uid(&host) != 0 {
        eprintln!("skipped: giving a directory to another user needs root");
        return;
    }
    let home = host.home();
    set_mode(home, 0o777);
    std::os::unix::fs::chown(home, Some(65534), Some(65534)).unwrap();
    let err = host.fails(["service", "list"]);
    assert!(err.contains(&format!("refusing the state directory {}", home.display())), "{err}");
    assert!(err.contains("owned by uid 65534, not you (uid 0)") && err.contains("NEXSOCK_HOME"), "{err}");
    assert_eq!(mode(home), 0o777, "not chmodded");
    assert_eq!(std::fs::read_dir(home).unwrap().count(), 0, "nothing was created in it");
    // The daemon itself refuses it too, and exits instead of serving.
    let said = daemon_refuses(home);
    assert!(said.contains(&format!("refusing the state directory {}", home.display())), "{said}");
}

/// Runs `nexsock daemon` for `home`, expecting it to exit with a failure (it is killed, and the
/// test fails, if it is still running after a while); returns its stderr.
fn daemon_refuses(home: &Path) -> String {
    let out = tempfile::NamedTempFile::new().unwrap();
    let daemon = Command::new(nexsock_bin())
        .arg("daemon")
        .env("NEXSOCK_HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(out.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut daemon = KilledOnDrop(daemon);
    let status = wait_for("the daemon to exit", T, || daemon.0.try_wait().unwrap());
    assert!(!status.success(), "the daemon did not refuse");
    std::fs::read_to_string(out.path()).unwrap()
}

/// A child that does not outlive a failed test.
struct KilledOnDrop(std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the CLI against `host` with `PATH` starting with `bin` (the host it starts inherits it).
fn run_with_path(host: &TestHost, bin: &Path, args: &[&str]) {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(nexsock_bin())
        .args(args)
        .env("NEXSOCK_HOME", host.home())
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "nexsock {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Every path under `dir` that is not 0700 (directories) or 0600 (anything else).
fn too_open(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if meta.mode() & 0o7777 != want {
            found.push(format!("{} {:04o}", path.display(), meta.mode() & 0o7777));
        }
        if meta.is_dir() {
            found.extend(too_open(&path));
        }
    }
    found
}

#[test]
fn everything_the_host_makes_in_its_state_directory_is_0600_in_0700_directories() {
    let host = TestHost::new_stopped();
    let bin = tempfile::Builder::new().prefix("nxfake").tempdir_in("/tmp").unwrap();
    symlink(fixture("fake-lt"), bin.path().join("lt")).unwrap();
    // The CLI starts the host (host.log), which gets a profile (config.toml), a service with
    // output (its log) and a tunnel whose provider process is recorded (agents/).
    run_with_path(&host, bin.path(), &["profile", "add", "lt", "--provider", "localtunnel"]);
    let port = free_port().to_string();
    let command = format!("exec '{}' --print hello --listen {port}", testsvc_bin().display());
    host.ok(["service", "add", "talker", "--command", &command, "--port", &port, "--health", "tcp"]);
    host.ok(["service", "start", "talker"]);
    host.ok(["tunnel", "open", "talker", "--profile", "lt"]);
    let home = host.home();
    wait_for("the provider's record in agents/", T, || {
        (std::fs::read_dir(home.join("agents")).ok()?.count() > 0).then_some(())
    });
    wait_for("talker's output in its log", T, || {
        std::fs::read_to_string(home.join("logs/talker.log")).ok()?.contains("hello").then_some(())
    });
    for made in ["host.log", "host.lock", "config.toml", "nexsock.db", "nexsock.db-wal", "nexsock.db-shm"] {
        assert!(home.join(made).exists(), "{made} was not made");
    }
    assert_eq!(mode(home), 0o700);
    assert_eq!(too_open(home), Vec::<String>::new());
}

#[test]
fn an_older_installs_readable_files_and_open_directories_are_tightened_on_start() {
    let host = TestHost::new_stopped();
    // What an older nexsock left under umask 022 (an empty file is an empty SQLite database).
    let home = host.home();
    std::fs::create_dir(home.join("logs")).unwrap();
    for (file, contents) in
        [("nexsock.db", ""), ("host.lock", "123"), ("host.log", "old\n"), ("logs/talker.log", "x\n")]
    {
        std::fs::write(home.join(file), contents).unwrap();
        set_mode(&home.join(file), 0o644);
    }
    set_mode(&home.join("logs"), 0o755);
    set_mode(home, 0o755);
    host.ok(["service", "list"]);
    assert_eq!(too_open(home), Vec::<String>::new());
    assert_eq!(mode(home), 0o700);
    let log = std::fs::read_to_string(home.join("host.log")).unwrap();
    assert!(log.contains(&format!("tightened {} from mode 0644 to 0600", home.join("nexsock.db").display())), "{log}");
}
