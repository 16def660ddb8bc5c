//! Reconciliation at host start: runs that the database still thinks are alive belong to a host
//! that died without stopping them. Their processes — recognised by the leader's start time or by
//! the run's marker in their environment, never by pid alone — are found before the host serves
//! (a scan, milliseconds), and stopped afterwards in the background, together, each with its own
//! grace, while the engine shows their services as `stopping` (see the engine's leftovers).

use std::time::{Duration, Instant};

use crate::{
    error::CoreError,
    procinfo::{self, ProcStat, ProcTable, Signal},
    store::{OpenRun, RunEnd, Store},
    time::now_ms,
};

/// A run of a previous host whose processes are still alive.
#[derive(Debug, Clone)]
pub struct Leftover {
    /// The run as the database remembers it.
    pub run: OpenRun,
    /// Its processes that are provably ours.
    pub members: Vec<ProcStat>,
}

/// What a previous host left: runs with live processes, and services whose runs were open but
/// whose processes were already gone (those runs are closed here).
#[derive(Debug, Default)]
pub struct Found {
    /// Runs to stop.
    pub leftovers: Vec<Leftover>,
    /// Services of runs whose processes were gone.
    pub gone: Vec<String>,
}

/// The reason recorded on a run whose processes the next host stopped.
pub const STOPPED: &str = "orphaned by a host that died; stopped by the next host";

/// Finds what a previous host left running; closes the runs whose processes are gone.
pub fn find(store: &Store) -> Result<Found, CoreError> {
    let mut found = Found::default();
    let runs = store.open_runs()?;
    let table = if runs.is_empty() { ProcTable::default() } else { ProcTable::read() };
    for run in runs {
        let members = table.run_members(run.pgid, run.proc_start, &run.token);
        if members.is_empty() {
            store.finish_run(
                run.run_id,
                &RunEnd {
                    at_ms: now_ms(),
                    code: None,
                    signal: None,
                    reason: Some("lost: the host stopped while it ran".into()),
                },
            )?;
            found.gone.push(run.service);
        } else {
            found.leftovers.push(Leftover { run, members });
        }
    }
    Ok(found)
}

/// How long after SIGKILL a leftover may take to disappear before it counts as unstoppable.
const KILL_WAIT: Duration = Duration::from_secs(2);

/// Stops every leftover together, on a thread of its own: SIGTERM to each group (or to the
/// marked members when the leader is gone), each leftover's own grace, then SIGKILL to what is
/// still provably ours. `done` is called for each as it ends, with what outlived even SIGKILL as
/// the error. The process table is read once per round for all of them, so hundreds of leftovers
/// cost one scan a round, not one each (and the engine's workers are not spent on it).
pub fn stop_all<T: Send + 'static>(
    leftovers: Vec<(Leftover, T)>,
    done: impl Fn(T, Result<(), String>) + Send + 'static,
) {
    if leftovers.is_empty() {
        return;
    }
    std::thread::Builder::new()
        .name("nexsock-leftovers".into())
        .spawn(move || stop_all_blocking(leftovers, &done))
        .map(drop)
        .unwrap_or_else(|e| tracing::error!("cannot start stopping a previous host's leftovers: {e}"));
}

struct Stopping<T> {
    run: OpenRun,
    tag: Option<T>,
    /// When SIGKILL is due (after the grace), then when giving up is (after [`KILL_WAIT`]).
    deadline: Instant,
    killed: bool,
}

fn stop_all_blocking<T>(leftovers: Vec<(Leftover, T)>, done: &impl Fn(T, Result<(), String>)) {
    let now = Instant::now();
    let mut pending: Vec<Stopping<T>> = leftovers
        .into_iter()
        .map(|(Leftover { run, members }, tag)| {
            tracing::warn!(service = %run.service, pgid = run.pgid, members = ?procinfo::pids(&members), "stopping processes left by a previous host");
            procinfo::signal_members(run.pgid, &procinfo::pids(&members), Signal::Term);
            let deadline = now + Duration::from_secs(run.stop_grace_secs);
            Stopping { run, tag: Some(tag), deadline, killed: false }
        })
        .collect();
    let mut delay = Duration::from_millis(1);
    while !pending.is_empty() {
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_millis(50));
        let table = ProcTable::read();
        let now = Instant::now();
        for leftover in &mut pending {
            let Stopping { run, tag, deadline, killed } = leftover;
            let members = table.run_members(run.pgid, run.proc_start, &run.token);
            let result = if members.is_empty() {
                Ok(())
            } else if now < *deadline {
                continue;
            } else if !*killed {
                // Only what is still provably ours gets the kill.
                procinfo::signal_members(run.pgid, &procinfo::pids(&members), Signal::Kill);
                *killed = true;
                *deadline = now + KILL_WAIT;
                continue;
            } else {
                Err(format!("processes {:?} outlived SIGKILL", procinfo::pids(&members)))
            };
            if let Some(tag) = tag.take() {
                done(tag, result);
            }
        }
        pending.retain(|l| l.tag.is_some());
    }
}
