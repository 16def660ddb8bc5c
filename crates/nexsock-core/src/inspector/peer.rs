//! Who is asking: the proxy listens on loopback, where any local process can reach it, so each
//! connection is told apart as the tunnel's (its provider's agent or the agent's process group;
//! the host itself for a provider that runs inside it) or another local process's, named by its
//! pid, user and command line. The process is found through the kernel's socket tables (see
//! [`crate::ports::connection_peer`]); where the OS does not tell (macOS, Windows) the source is
//! [`ExchangeSource::Unknown`] rather than a guess.

use std::net::SocketAddr;

use nexsock_proto::ExchangeSource;
use tokio::net::TcpStream;

use crate::{
    ports::{self, Peer},
    procinfo,
    tunnel::TunnelAgent,
};

/// The source of the requests on `stream`, accepted from `peer`, for a tunnel carried by
/// `agent` (`None`: not known). Looked up off the async threads: it reads `/proc`.
pub(super) async fn of_connection(stream: &TcpStream, peer: SocketAddr, agent: Option<TunnelAgent>) -> ExchangeSource {
    let Ok(server) = stream.local_addr() else { return ExchangeSource::Unknown };
    tokio::task::spawn_blocking(move || lookup(peer, server, agent)).await.unwrap_or_default()
}

fn lookup(peer: SocketAddr, server: SocketAddr, agent: Option<TunnelAgent>) -> ExchangeSource {
    // Without the agent nothing can be counted as the tunnel's, and so nothing as not.
    let Some(agent) = agent else { return ExchangeSource::Unknown };
    let host = std::process::id();
    let likely = match agent {
        TunnelAgent::InProcess => host,
        TunnelAgent::Group(leader) => leader,
    };
    let Some(found) = ports::connection_peer(peer, server, &[likely]) else { return ExchangeSource::Unknown };
    source(found, agent, host, procinfo::in_group, ports::command)
}

/// What a connection whose other end `peer` holds is, for a tunnel carried by `agent`, in a host
/// whose pid is `host`. `in_group(pid, leader)` and `command(pid)` ask the OS.
fn source(
    peer: Peer,
    agent: TunnelAgent,
    host: u32,
    in_group: impl Fn(u32, u32) -> bool,
    command: impl Fn(u32) -> Option<String>,
) -> ExchangeSource {
    let is_agent = |pid: u32| match agent {
        TunnelAgent::InProcess => pid == host,
        TunnelAgent::Group(leader) => pid == leader || in_group(pid, leader),
    };
    match peer.pid {
        Some(pid) if is_agent(pid) => ExchangeSource::Tunnel,
        Some(pid) => ExchangeSource::Local { pid: Some(pid), uid: Some(peer.uid), command: command(pid) },
        None => ExchangeSource::Local { pid: None, uid: Some(peer.uid), command: None },
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const HOST: u32 = 100;
    const AGENT: u32 = 200;
    /// A child of the agent, in its group.
    const AGENT_CHILD: u32 = 201;
    const CURL: u32 = 300;

    fn local(pid: Option<u32>, command: Option<&str>) -> ExchangeSource {
        ExchangeSource::Local { pid, uid: Some(1000), command: command.map(str::to_owned) }
    }

    #[rstest]
    #[case::the_agent(TunnelAgent::Group(AGENT), Some(AGENT), ExchangeSource::Tunnel)]
    #[case::a_process_of_the_agents_group(TunnelAgent::Group(AGENT), Some(AGENT_CHILD), ExchangeSource::Tunnel)]
    #[case::another_process(TunnelAgent::Group(AGENT), Some(CURL), local(Some(CURL), Some("curl x")))]
    #[case::the_host_for_an_agent_process(TunnelAgent::Group(AGENT), Some(HOST), local(Some(HOST), None))]
    #[case::the_host_for_an_in_process_provider(TunnelAgent::InProcess, Some(HOST), ExchangeSource::Tunnel)]
    #[case::another_process_for_an_in_process_provider(
        TunnelAgent::InProcess,
        Some(CURL),
        local(Some(CURL), Some("curl x"))
    )]
    #[case::another_users_hidden_process(TunnelAgent::InProcess, None, local(None, None))]
    fn a_connection_is_the_tunnels_only_when_its_agent_holds_the_other_end(
        #[case] agent: TunnelAgent,
        #[case] pid: Option<u32>,
        #[case] expected: ExchangeSource,
    ) {
        let in_group = |pid: u32, leader: u32| leader == AGENT && pid == AGENT_CHILD;
        let command = |pid: u32| (pid == CURL).then(|| "curl x".to_owned());
        assert_eq!(source(Peer { pid, uid: 1000 }, agent, HOST, in_group, command), expected);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_from_this_process_is_found_and_named() {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
        let client = std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (_server, peer) = listener.accept().expect("accept");
        assert_eq!(peer, client.local_addr().expect("addr"));
        let me = std::process::id();
        let server = listener.local_addr().expect("addr");
        assert_eq!(lookup(peer, server, Some(TunnelAgent::InProcess)), ExchangeSource::Tunnel);
        let ExchangeSource::Local { pid, uid, command } = lookup(peer, server, Some(TunnelAgent::Group(u32::MAX)))
        else {
            panic!("not the agent's, so local")
        };
        assert_eq!((pid, uid), (Some(me), Some(nix::unistd::getuid().as_raw())));
        assert!(command.is_some_and(|c| !c.is_empty()));
        assert_eq!(lookup(peer, server, None), ExchangeSource::Unknown);
    }
}
