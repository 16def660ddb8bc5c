//! Printing: aligned tables for people, JSON for programs, one-line errors on stderr. Colour only
//! on a terminal and never when NO_COLOR is set.

use std::io::IsTerminal;

use comfy_table::{Cell, Color, Table, presets::NOTHING};
use nexsock_proto::{ServiceDetail, ServiceState, ServiceStatus};

/// Whether stdout gets colour.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(NOTHING);
    if !color_enabled() {
        t.force_no_tty();
    }
    t.set_header(headers.iter().map(|h| Cell::new(h.to_uppercase())));
    t
}

fn state_cell(state: ServiceState) -> Cell {
    let color = match state {
        ServiceState::Ready => Color::Green,
        ServiceState::Starting | ServiceState::Stopping => Color::Yellow,
        ServiceState::Failed => Color::Red,
        ServiceState::Stopped => Color::Reset,
    };
    Cell::new(state.as_str()).fg(color)
}

fn dash<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `service list`.
pub fn services_table(services: &[ServiceStatus]) -> String {
    let mut t = table(&["name", "state", "pid", "port", "uptime", "restarts", "reason"]);
    let now = nexsock_core::time::now_ms();
    for s in services {
        let uptime = s.since_ms.map(|since| humanize_ms(now.saturating_sub(since)));
        t.add_row(vec![
            Cell::new(&s.name),
            state_cell(s.state),
            Cell::new(dash(s.pid)),
            Cell::new(dash(s.port)),
            Cell::new(dash(uptime)),
            Cell::new(s.restarts),
            Cell::new(s.reason.as_deref().unwrap_or("")),
        ]);
    }
    trim_lines(&t.to_string())
}

/// `service status`.
pub fn service_detail(d: &ServiceDetail) -> String {
    let s = &d.status;
    let spec = &d.spec;
    let env = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
    let last_exit = s.last_exit.as_ref().map(|e| match (e.code, e.signal) {
        (Some(c), _) => format!("code {c}"),
        (None, Some(sig)) => format!("signal {sig}"),
        (None, None) => "unknown".into(),
    });
    let rows: Vec<(&str, String)> = vec![
        ("name", spec.name.clone()),
        ("state", s.state.to_string()),
        ("pid", dash(s.pid)),
        ("port", dash(spec.port)),
        ("command", spec.command.clone()),
        ("cwd", dash(spec.cwd.as_ref())),
        ("env", env),
        ("health", dash(spec.health.as_ref())),
        ("restart", spec.restart.to_string()),
        ("startup timeout", format!("{}s", spec.startup_timeout_secs)),
        ("stop grace", format!("{}s", spec.stop_grace_secs)),
        ("restarts", s.restarts.to_string()),
        ("last exit", dash(last_exit)),
        ("reason", dash(s.reason.as_ref())),
    ];
    let mut t = Table::new();
    t.load_preset(NOTHING).force_no_tty();
    for (k, v) in rows {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    trim_lines(&t.to_string())
}

/// `1h02m`, `3m05s`, `12s`, `250ms`.
pub fn humanize_ms(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn trim_lines(s: &str) -> String {
    s.lines().map(|l| l.trim_end().trim_start_matches(' ')).collect::<Vec<_>>().join("\n")
}

/// Prints an error as one line on stderr.
pub fn print_error(err: &anyhow::Error) {
    let msg = format!("{err:#}");
    if std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal() {
        eprintln!("\x1b[31merror:\x1b[0m {msg}");
    } else {
        eprintln!("error: {msg}");
    }
}
