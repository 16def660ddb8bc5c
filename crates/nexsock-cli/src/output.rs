//! Printing: aligned tables for people, JSON for programs, one-line errors on stderr. Colour only
//! on a terminal and never when NO_COLOR is set.

use std::io::IsTerminal;

use comfy_table::{Cell, Color, Table, presets::NOTHING};
use nexsock_proto::{
    ChainPlan, Change, ExecutionReport, ExecutionStatus, PlannedAction, ProfileInfo, Response, ServiceDetail,
    ServiceState, ServiceStatus, TunnelInfo,
};

/// Writes to stdout; when the reader has gone (`nexsock … | head -1`), exits quietly with
/// success instead of panicking as `print!` does: there is no one left to tell.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

/// `print!` that ends the process quietly when stdout's reader has gone.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that ends the process quietly when stdout's reader has gone.
macro_rules! outln {
    () => { $crate::output::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Whether stdout gets colour.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// A borderless table with upper-case headers.
pub(crate) fn table(headers: &[&str]) -> Table {
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
        ServiceState::Ready | ServiceState::Completed => Color::Green,
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
            Cell::new(status_reason(s)),
        ]);
    }
    trim_lines(&t.to_string())
}

/// The reason column: why it failed, and whether a restart would apply a changed definition.
fn status_reason(s: &ServiceStatus) -> String {
    match (s.reason.as_deref(), s.restart_to_apply) {
        (Some(r), true) => format!("restart to apply; {r}"),
        (None, true) => "restart to apply".to_owned(),
        (Some(r), false) => r.to_owned(),
        (None, false) => String::new(),
    }
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
        ("state", if s.restart_to_apply { format!("{} (restart to apply)", s.state) } else { s.state.to_string() }),
        ("pid", dash(s.pid)),
        ("port", dash(spec.port)),
        ("command", spec.command.clone()),
        ("cwd", dash(spec.cwd.as_ref())),
        ("env", env),
        ("health", dash(spec.health.as_ref())),
        ("restart", spec.restart.to_string()),
        ("startup timeout", format!("{}s", spec.startup_timeout_secs)),
        ("stop grace", format!("{}s", spec.stop_grace_secs)),
        (
            "environment",
            spec.inherit.map_or_else(|| "the host's setting ([services] inherit)".to_owned(), |i| i.to_string()),
        ),
        ("tags", if spec.tags.is_empty() { "-".to_owned() } else { spec.tags.join(", ") }),
        ("restarts", s.restarts.to_string()),
        ("last exit", dash(last_exit)),
        ("reason", dash(s.reason.as_ref())),
        (
            "log writes failed",
            match (s.log_write_failures, &s.last_log_error) {
                (0, _) => "-".to_owned(),
                (n, Some(why)) => format!("{n} lines not written to its log ({why})"),
                (n, None) => format!("{n} lines not written to its log"),
            },
        ),
    ];
    let mut t = Table::new();
    t.load_preset(NOTHING).force_no_tty();
    for (k, v) in rows {
        t.add_row(vec![Cell::new(k), Cell::new(v)]);
    }
    trim_lines(&t.to_string())
}

