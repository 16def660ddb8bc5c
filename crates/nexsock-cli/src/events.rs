//! `nexsock events`: the host's event stream, one event a line, like `docker events`. It ends
//! when the host stops.

use std::process::ExitCode;

use anyhow::Result;
use nexsock_core::Paths;
use nexsock_proto::{Event, Request};

use crate::{connect::connect_or_start, output::describe_event};

/// Subscribes and prints every event (about `service`, when given) until the host stops.
pub async fn stream(service: Option<&str>, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    client.request(Request::Subscribe).await?;
    while let Some(event) = client.next_event().await? {
        let last = matches!(event, Event::HostStopping);
        if service.is_none_or(|name| last || event.services().contains(&name)) {
            if json {
                outln!("{}", serde_json::to_string(&event)?);
            } else {
                outln!("{}", describe_event(&event));
            }
        }
        if last {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
