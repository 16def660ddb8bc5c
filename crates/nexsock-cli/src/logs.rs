//! `nexsock service logs NAME`: a service's output. Both streams and nexsock's run markers go to
//! stdout, so `| grep` sees every line; `--timestamps` starts each line with its local time;
//! `--json` prints one line object a line (`stream`, `text`, `at_ms`); `-f` keeps printing.

use std::process::ExitCode;

use anyhow::{Result, bail};
use nexsock_core::{Paths, time::local_datetime};
use nexsock_proto::{Event, LogLine, Request, Response};

use crate::connect::connect_or_start;

/// How lines are printed.
#[derive(Debug, Clone, Copy)]
pub struct LogFormat {
    /// Each line's local time first.
    pub timestamps: bool,
    /// One JSON object a line.
    pub json: bool,
}

/// Prints the tail of `name`'s log (`tail` lines, all when `None`), then with `follow` each new
/// line until the host stops.
pub async fn show(name: String, tail: Option<usize>, follow: bool, format: LogFormat) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let lines = match client.request(Request::Logs { name, tail, follow }).await? {
        Response::Logs(lines) => lines,
        other => bail!("the host answered `logs` with {other:?}"),
    };
    for line in &lines {
        print_line(line, format)?;
    }
    if follow {
        while let Some(event) = client.next_event().await? {
            match event {
                Event::Log { line, .. } => print_line(&line, format)?,
                Event::HostStopping => break,
                _ => {}
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line on stdout, whatever stream it came from.
pub(crate) fn print_line(line: &LogLine, format: LogFormat) -> Result<()> {
    if format.json {
        outln!("{}", serde_json::to_string(line)?);
    } else {
        outln!("{}", text_line(line, format.timestamps));
    }
    Ok(())
}

/// The line as text: with `timestamps`, its local time first (blank for a line logged before
/// times were kept, so that the text stays in its column).
fn text_line(line: &LogLine, timestamps: bool) -> String {
    if !timestamps {
        return line.text.clone();
    }
    let at = line.at_ms.map(local_datetime).unwrap_or_default();
    format!("{at:<23} {}", line.text)
}

#[cfg(test)]
mod tests {
    use nexsock_proto::Stream;

    use super::*;

    #[test]
    fn timestamps_lead_the_line_and_old_lines_keep_the_column() {
        let line = |at_ms| LogLine { stream: Stream::Stderr, text: "GET /".into(), at_ms };
        assert_eq!(text_line(&line(Some(1)), false), "GET /");
        let stamped = text_line(&line(Some(1_796_731_263_123)), true);
        assert_eq!((stamped.len(), &stamped[23..]), (29, " GET /"), "{stamped}");
        assert_eq!(text_line(&line(None), true), format!("{} GET /", " ".repeat(23)));
    }
}
