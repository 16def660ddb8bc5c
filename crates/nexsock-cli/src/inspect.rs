//! `nexsock tunnel requests`: the exchanges a tunnel's recording proxy kept, as a table or JSON,
//! and with `-f` the new ones as they are recorded (one line, or one JSON object, each): it
//! follows the host's `ExchangeRecorded` events and asks for what it has not printed. A request
//! that did not come through the tunnel (another local process sent it to the recording proxy's
//! port) is marked with who sent it.

use std::process::ExitCode;

use anyhow::{Result, bail};
use nexsock_core::Paths;
use nexsock_proto::{Client, ClientError, ErrorCode, Event, Exchange, ExchangeSource, Request, Response};

use crate::connect::connect_or_start;

/// Runs `tunnel requests`.
pub async fn requests(
    service: String,
    limit: Option<usize>,
    follow: bool,
    reveal: bool,
    json: bool,
) -> Result<ExitCode> {
    let paths = Paths::from_env()?;
    let mut client = connect_or_start(&paths).await?;
    if !follow {
        let exchanges = list(&mut client, &service, limit, None, reveal).await?;
        crate::output::print_response(&Response::Exchanges(exchanges), json, "")?;
        return Ok(ExitCode::SUCCESS);
    }
    // Subscribed before the first read, so that nothing recorded in between is missed; a
    // subscribed connection only streams, so the reads go over the other one.
    let mut events = connect_or_start(&paths).await?;
    events.request(Request::Subscribe).await?;
    // A follower asks for them all, to know the newest id even when it prints fewer.
    let exchanges = list(&mut client, &service, None, None, reveal).await?;
    if !json {
        outln!("{}", header());
    }
    let shown = limit.map_or(0, |n| exchanges.len().saturating_sub(n));
    let mut last = print_lines(&exchanges[shown..], json, exchanges.last().map(|e| e.id))?;
    while let Some(event) = events.next_event().await? {
        match event {
            Event::ExchangeRecorded { service: of, .. } if of == service => {
                match list(&mut client, &service, None, last, reveal).await {
                    Ok(new) => last = print_lines(&new, json, last)?,
                    // Closed in the meantime: its `TunnelClosed` follows.
                    Err(e) if closed(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            Event::TunnelClosed(tunnel) if tunnel.service == service => {
                eprintln!("the tunnel of {service} was closed");
                break;
            }
            Event::HostStopping => break,
            _ => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn closed(error: &anyhow::Error) -> bool {
    matches!(error.downcast_ref::<ClientError>(), Some(ClientError::Api(e)) if e.code == ErrorCode::UnknownTunnel)
}

/// `ListExchanges`: those recorded after `after`, the newest `limit` of them.
async fn list(
    client: &mut Client,
    service: &str,
    limit: Option<usize>,
    after: Option<u64>,
    reveal: bool,
) -> Result<Vec<Exchange>> {
    let request = Request::ListExchanges { service: service.to_owned(), limit, after, reveal };
    let Response::Exchanges(exchanges) = client.request(request).await? else {
        bail!("unexpected answer from the host")
    };
    Ok(exchanges)
}

/// Prints each exchange on a line (JSON or text); returns the last id printed.
fn print_lines(exchanges: &[Exchange], json: bool, last: Option<u64>) -> Result<Option<u64>> {
    for e in exchanges {
        if json {
            outln!("{}", serde_json::to_string(e)?);
        } else {
            outln!("{}", line(e));
        }
    }
    Ok(exchanges.last().map(|e| e.id).or(last))
}

/// Exchanges as a table for people: id, time, method, path, status, duration.
pub fn exchanges_table(exchanges: &[Exchange]) -> String {
    std::iter::once(header()).chain(exchanges.iter().map(line)).collect::<Vec<_>>().join("\n")
}

fn header() -> String {
    format!("{:>6}  {:<12}  {:<7}  {:>6}  {:>11}  PATH", "ID", "TIME (UTC)", "METHOD", "STATUS", "DURATION_MS")
}

fn line(e: &Exchange) -> String {
    let mut notes: Vec<String> = local_sender(&e.via).into_iter().collect();
    if let Some(of) = e.replay_of {
        notes.push(format!("replay of {of}"));
    }
    if let Some(error) = &e.error {
        notes.push(error.clone());
    }
    let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
    format!(
        "{:>6}  {:<12}  {:<7}  {:>6}  {:>11}  {}{notes}",
        e.id,
        clock(e.time_ms),
        e.method,
        e.status,
        e.duration_ms,
        e.path
    )
}

/// `local pid 1234: curl …` for a request another local process sent straight to the proxy;
/// nothing for one through the tunnel, a replay (marked as such) or one whose sender is not known.
fn local_sender(via: &ExchangeSource) -> Option<String> {
    match via {
        ExchangeSource::Local { pid: Some(pid), command, .. } => Some(match command.as_deref().and_then(program) {
            Some(program) => format!("local pid {pid}: {program}"),
            None => format!("local pid {pid}"),
        }),
        ExchangeSource::Local { pid: None, uid: Some(uid), .. } => Some(format!("local, uid {uid}")),
        ExchangeSource::Local { pid: None, uid: None, .. } => Some("local".to_owned()),
        ExchangeSource::Tunnel | ExchangeSource::Replay | ExchangeSource::Unknown => None,
    }
}

/// A command line's program name, `…` standing for its arguments: `curl …`.
fn program(command: &str) -> Option<String> {
    let mut words = command.split_whitespace();
    let first = words.next()?;
    let name = first.rsplit(['/', '\\']).next().unwrap_or(first);
    Some(if words.next().is_some() { format!("{name} …") } else { name.to_owned() })
}

/// `HH:MM:SS.mmm` of a unix-ms time, in UTC.
fn clock(ms: u64) -> String {
    let day_ms = ms % 86_400_000;
    let (h, m, s) = (day_ms / 3_600_000, day_ms / 60_000 % 60, day_ms / 1000 % 60);
    format!("{h:02}:{m:02}:{s:02}.{:03}", day_ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_a_utc_clock() {
        assert_eq!(clock(1_700_000_000_123), "22:13:20.123");
    }

    #[test]
    fn only_requests_from_other_local_processes_are_marked_with_their_sender() {
        let local =
            |pid, uid, command: Option<&str>| ExchangeSource::Local { pid, uid, command: command.map(Into::into) };
        let cases = [
            (
                local(Some(1234), Some(1000), Some("/usr/bin/curl -s http://127.0.0.1:5/")),
                Some("local pid 1234: curl …"),
            ),
            (local(Some(7), Some(1000), Some("python3")), Some("local pid 7: python3")),
            (local(Some(7), Some(1000), None), Some("local pid 7")),
            (local(None, Some(1001), None), Some("local, uid 1001")),
            (ExchangeSource::Tunnel, None),
            (ExchangeSource::Replay, None),
            (ExchangeSource::Unknown, None),
        ];
        for (via, marked) in cases {
            assert_eq!(local_sender(&via).as_deref(), marked, "{via:?}");
        }
    }
}
