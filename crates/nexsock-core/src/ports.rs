//! Who listens on a TCP port. A service that declares a port must not start while something else
//! holds it, and a tcp or http readiness check counts only when the listener is the service's own
//! process: otherwise a stray dev server left on the port would pass for it.
//!
//! Linux: whether a service listens on its port is asked of the service's own sockets — each is
//! duplicated into the host (`pidfd_getfd`; services are the host's descendants) and asked for
//! its address — which costs microseconds. Naming another holder reads the kernel's socket tables
//! (`/proc/net/tcp`, `tcp6`) for the listening sockets' inodes and finds the process that has one
//! open (`/proc/PID/fd`); reading those tables takes milliseconds on a large machine, so that is
//! left to failures. Elsewhere the `listeners` crate names the process listening on a port (the
//! platform's socket tables); on macOS the listener counts as the service's when it is in the
//! service's process group. On Windows ownership is not told yet (a job object is not a group):
//! a passing check is accepted there (README says so). The same tables name the process at the
//! other end of a loopback connection (the request inspector asks who is sending; Linux only).

/// Who listens on a port, as the OS tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Nothing listens on it.
    Free,
    /// This process listens on it.
    Pid(u32),
    /// Something listens on it, but its process is not visible to us (another user's).
    Hidden,
}

impl Listener {
    /// The holder as the contract describes it (pid and command line; who started it is the
    /// engine's to add); none when the port is free.
    pub fn holder(self) -> Option<nexsock_proto::PortHolder> {
        match self {
            Self::Free => None,
            Self::Hidden => Some(nexsock_proto::PortHolder::default()),
            Self::Pid(pid) => {
                Some(nexsock_proto::PortHolder { pid: Some(pid), command: command(pid), ..Default::default() })
            }
        }
    }
}

/// Whose the listener of a port is, relative to one process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// A process of the group listens on it.
    Ours,
    /// Another process does.
    Other(Listener),
    /// Nothing listens on it, or this platform cannot tell.
    Unknown,
}

#[cfg(target_os = "linux")]
mod linux {
    use procfs::{
        net::TcpState,
        process::{FDTarget, Process},
    };
    use std::net::SocketAddr;

    use rustix::{
        net::{getsockname, sockopt::socket_acceptconn},
        process::{PidfdFlags, PidfdGetfdFlags, pidfd_getfd, pidfd_open},
    };

