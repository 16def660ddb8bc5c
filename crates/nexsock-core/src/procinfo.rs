//! What the OS says about processes nexsock did not spawn in this lifetime: whether a process
//! group still has live members, a process's start time (to tell it from a reused pid), and
//! whether it carries a run's marker in its environment; and the one way to signal them. Linux
//! reads `/proc`; macOS and Windows ask the OS through `sysinfo` (start time and environment by
//! pid). Windows has no process groups or signals: a "group" is the leader and its descendants;
//! the leader is asked to end with `taskkill`, and each of them ended with `taskkill /F` (a
//! supervised service's own job object ends it whole instead, see the supervisor).

#[cfg(unix)]
use nix::{
    sys::signal::{kill, killpg},
    unistd::Pid,
};

/// How a stop addresses a process: asked to end, or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Asked to end: SIGTERM; on Windows `taskkill` to the leader (closes windowed programs; a
    /// console program cannot be asked and waits for the forced end).
    Term,
    /// Ended: SIGKILL; on Windows `taskkill /F` to the leader and each descendant.
    Kill,
}

#[cfg(unix)]
impl From<Signal> for nix::sys::signal::Signal {
    fn from(signal: Signal) -> Self {
        match signal {
            Signal::Term => Self::SIGTERM,
            Signal::Kill => Self::SIGKILL,
        }
    }
}

/// Name of the environment variable that marks every process of a run.
pub const RUN_MARKER_ENV: &str = "NEXSOCK_RUN";

/// One process as `/proc/PID/stat` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// One-letter state (`R`, `S`, `Z`, ...).
    pub state: char,
    /// Process group.
    pub pgrp: i32,
    /// Start time in clock ticks since boot.
    pub start_time: u64,
}

/// Parses the text of `/proc/PID/stat`. The command name may hold spaces and parentheses, so
/// fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let pid = text.split_whitespace().next()?.parse().ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) pgrp(5) ... starttime(22); fields[0] is field 3.
    Some(ProcStat {
        pid,
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Reads one process's stat; `None` when it does not exist.
#[cfg(target_os = "linux")]
pub fn stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The kernel start time of `pid`, used to recognise it after a restart of the host.
#[cfg(target_os = "linux")]
pub fn start_time(pid: u32) -> Option<u64> {
    stat(i32::try_from(pid).ok()?).map(|s| s.start_time)
}

/// The start time of `pid` in seconds since the epoch (as the OS reports its creation time).
#[cfg(not(target_os = "linux"))]
pub fn start_time(pid: u32) -> Option<u64> {
    os::process(pid, false).map(|p| p.start_time)
}

/// Live (non-zombie) members of a process group.
#[cfg(target_os = "linux")]
pub fn group_members(pgid: i32) -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(stat)
        .filter(|s| s.pgrp == pgid && s.state != 'Z' && s.state != 'X')
        .collect()
}

/// Whether the group has any process at all, zombies included: one syscall.
#[cfg(unix)]
pub fn group_exists(pgid: i32) -> bool {
    killpg(Pid::from_raw(pgid), None) != Err(nix::errno::Errno::ESRCH)
}

/// Whether any process of the group is alive (not a zombie). A group with no process at all is
/// told by one syscall; only one that still has some is looked for in `/proc` (zombies count as
/// gone there). Stops poll this, so the common case must be cheap.
pub fn group_alive(pgid: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        group_exists(pgid) && !group_members(pgid).is_empty()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        killpg(Pid::from_raw(pgid), None).is_ok()
    }
    #[cfg(windows)]
    {
        u32::try_from(pgid).is_ok_and(|leader| !os::tree(leader).is_empty())
    }
}

/// Whether `pid`'s environment holds `NEXSOCK_RUN=token`.
#[cfg(target_os = "linux")]
pub fn has_marker(pid: i32, token: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else { return false };
    let wanted = format!("{RUN_MARKER_ENV}={token}");
    environ.split(|b| *b == 0).any(|entry| entry == wanted.as_bytes())
}

/// The run marker in `pid`'s environment (`NEXSOCK_RUN`), when it has one.
#[cfg(target_os = "linux")]
pub fn marker(pid: u32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{RUN_MARKER_ENV}=");
    environ
        .split(|b| *b == 0)
        .find_map(|entry| entry.strip_prefix(prefix.as_bytes()))
        .map(|token| String::from_utf8_lossy(token).into_owned())
}

/// The run marker in `pid`'s environment (`NEXSOCK_RUN`), when it has one and the OS lets us
/// read it.
#[cfg(not(target_os = "linux"))]
pub fn marker(pid: u32) -> Option<String> {
    os::process(pid, true)?.marker
}

/// The process group of `pid`.
#[cfg(unix)]
pub fn pgid_of(pid: u32) -> Option<u32> {
    let pid = i32::try_from(pid).ok()?;
    nix::unistd::getpgid(Some(Pid::from_raw(pid))).ok().and_then(|g| u32::try_from(g.as_raw()).ok())
}

