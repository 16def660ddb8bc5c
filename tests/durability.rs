//! A full disk: nothing is acknowledged that was not stored, a start whose run cannot be
//! recorded leaves no process behind, and failed log writes are counted — on a real tmpfs of
//! 2 MB mounted over the host's state directory (root only: elsewhere the test says it skipped).

use std::{path::Path, process::Command, time::Duration};

use nexsock_tests::{TestHost, pid_alive, wait_for};
use serde_json::Value;

const T: Duration = Duration::from_secs(20);

/// A tmpfs mounted over `dir` for the test's life (lazily unmounted after).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path) -> Option<Self> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_owned()))
    }

    /// Fills it: writes until the file system says it is full; returns the filler's path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).and_then(|()| f.sync_all()).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn names(host: &TestHost) -> Vec<String> {
    let list = host.json(["service", "list"]);
    list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn on_a_full_disk_nothing_is_acknowledged_that_a_restart_does_not_find() {
    let mut host = TestHost::new_stopped();
    let Some(disk) = Tmpfs::mount(host.home()) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    host.spawn_daemon();
    host.ok(["service", "add", "talker", "--command", "while true; do echo talking; sleep 0.02; done"]);
    host.ok(["service", "start", "talker"]);
    host.ok(["service", "add", "late", "--command", "exec sleep 1000"]);
    let filler = disk.fill();

    // Services are added until the disk refuses one; each refusal is storage_failed.
    let mut acknowledged = vec!["talker".to_owned(), "late".to_owned()];
    let mut refused = None;
    for i in 0..300 {
        let name = format!("x{i}");
        let command = format!("exec sleep 1000 # {}", "padding ".repeat(100));
        let out = host.run(["service", "add", &name, "--command", &command]);
        if out.status.success() {
            acknowledged.push(name);
        } else {
            refused = Some((name, String::from_utf8_lossy(&out.stderr).into_owned()));
            break;
        }
    }
    let (name, err) = refused.expect("a full disk refuses an add at last");
    assert!(err.contains("storage failed") && err.contains("nothing was stored"), "{err}");
    assert!(!names(&host).contains(&name), "what was refused is not listed");
    let json = host.run(["service", "add", &name, "--command", "true", "--json"]);
    assert!(!json.status.success());

    // The talker keeps running; its lost log lines are counted.
    let status = wait_for("a failed log write in talker's status", T, || {
        let d = host.json(["service", "status", "talker"]);
        (d["status"]["log_write_failures"].as_u64() > Some(0)).then_some(d)
    });
    assert_eq!(status["status"]["state"], "ready", "{status}");
    assert!(status["status"]["last_log_error"].as_str().unwrap_or_default().contains("No space left"), "{status}");
    assert!(host.ok(["service", "status", "talker"]).contains("lines not written to its log"));

    // A start now either records its run (ready, and a next host would find it) or fails and
    // leaves no process.
    let start = host.run(["service", "start", "late"]);
    let late: Value = host.status("late");
    if start.status.success() {
        assert_eq!(late["state"], "ready");
    } else {
        let err = String::from_utf8_lossy(&start.stderr);
        assert!(err.contains("could not be recorded"), "{err}");
        wait_for("late to be down", T, || (host.status("late")["pid"].is_null()).then_some(()));
    }
    let late_pid = late["pid"].as_i64();

    // Space again, a crash and a new host: exactly what was acknowledged is there.
    std::fs::remove_file(filler).unwrap();
    host.kill_daemon();
    host.spawn_daemon();
    let mut listed = names(&host);
    listed.sort();
    acknowledged.sort();
    assert_eq!(listed, acknowledged);
    if let Some(pid) = late_pid {
        // The crashed host's run was recorded: the new one finds and stops it.
        let pid = i32::try_from(pid).unwrap();
        wait_for("the recorded leftover to be stopped", T, || (!pid_alive(pid)).then_some(()));
    }
    host.ok(["shutdown"]);
    drop(disk);
}
