//! Records of the provider processes a host starts (ngrok agents, cloudflared, lt): one small file
//! per process group in the state directory, removed when the group ends. A host killed with
//! SIGKILL cannot stop them; the next host reads the records and does, recognising the processes
//! by the leader's start time or the marker in their environment — never by a bare pid.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};

use crate::{
    procinfo::{self, RUN_MARKER_ENV},
    statedir::{self, Access},
    supervisor::stop_group,
};

/// What is recorded of one provider process group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The group (= leader pid).
    pub pgid: i32,
    /// The leader's kernel start time.
    pub start: Option<u64>,
    /// The `NEXSOCK_RUN` marker its processes carry.
    pub token: String,
}

/// A marker unique to one process group of this host.
pub fn new_token() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("agent-{}-{nanos}", std::process::id())
}

/// The environment variable name and value that mark a provider process.
pub fn marker(token: &str) -> (&'static str, &str) {
    (RUN_MARKER_ENV, token)
}

fn file(dir: &Path, pgid: i32) -> PathBuf {
    dir.join(format!("{pgid}.json"))
}

/// Records a freshly spawned group (a 0600 file in a 0700 directory, never through a link).
pub fn write(dir: &Path, record: &Record) {
    let written = statedir::ensure_dir(dir).map_err(std::io::Error::other).and_then(|()| {
        let bytes = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        statedir::write(&file(dir, record.pgid), &bytes, Access::Replace).map_err(std::io::Error::other)
    });
    if let Err(e) = written {
        tracing::warn!(pgid = record.pgid, "cannot record a provider process for crash recovery: {e}");
    }
}

/// Forgets a group that ended.
pub fn remove(dir: &Path, pgid: i32) {
    let _ = std::fs::remove_file(file(dir, pgid));
}

/// The provider processes earlier hosts left running (records read and removed).
pub fn take_leftovers(dir: &Path) -> Vec<(Record, Vec<i32>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut alive = Vec::new();
    for entry in entries.flatten() {
        // A link is not one of ours (the host refuses to start over one): removed unread.
        let ours = entry.file_type().is_ok_and(|t| t.is_file());
        let record: Option<Record> =
            ours.then(|| std::fs::read(entry.path()).ok()).flatten().and_then(|b| serde_json::from_slice(&b).ok());
        if let Some(r) = record {
            let members = procinfo::pids(&procinfo::run_members(r.pgid, r.start, &r.token));
            if !members.is_empty() {
                alive.push((r, members));
            }
        }
        let _ = std::fs::remove_file(entry.path());
    }
    alive
}

/// Stops what [`take_leftovers`] found, all together.
pub async fn stop_leftovers(leftovers: Vec<(Record, Vec<i32>)>) {
    let mut stopping = tokio::task::JoinSet::new();
    for (record, members) in leftovers {
        tracing::warn!(pgid = record.pgid, "stopping a tunnel provider process left by a previous host");
        stopping.spawn(async move { stop(&record, &members).await });
    }
    while stopping.join_next().await.is_some() {}
}

async fn stop(r: &Record, members: &[i32]) {
    stop_group(r.pgid, Duration::from_secs(2), |signal| procinfo::signal_members(r.pgid, members, signal)).await;
}
