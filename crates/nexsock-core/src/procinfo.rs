//! What the OS says about processes nexsock did not spawn in this lifetime: whether a process
//! group still has live members, a process's start time (to tell it from a reused pid), and
//! whether it carries a run's marker in its environment. Linux reads `/proc`; other Unix systems
//! fall back to signal 0, which cannot tell zombies or reused pids apart.

use nix::{
    sys::signal::{Signal, kill, killpg},
    unistd::Pid,
};

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

/// Start times are not read on this platform.
#[cfg(not(target_os = "linux"))]
pub fn start_time(_pid: u32) -> Option<u64> {
    None
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
    #[cfg(not(target_os = "linux"))]
    {
        killpg(Pid::from_raw(pgid), None).is_ok()
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

/// Environments are not read on this platform.
#[cfg(not(target_os = "linux"))]
pub fn marker(_pid: u32) -> Option<String> {
    None
}

/// The process group of `pid`.
pub fn pgid_of(pid: u32) -> Option<u32> {
    let pid = i32::try_from(pid).ok()?;
    nix::unistd::getpgid(Some(Pid::from_raw(pid))).ok().and_then(|g| u32::try_from(g.as_raw()).ok())
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub fn pid_alive(pid: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        stat(pid).is_some_and(|s| s.state != 'Z' && s.state != 'X')
    }
    #[cfg(not(target_os = "linux"))]
    {
        kill(Pid::from_raw(pid), None).is_ok()
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
    // Without `/proc`, the leader answering signal 0 is the best evidence available.
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (leader_start, token);
        let leader = ProcStat { pid: pgid, state: 'S', pgrp: pgid, start_time: 0 };
        if kill(Pid::from_raw(pgid), None).is_ok() { vec![leader] } else { Vec::new() }
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
        Self::default()
    }

    /// [`run_members`] as of this reading.
    pub fn run_members(&self, pgid: i32, leader_start: Option<u64>, token: &str) -> Vec<ProcStat> {
        #[cfg(target_os = "linux")]
        {
            provably_of_run(self.by_group.get(&pgid).cloned().unwrap_or_default(), pgid, leader_start, token)
        }
        #[cfg(not(target_os = "linux"))]
        run_members(pgid, leader_start, token)
    }
}

/// The pids of `members`.
pub fn pids(members: &[ProcStat]) -> Vec<i32> {
    members.iter().map(|p| p.pid).collect()
}

/// Sends `signal` to a whole process group; a group that is already gone is not an error.
pub fn signal_group(pgid: i32, signal: Signal) {
    let _ = killpg(Pid::from_raw(pgid), signal);
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
    let _ = kill(Pid::from_raw(pid), signal);
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
