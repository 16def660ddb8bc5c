//! `nexsock events`: the host's event stream, one event a line with its local time, like
//! `docker events`; `--json` adds `at_ms` to each event object. Services' output lines only with
//! `--logs` (or `--type Log`). It ends when the host stops.

use std::process::ExitCode;

use anyhow::{Result, bail};
use nexsock_core::{
    Paths,
    time::{local_datetime, now_ms},
};
use nexsock_proto::{Event, Request};

use crate::{connect::connect_or_start, output::describe_event};

/// Which events `nexsock events` prints.
#[derive(Debug, Default)]
pub struct EventFilter {
    /// Only those about this service.
    pub service: Option<String>,
    /// Services' output lines too.
    pub logs: bool,
    /// Only these types (wire names, as [`Event::KINDS`]); all when empty.
    pub types: Vec<&'static str>,
}

impl EventFilter {
    /// A filter from the command line: `types` as `--json` names them (case, `-` and `_` aside:
    /// `service-changed` is `ServiceChanged`). An unknown type is an error listing the known ones.
    pub fn new(service: Option<String>, logs: bool, types: &[String]) -> Result<Self> {
        let types = types.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).map(kind).collect::<Result<_>>()?;
        Ok(Self { service, logs, types })
    }

    fn wants(&self, event: &Event) -> bool {
        if matches!(event, Event::HostStopping) {
            return true;
        }
        let kind = event.kind();
        let typed = if self.types.is_empty() {
            self.logs || !matches!(event, Event::Log { .. })
        } else {
            self.types.contains(&kind)
        };
        typed && self.service.as_deref().is_none_or(|name| event.services().contains(&name))
    }
}

/// The wire name of the event type the user spelled `name`.
fn kind(name: &str) -> Result<&'static str> {
    let bare = |s: &str| s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
    match Event::KINDS.iter().find(|k| bare(k) == bare(name)) {
        Some(k) => Ok(k),
        None => bail!("unknown event type `{name}`; the types are: {}", Event::KINDS.join(", ")),
    }
}

/// Subscribes and prints the events `filter` wants until the host stops.
pub async fn stream(filter: EventFilter, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    client.request(Request::Subscribe).await?;
    while let Some(event) = client.next_event().await? {
        let last = matches!(event, Event::HostStopping);
        if filter.wants(&event) {
            // A line carries the time the host read it; other events the time they came.
            let at_ms = match &event {
                Event::Log { line, .. } => line.at_ms.unwrap_or_else(now_ms),
                _ => now_ms(),
            };
            if json {
                let mut value = serde_json::to_value(&event)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert("at_ms".into(), at_ms.into());
                }
                outln!("{value}");
            } else {
                outln!("{} {}", local_datetime(at_ms), describe_event(&event));
            }
        }
        if last {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use nexsock_proto::{LogLine, Stream};

    use super::*;

    #[test]
    fn types_are_named_as_on_the_wire_in_any_case_and_unknown_ones_are_listed() {
        assert_eq!(kind("ServiceChanged").ok(), Some("ServiceChanged"));
        assert_eq!(kind("service-changed").ok(), Some("ServiceChanged"));
        let err = kind("Started").expect_err("unknown").to_string();
        assert!(err.contains("`Started`") && err.contains("TunnelFailed"), "{err}");
    }

    #[test]
    fn log_lines_pass_only_when_asked_for() {
        let log = Event::Log {
            service: "api".into(),
            line: LogLine { stream: Stream::Stdout, text: "GET /".into(), at_ms: None },
        };
        let removed = Event::ServiceRemoved { name: "api".into() };
        let all = EventFilter::new(None, false, &[]).expect("valid");
        assert!(!all.wants(&log) && all.wants(&removed));
        assert!(EventFilter::new(None, true, &[]).expect("valid").wants(&log));
        let typed = EventFilter::new(None, false, &["Log".into()]).expect("valid");
        assert!(typed.wants(&log) && !typed.wants(&removed) && typed.wants(&Event::HostStopping));
        let other = EventFilter::new(Some("web".into()), true, &[]).expect("valid");
        assert!(!other.wants(&log));
    }
}