/// `1h02m`, `3m05s`, `1.9s`, `250ms`.
pub fn humanize_ms(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..60 => format!("{s}.{}s", (ms % 1000) / 100),
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

/// Prints any answer: JSON for programs, text for people. `what` says what a bare `Done` means.
pub fn print_response(response: &Response, json: bool, what: &str) -> anyhow::Result<()> {
    if json {
        let value = match response {
            Response::Done | Response::Subscribed => serde_json::json!({ "ok": true }),
            Response::Service(d) => serde_json::to_value(d)?,
            Response::Removed { name, edges } => serde_json::json!({ "removed": name, "edges": edges }),
            Response::Status(s) => serde_json::to_value(s)?,
            Response::Services(list) => serde_json::to_value(list)?,
            Response::Dependency { edge, change } => serde_json::json!({ "edge": edge, "change": change }),
            Response::Dependencies(listing) => serde_json::to_value(listing)?,
            Response::Tree(tree) => serde_json::to_value(tree)?,
            Response::Execution(report) => serde_json::to_value(report)?,
            Response::Plan(plan) => serde_json::to_value(plan)?,
            Response::History(reports) => serde_json::to_value(reports)?,
            Response::Applied(report) => serde_json::to_value(report)?,
            Response::Stack(stack) => serde_json::to_value(stack)?,
            Response::Imported(report) => serde_json::to_value(report)?,
            Response::Profiles(p) => serde_json::to_value(p)?,
            Response::Tunnel(t) => serde_json::to_value(t)?,
            Response::Tunnels(t) => serde_json::to_value(t)?,
            Response::Exchanges(e) => serde_json::to_value(e)?,
            Response::Exchange(e) => serde_json::to_value(e)?,
            Response::Env(e) => serde_json::to_value(e)?,
            Response::Settings(s) => serde_json::to_value(s)?,
            Response::Reconciliation(r) => serde_json::to_value(r)?,
            Response::Port(p) => serde_json::to_value(p)?,
            // Log lines print as JSON lines, one object each, so that `-f` can keep appending.
            Response::Logs(lines) => {
                for l in lines {
                    outln!("{}", serde_json::to_string(l)?);
                }
                return Ok(());
            }
        };
        outln!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    match response {
        Response::Done | Response::Subscribed => outln!("{what}"),
        Response::Service(_) if what.starts_with("added") => outln!("{what}"),
        Response::Service(d) => outln!("{}", service_detail(d)),
        Response::Removed { name, edges } if edges.is_empty() => outln!("removed {name}"),
        Response::Removed { name, edges } => {
            let list: Vec<String> = edges.iter().map(|e| format!("{} -> {}", e.service, e.depends_on)).collect();
            outln!("removed {name} and its dependencies {}", list.join(", "));
        }
        Response::Status(s) => {
            let pid = s.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            outln!("{what}: {}{pid}", s.state);
        }
        Response::Services(list) if list.is_empty() => outln!("no services yet; add one with `nexsock service add`"),
        Response::Services(list) => outln!("{}", services_table(list)),
        Response::Logs(lines) => {
            for l in lines {
                crate::logs::print_line(l, crate::logs::LogFormat { timestamps: false, json: false })?;
            }
        }
        Response::Dependency { edge, change } => {
            let verb = match change {
                Change::Created => "added",
                Change::Updated => "updated",
                Change::Unchanged => "unchanged",
                Change::Removed => "removed",
            };
            outln!("{verb}: {}", crate::dependency::describe_edge(edge));
        }
        Response::Dependencies(listing) => {
            outln!("{} depends on:", listing.service);
            crate::dependency::print_infos(&listing.dependencies, |e| &e.depends_on);
            outln!("depended on by:");
            crate::dependency::print_infos(&listing.dependents, |e| &e.service);
        }
        Response::Tree(tree) => {
            outln!("{} ({})", tree.name, tree.state);
            crate::dependency::print_children(tree, "");
        }
        Response::Execution(report) => outln!("{}", execution_summary(report)),
        Response::Plan(plan) => outln!("{}", plan_summary(plan)),
        Response::Applied(report) => {
            let word = |c: &Change| format!("{c:?}").to_lowercase();
            for s in &report.services {
                outln!("service {}: {}", s.name, word(&s.change));
            }
            for d in &report.dependencies {
                outln!("dependency {} -> {}: {}", d.service, d.depends_on, word(&d.change));
            }
        }
        Response::Stack(stack) => out!("{}", toml::to_string_pretty(stack)?),
        Response::Imported(report) => crate::import::print_report(report),
        Response::Profiles(p) => outln!("{}", profiles_table(p)),
        Response::Tunnel(t) => outln!("{what}: {}", t.public_url.as_deref().unwrap_or("(no URL yet)")),
        Response::Tunnels(t) if t.is_empty() => outln!("no tunnels open"),
        Response::Tunnels(t) => outln!("{}", tunnels_table(t)),
        Response::Exchanges(e) if e.is_empty() => outln!("no requests recorded yet"),
        Response::Exchanges(e) => outln!("{}", crate::inspect::exchanges_table(e)),
        Response::Exchange(e) => outln!("{}", crate::inspect::exchanges_table(std::slice::from_ref(e))),
        Response::Env(vars) => {
            for v in vars {
                let value = match (&v.value, v.secret) {
                    (Some(value), _) => value.clone(),
                    (None, true) => "********".to_owned(),
                    (None, false) if v.source.starts_with("tunnel:") => {
                        "(the tunnel's URL, once it is open)".to_owned()
                    }
                    (None, false) => "(set at each start)".to_owned(),
                };
                let note = if v.secret && v.value.is_none() { ", secret: --reveal shows it" } else { "" };
                outln!("{}={value}  # {}{note}", v.name, v.source);
            }
        }
        Response::Settings(s) => {
            for name in &s.strategies {
                let mark = if *name == s.default_strategy { "  (default)" } else { "" };
                let declared = s.custom_strategies.iter().find(|c| c.name == *name).map(strategy_line);
                outln!("{name}{mark}{}", declared.unwrap_or_default());
            }
        }
        Response::Reconciliation(r) => outln!("{}", r.summary()),
        Response::Port(p) => {
            match &p.holder {
                Some(holder) => outln!("port {}: held by {}", p.port, holder.describe()),
                None => outln!("port {}: free", p.port),
            }
            if !p.declared_by.is_empty() {
                outln!("declared by: {}", p.declared_by.join(", "));
            }
        }
        Response::History(reports) if reports.is_empty() => outln!("no executions yet"),
        Response::History(reports) => {
            for r in reports {
                outln!("{}\n", execution_summary(r));
            }
        }
    }
    Ok(())
}

/// An execution as people read it: a header line, then each service's spawn → ready times.
pub fn execution_summary(r: &ExecutionReport) -> String {
    let status = match r.status {
        ExecutionStatus::Completed => "completed",
        ExecutionStatus::Failed => "failed",
        ExecutionStatus::TimedOut => "timed out",
        ExecutionStatus::Running => "running",
    };
    let o = &r.options;
    let switches: String = [
        o.fail_fast.then(|| "fail-fast".to_owned()),
        o.timeout_secs.map(|t| format!("timeout {t}s")),
        o.no_health_checks.then(|| "no health checks".to_owned()),
        o.no_tunnels.then(|| "no tunnels".to_owned()),
    ]
    .into_iter()
    .flatten()
    .map(|s| format!(", {s}"))
    .collect();
    let mut out = format!(
        "#{} {} {} by {}{switches} in {}",
        r.id,
        r.roots.join(","),
        status,
        r.strategy,
        humanize_ms(r.total_ms)
    );
    if let Some(err) = &r.error {
        out.push_str(&format!(" — {err}"));
    }
    let mut t = table(&["service", "state", "spawned", "ready", "reason"]);
    for s in &r.services {
        let at = |ms: Option<u64>| ms.map_or_else(|| "-".to_owned(), |m| format!("+{m}ms"));
        t.add_row(vec![
            Cell::new(&s.name),
            Cell::new(s.state.label()),
            Cell::new(at(s.spawned_ms)),
            Cell::new(at(s.ready_ms)),
            Cell::new(s.reason.as_deref().unwrap_or("")),
        ]);
    }
    out.push('\n');
    out.push_str(&trim_lines(&t.to_string()));
    if !r.critical_chain.is_empty() {
        out.push_str(&format!("\ncritical chain: {}", r.critical_chain.join(" -> ")));
    }
    out
}

/// A dry run as people read it: the waves, then each service's action, waits, tunnels and port.
pub fn plan_summary(p: &ChainPlan) -> String {
    let bound = p.max_concurrent.map(|n| format!(", at most {n} at once")).unwrap_or_default();
    let mut out = format!(
        "plan of {} by {}{bound}: expected {} (from earlier runs)\n",
        p.roots.join(","),
        p.strategy,
        humanize_ms(p.expected_ms)
    );
    for (i, wave) in p.waves.iter().enumerate() {
        out.push_str(&format!("wave {}: {}\n", i + 1, wave.join(", ")));
    }
    if p.waves.is_empty() {
        out.push_str("nothing to start: every service is ready or completed\n");
    }
    let mut t = table(&["service", "action", "waits for", "tunnels", "gets", "port"]);
    for s in &p.services {
        let waits: Vec<String> = s
            .waits
            .iter()
            .map(|w| {
                let soft = if w.required { "" } else { ", optional" };
                let limit = w.timeout_secs.map(|t| format!(", {t}s")).unwrap_or_default();
                format!("{} ({}{soft}{limit})", w.dependency, w.condition.as_cli())
            })
            .collect();
        let port = match (s.port, &s.port_holder) {
            (Some(port), Some(holder)) => format!("{port}: taken by {}", holder.describe()),
            (Some(port), None) => port.to_string(),
            (None, _) => "-".to_owned(),
        };
        let action = match s.action {
            PlannedAction::Start => "start",
            PlannedAction::AlreadyReady => "already ready",
            PlannedAction::Completed => "completed (--rerun runs it)",
            PlannedAction::Join => "join its start",
        };
        t.add_row(vec![
            Cell::new(&s.name),
            Cell::new(action),
            Cell::new(if waits.is_empty() { "-".to_owned() } else { waits.join(", ") }),
            Cell::new(if s.tunnels.is_empty() { "-".to_owned() } else { s.tunnels.join(", ") }),
            Cell::new(if s.injects.is_empty() { "-".to_owned() } else { s.injects.join(", ") }),
            Cell::new(port),
        ]);
    }
    out.push_str(&trim_lines(&t.to_string()));
    if !p.critical_chain.is_empty() {
        out.push_str(&format!("\ncritical chain: {}", p.critical_chain.join(" -> ")));
    }
    out.push_str("\ndry run: nothing was started");
    out
}

/// `profile list`: never a token, only whether one is set.
pub fn profiles_table(profiles: &[ProfileInfo]) -> String {
    let mut t = table(&["name", "provider", "default", "token", "settings"]);
    for p in profiles {
        let s = &p.spec;
        let settings = [("url", &s.url), ("server", &s.server), ("binary", &s.binary)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(" ");
        t.add_row(vec![
            Cell::new(&s.name),
            Cell::new(s.provider.as_str()),
            Cell::new(if p.is_default { "*" } else { "" }),
            Cell::new(match p.token_set {
                Some(true) => "set",
                Some(false) => "-",
                None => "unknown (keyring did not answer)",
            }),
            Cell::new(settings),
        ]);
    }
    trim_lines(&t.to_string())
}

/// `tunnel list`.
pub fn tunnels_table(tunnels: &[TunnelInfo]) -> String {
    let mut t = table(&["service", "provider", "profile", "public url", "status", "last check"]);
    let now = nexsock_core::time::now_ms();
    for x in tunnels {
        let status = match &x.error {
            Some(e) => format!("{:?}: {e}", x.status).to_lowercase(),
            None => format!("{:?}", x.status).to_lowercase(),
        };
        t.add_row(vec![
            Cell::new(&x.service),
            Cell::new(x.provider.as_str()),
            Cell::new(&x.profile),
            Cell::new(x.public_url.as_deref().unwrap_or("-")),
            Cell::new(status),
            Cell::new(x.last_check_ms.map_or("-".into(), |ms| format!("{} ago", humanize_ms(now.saturating_sub(ms))))),
        ]);
    }
    trim_lines(&t.to_string())
}

/// An enum's wire name (`ready`, `completed`), as `--json` writes it.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

/// One event as a line for people: its kind, then what it is about.
pub fn describe_event(event: &nexsock_proto::Event) -> String {
    use nexsock_proto::Event as E;
    let tunnel = |t: &TunnelInfo| {
        let url = t.public_url.as_deref().unwrap_or("-");
        let error = t.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
        format!("{} {} {url}{error}", t.service, wire_name(&t.status))
    };
    match event {
        E::ServiceChanged(s) => {
            let reason = s.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            format!("service-changed {} {}{reason}", s.name, s.state)
        }
        E::Log { service, line } => format!("log {service}: {}", line.text),
        E::Execution(p) => format!("execution #{} {} {}", p.execution_id, p.service.name, wire_name(&p.service.state)),
        E::ExecutionFinished(r) => {
            let error = r.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
            format!("execution-finished #{} {} {}{error}", r.id, r.roots.join(","), wire_name(&r.status))
        }
        E::TunnelCreated(t) => format!("tunnel-created {}", tunnel(t)),
        E::TunnelFailed(t) => format!("tunnel-failed {}", tunnel(t)),
        E::TunnelRecreated { tunnel: t, .. } => format!("tunnel-recreated {}", tunnel(t)),
        E::TunnelChecked(t) => format!("tunnel-checked {}", tunnel(t)),
        E::TunnelClosed(t) => format!("tunnel-closed {}", t.service),
        E::ServiceAdded(d) => format!("service-added {}", d.spec.name),
        E::ServiceUpdated(d) => format!("service-updated {}", d.spec.name),
        E::ServiceRemoved { name } => format!("service-removed {name}"),
        E::DependencyAdded { edge, change } => {
            format!(
                "dependency-{} {} -> {} {}",
                wire_name(change),
                edge.service,
                edge.depends_on,
                edge.condition.map_or_else(String::new, |c| c.to_string())
            )
        }
        E::DependencyRemoved { service, depends_on } => format!("dependency-removed {service} -> {depends_on}"),
        E::ProfilesChanged => "profiles-changed".to_owned(),
        E::SettingsChanged(s) => format!("settings-changed default strategy {}", s.default_strategy),
        E::Reconciliation(r) => format!("reconciliation {}", r.summary()),
        E::ExchangeRecorded { service, exchange_id } => format!("exchange-recorded {service} #{exchange_id}"),
        E::HostStopping => "host-stopping".to_owned(),
    }
}

/// How a declared strategy is described after its name in `strategy list`.
fn strategy_line(spec: &nexsock_proto::StrategySpec) -> String {
    let mut parts = vec![format!("base {}", spec.base)];
    if !spec.priority.is_empty() {
        parts.push(format!("priority {}", spec.priority.join(",")));
    }
    if let Some(n) = spec.max_concurrent {
        parts.push(format!("max-concurrent {n}"));
    }
    format!("  (declared: {})", parts.join(", "))
}