/// The "group" of `pid` on Windows: the ancestor the host started (a service's or an agent's
/// leader), else `pid` itself.
#[cfg(windows)]
pub fn pgid_of(pid: u32) -> Option<u32> {
    os::group_of(pid)
}

/// Whether `pid` belongs to the group led by `pgid`: its process group on Unix, the leader or
/// one of its descendants on Windows.
pub fn in_group(pid: u32, pgid: u32) -> bool {
    #[cfg(unix)]
    {
        pgid_of(pid) == Some(pgid)
    }
    #[cfg(windows)]
    {
        os::tree(pgid).iter().any(|p| p.pid == pid)
    }
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub fn pid_alive(pid: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        stat(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
    }
    #[cfg(not(target_os = "linux"))]
    {
        u32::try_from(pid).ok().and_then(|pid| os::process(pid, false)).is_some()
    }
}

/// Members of `pgid` that provably belong to the run: the leader with its recorded start time, or
/// any member carrying the run's marker. A group whose id was reused by an unrelated program
/// yields nothing.
pub fn run_members(pgid: i32, leader_start: Option<u64>, token: &str) -> Vec<ProcStat> {
    #[cfg(target_os = "linux")]
    {
        provably_of_run(group_members(pgid), pgid, leader_start, token)
    }
    #[cfg(not(target_os = "linux"))]
    {
        os::run_members(&os::table(), pgid, leader_start, token)
    }
}

#[cfg(target_os = "linux")]
fn provably_of_run(members: Vec<ProcStat>, pgid: i32, leader_start: Option<u64>, token: &str) -> Vec<ProcStat> {
    members
        .into_iter()
        .filter(|p| (p.pid == pgid && leader_start == Some(p.start_time)) || has_marker(p.pid, token))
        .collect()
}

/// One reading of the process table, by group: finding the leftovers of many runs reads it once
/// rather than once per run.
#[derive(Debug, Default)]
pub struct ProcTable {
    #[cfg(target_os = "linux")]
    by_group: std::collections::HashMap<i32, Vec<ProcStat>>,
    #[cfg(not(target_os = "linux"))]
    processes: Vec<os::Process>,
}

impl ProcTable {
    /// Reads the live (non-zombie) processes.
    pub fn read() -> Self {
        #[cfg(target_os = "linux")]
        {
            let mut by_group = std::collections::HashMap::<i32, Vec<ProcStat>>::new();
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for s in dir
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                    .filter_map(stat)
                    .filter(|s| s.state != 'Z' && s.state != 'X')
                {
                    by_group.entry(s.pgrp).or_default().push(s);
                }
            }
            Self { by_group }
        }
        #[cfg(not(target_os = "linux"))]
        Self { processes: os::table() }
    }

    /// [`run_members`] as of this reading.
    pub fn run_members(&self, pgid: i32, leader_start: Option<u64>, token: &str) -> Vec<ProcStat> {
        #[cfg(target_os = "linux")]
        {
            provably_of_run(self.by_group.get(&pgid).cloned().unwrap_or_default(), pgid, leader_start, token)
        }
        #[cfg(not(target_os = "linux"))]
        os::run_members(&self.processes, pgid, leader_start, token)
    }
}

/// The pids of `members`.
pub fn pids(members: &[ProcStat]) -> Vec<i32> {
    members.iter().map(|p| p.pid).collect()
}

/// Sends `signal` to a whole process group; a group that is already gone is not an error.
pub fn signal_group(pgid: i32, signal: Signal) {
    #[cfg(unix)]
    let _ = killpg(Pid::from_raw(pgid), nix::sys::signal::Signal::from(signal));
    #[cfg(windows)]
    match signal {
        // The leader alone: `taskkill /T` is not everywhere (Wine has no /T).
        Signal::Term => os::taskkill(pgid, signal),
        Signal::Kill => {
            for p in u32::try_from(pgid).map(os::tree).unwrap_or_default() {
                os::taskkill(i32::try_from(p.pid).unwrap_or(i32::MAX), signal);
            }
        }
    }
}

/// Sends `signal` to what a run left of group `pgid`: the whole group when its leader is among
/// `members` (the leader is provably ours, so the group is), else each of `members` alone.
pub fn signal_members(pgid: i32, members: &[i32], signal: Signal) {
    if members.contains(&pgid) {
        signal_group(pgid, signal);
    } else {
        for pid in members {
            signal_pid(*pid, signal);
        }
    }
}

/// Sends `signal` to one process; a process that is already gone is not an error.
pub fn signal_pid(pid: i32, signal: Signal) {
    #[cfg(unix)]
    let _ = kill(Pid::from_raw(pid), nix::sys::signal::Signal::from(signal));
    #[cfg(windows)]
    os::taskkill(pid, signal);
}

/// Processes as macOS and Windows report them, through `sysinfo`.
#[cfg(not(target_os = "linux"))]
mod os {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

    use super::{ProcStat, RUN_MARKER_ENV};

    /// What reconciliation needs of one process.
    #[derive(Debug, Clone)]
    pub struct Process {
        pub pid: u32,
        pub parent: Option<u32>,
        /// Seconds since the epoch.
        pub start_time: u64,
        /// `NEXSOCK_RUN` from its environment, when readable.
        pub marker: Option<String>,
    }