    /// Whether `pid` has a socket listening on `port` open, asked of each of its sockets through a
    /// duplicate (closing the duplicate leaves the process's own socket open). `None` when the
    /// process cannot be asked (not ours to inspect, or a kernel before 5.6).
    pub fn listens_on(pid: i32, port: u16) -> Option<bool> {
        let pidfd = pidfd_open(rustix::process::Pid::from_raw(pid)?, PidfdFlags::empty()).ok()?;
        let mut unknown = false;
        for fd in Process::new(pid).and_then(|p| p.fd()).ok()?.flatten() {
            if !matches!(fd.target, FDTarget::Socket(_)) {
                continue;
            }
            let Ok(socket) = pidfd_getfd(&pidfd, fd.fd, PidfdGetfdFlags::empty()) else {
                unknown = true;
                continue;
            };
            let listening = socket_acceptconn(&socket).unwrap_or(false);
            let address = getsockname(&socket).ok().and_then(|a| std::net::SocketAddr::try_from(a).ok());
            if listening && address.is_some_and(|a| a.port() == port) {
                return Some(true);
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// The inodes of the sockets listening on `port`, on any address, IPv4 or IPv6.
    pub fn listening_inodes(port: u16) -> Vec<u64> {
        [procfs::net::tcp(), procfs::net::tcp6()]
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.state == TcpState::Listen && e.local_address.port() == port)
            .map(|e| e.inode)
            .collect()
    }

    /// The inode and owner of the TCP socket whose own end is `local` and whose other end is
    /// `remote`, in either table (an IPv6 socket talking IPv4 lists IPv4-mapped addresses).
    pub fn connection_socket(local: SocketAddr, remote: SocketAddr) -> Option<(u64, u32)> {
        let same =
            |a: SocketAddr, b: SocketAddr| a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical();
        [procfs::net::tcp(), procfs::net::tcp6()]
            .into_iter()
            .flatten()
            .flatten()
            // A socket already closed by its process lingers without an inode.
            .find(|e| e.inode != 0 && same(e.local_address, local) && same(e.remote_address, remote))
            .map(|e| (e.inode, e.uid))
    }

    /// Whether `pid` has one of `inodes` open.
    pub fn holds(pid: i32, inodes: &[u64]) -> bool {
        Process::new(pid)
            .and_then(|p| p.fd())
            .map(|fds| fds.flatten().any(|fd| matches!(fd.target, FDTarget::Socket(i) if inodes.contains(&i))))
            .unwrap_or(false)
    }

    /// Every pid, newest first (a service's listener is usually among the newest processes).
    pub fn pids_newest_first() -> Vec<i32> {
        let mut pids: Vec<i32> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable_by(|a, b| b.cmp(a));
        pids
    }

    /// `pid`'s command line, arguments joined by spaces, at most 200 characters.
    pub fn command(pid: u32) -> Option<String> {
        let args = Process::new(i32::try_from(pid).ok()?).and_then(|p| p.cmdline()).ok()?;
        let line = args.join(" ");
        if line.is_empty() {
            return None;
        }
        Some(if line.chars().count() > 200 {
            format!("{}…", line.chars().take(200).collect::<String>())
        } else {
            line
        })
    }
}

/// Who listens on `port`.
pub fn listener(port: u16) -> Listener {
    #[cfg(target_os = "linux")]
    {
        let inodes = linux::listening_inodes(port);
        if inodes.is_empty() {
            return Listener::Free;
        }
        linux::pids_newest_first()
            .into_iter()
            .find(|pid| linux::holds(*pid, &inodes))
            .and_then(|pid| u32::try_from(pid).ok())
            .map_or(Listener::Hidden, Listener::Pid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        // A failure to read the socket tables cannot name anyone: the port counts as free.
        listeners::get_process_by_port(port, listeners::Protocol::TCP).map_or(Listener::Free, |p| Listener::Pid(p.pid))
    }
}

/// The process at the other end of a TCP connection that this process accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The process holding the other end, when it is visible to us (another user's may not be).
    pub pid: Option<u32>,
    /// The user owning the other end's socket.
    pub uid: u32,
}

/// Who holds the other end of the accepted connection from `peer` to `server` (the accepted
/// socket's remote and local addresses): the kernel's socket tables name the other end's socket,
/// and the process that has it open is looked for among `likely` first, then among all of them
/// (newest first). `None` when the tables do not list the connection (it is gone), or on
/// platforms other than Linux, where this is not told.
pub fn connection_peer(peer: std::net::SocketAddr, server: std::net::SocketAddr, likely: &[u32]) -> Option<Peer> {
    #[cfg(target_os = "linux")]
    {
        let (inode, uid) = linux::connection_socket(peer, server)?;
        let likely = likely.iter().filter_map(|p| i32::try_from(*p).ok());
        let pid = likely
            .chain(linux::pids_newest_first())
            .find(|pid| linux::holds(*pid, &[inode]))
            .and_then(|pid| u32::try_from(pid).ok());
        Some(Peer { pid, uid })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (peer, server, likely);
        None
    }
}

/// Whether the listener of `port` belongs to process group `pgid`. The group's leader is asked
/// first: a service that `exec`s its server is answered with a few syscalls; a server started as
/// a child costs a scan of the group. Only a listener that is not the group's is looked for in
/// the kernel's socket tables, to name it.
pub fn ownership(port: u16, pgid: u32) -> Ownership {
    #[cfg(target_os = "linux")]
    {
        let Ok(leader) = i32::try_from(pgid) else { return Ownership::Unknown };
        let mut unknown = false;
        match linux::listens_on(leader, port) {
            Some(true) => return Ownership::Ours,
            Some(false) => {}
            None => unknown = true,
        }
        let members = crate::procinfo::group_members(leader);
        for member in members.iter().filter(|p| p.pid != leader) {
            match linux::listens_on(member.pid, port) {
                Some(true) => return Ownership::Ours,
                Some(false) => {}
                None => unknown = true,
            }
        }
        let inodes = linux::listening_inodes(port);
        if inodes.is_empty() {
            return Ownership::Unknown;
        }
        // A member that could not be asked may still be the listener: ask by inode.
        if unknown && members.iter().any(|p| linux::holds(p.pid, &inodes)) {
            return Ownership::Ours;
        }
        Ownership::Other(listener(port))
    }
    #[cfg(not(target_os = "linux"))]
    {
        match listener(port) {
            Listener::Pid(pid) if crate::procinfo::in_group(pid, pgid) => Ownership::Ours,
            Listener::Pid(pid) => Ownership::Other(Listener::Pid(pid)),
            Listener::Free | Listener::Hidden => Ownership::Unknown,
        }
    }
}

/// `pid`'s command line, when it can be read.
pub fn command(pid: u32) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        linux::command(pid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}