    /// What to read of each process: parent and start time always; the environment (one read of
    /// another process's memory each) only where a run's marker is looked for.
    fn kind(environ: bool) -> ProcessRefreshKind {
        let kind = ProcessRefreshKind::nothing();
        if environ { kind.with_environ(UpdateKind::Always) } else { kind }
    }

    fn of(pid: Pid, p: &sysinfo::Process) -> Process {
        let prefix = format!("{RUN_MARKER_ENV}=");
        let marker = p.environ().iter().find_map(|e| e.to_str()?.strip_prefix(prefix.as_str()).map(str::to_owned));
        Process { pid: pid.as_u32(), parent: p.parent().map(Pid::as_u32), start_time: p.start_time(), marker }
    }

    /// One process, when it exists; its run marker only with `environ`.
    pub fn process(pid: u32, environ: bool) -> Option<Process> {
        let mut sys = System::new();
        let pid = Pid::from_u32(pid);
        sys.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, kind(environ));
        sys.process(pid).map(|p| of(pid, p))
    }

    /// Every process, with its run marker (reconciliation).
    pub fn table() -> Vec<Process> {
        read_all(true)
    }

    /// Every process without its environment: stops poll this, so it must stay cheap.
    #[cfg(windows)]
    fn family() -> Vec<Process> {
        read_all(false)
    }

    fn read_all(environ: bool) -> Vec<Process> {
        let mut sys = System::new();
        sys.refresh_processes_specifics(ProcessesToUpdate::All, true, kind(environ));
        sys.processes().iter().map(|(pid, p)| of(*pid, p)).collect()
    }

    /// The ancestor of `pid` whose parent is this host (what the host started), else `pid`.
    #[cfg(windows)]
    pub fn group_of(pid: u32) -> Option<u32> {
        let all = family();
        let host = std::process::id();
        let mut current = all.iter().find(|p| p.pid == pid)?;
        // Bounded: a pid reused by a process younger than its "child" could make a loop.
        for _ in 0..64 {
            match current.parent {
                Some(parent) if parent == host => return Some(current.pid),
                Some(parent) => match all.iter().find(|p| p.pid == parent) {
                    Some(p) => current = p,
                    None => break,
                },
                None => break,
            }
        }
        Some(pid)
    }

    /// `leader` and its descendants, when `leader` is alive.
    #[cfg(windows)]
    pub fn tree(leader: u32) -> Vec<Process> {
        descendants(&family(), leader)
    }

    fn descendants(all: &[Process], leader: u32) -> Vec<Process> {
        let mut found: Vec<Process> = all.iter().filter(|p| p.pid == leader).cloned().collect();
        let mut i = 0;
        while i < found.len() {
            let parent = found[i].pid;
            found.extend(all.iter().filter(|p| p.parent == Some(parent) && p.pid != parent).cloned());
            i += 1;
        }
        found
    }

    /// What of the run led by `pgid` is provably ours: the leader when its start time is the
    /// recorded one (then its descendants too), and any process carrying the run's marker.
    pub fn run_members(all: &[Process], pgid: i32, leader_start: Option<u64>, token: &str) -> Vec<ProcStat> {
        let Ok(leader) = u32::try_from(pgid) else { return Vec::new() };
        let leader_is_ours =
            leader_start.is_some() && all.iter().any(|p| p.pid == leader && Some(p.start_time) == leader_start);
        let mut members: Vec<Process> = if leader_is_ours { descendants(all, leader) } else { Vec::new() };
        for p in all.iter().filter(|p| p.marker.as_deref() == Some(token)) {
            if !members.iter().any(|m| m.pid == p.pid) {
                members.push(p.clone());
            }
        }
        members
            .into_iter()
            .filter_map(|p| {
                Some(ProcStat { pid: i32::try_from(p.pid).ok()?, state: 'S', pgrp: pgid, start_time: p.start_time })
            })
            .collect()
    }

    /// `taskkill /PID pid [/F]`: Windows' way to ask a process to end (windowed programs get
    /// WM_CLOSE), or with `/F` to end it. Not waited for: stops poll for the result.
    #[cfg(windows)]
    pub fn taskkill(pid: i32, signal: super::Signal) {
        let mut cmd = std::process::Command::new("taskkill");
        cmd.arg("/PID").arg(pid.to_string());
        if signal == super::Signal::Kill {
            cmd.arg("/F");
        }
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        if let Err(e) = cmd.spawn() {
            tracing::warn!("cannot run taskkill for process {pid}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parens_in_the_name_parses() {
        let text = "4242 (my (weird) name) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50";
        let s = parse_stat(text).expect("parses");
        assert_eq!(s, ProcStat { pid: 4242, state: 'S', pgrp: 4240, start_time: 987654 });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn our_own_process_is_found_with_its_start_time() {
        let me = std::process::id();
        let s = stat(i32::try_from(me).expect("pid fits")).expect("we exist");
        assert_eq!(start_time(me), Some(s.start_time));
    }
}
