//! A process's readiness (`readiness_probe`, `ready_log_line`), restart (`availability`),
//! shutdown and `depends_on`.

use std::collections::{BTreeMap, BTreeSet};

use nexsock_proto::{DependsOn, RestartPolicy, StackEdge};

use super::Process;
use crate::{
    FieldError,
    yaml::{Fields, bad, scalar},
};

/// The health check spec and port from `readiness_probe` or `ready_log_line`.
pub(super) fn readiness(f: &mut Fields, p: &mut Process<'_>) -> Result<(Option<String>, Option<u32>), FieldError> {
    let log_line = f.string("ready_log_line")?;
    let probe = f.mapping("readiness_probe")?;
    match (probe, log_line) {
        (Some(_), Some(_)) => Err(bad(
            &f.at("ready_log_line"),
            "`ready_log_line` and `readiness_probe` cannot both be set (as in process-compose)",
        )),
        (None, Some(line)) => Ok((Some(format!("log:{}", escape_regex(&line))), None)),
        (None, None) => Ok((None, None)),
        (Some(probe), None) => probe_check(probe, p),
    }
}

fn probe_check(mut probe: Fields, p: &mut Process<'_>) -> Result<(Option<String>, Option<u32>), FieldError> {
    let exec = probe.mapping("exec")?;
    let http = probe.mapping("http_get")?;
    let result = match (exec, http) {
        (Some(exec), http) => {
            if http.is_some() {
                p.notes.add(
                    p.name,
                    "readiness_probe.http_get",
                    "process-compose uses `exec` when both are set, and so does nexsock",
                );
            }
            (Some(exec_check(exec, p)?), None)
        }
        (None, Some(http)) => http_check(http, p)?,
        (None, None) => {
            p.notes.add(
                p.name,
                "readiness_probe",
                "has neither `exec` nor `http_get`; the service is ready once started",
            );
            (None, None)
        }
    };
    for (key, _) in probe.rest() {
        let reason = match key.as_str() {
            "initial_delay_seconds"
            | "period_seconds"
            | "timeout_seconds"
            | "success_threshold"
            | "failure_threshold" => {
                "nexsock probes on its own schedule until the service's startup timeout (60 s by default)"
            }
            _ => "not a probe setting that nexsock knows",
        };
        p.notes.add(p.name, format!("readiness_probe.{key}"), reason);
    }
    Ok(result)
}

fn exec_check(mut exec: Fields, p: &mut Process<'_>) -> Result<String, FieldError> {
    let at = exec.at("command");
    let raw = exec.string("command")?.ok_or_else(|| bad(&at, "missing: an exec probe needs a command"))?;
    let command = p.text(&raw, "readiness_probe.exec.command", &at, true)?;
    for (key, _) in exec.rest() {
        let reason = match key.as_str() {
            "working_dir" => "nexsock runs the check in the service's working directory",
            _ => "not an exec probe setting that nexsock knows",
        };
        p.notes.add(p.name, format!("readiness_probe.exec.{key}"), reason);
    }
    Ok(format!("exec:{command}"))
}

/// `http_get` becomes an `http:/path` check on the probe's port, which becomes the service's port.
fn http_check(mut http: Fields, p: &mut Process<'_>) -> Result<(Option<String>, Option<u32>), FieldError> {
    let mut field = |http: &mut Fields, key: &str| -> Result<Option<String>, FieldError> {
        let Some(raw) = http.string(key)? else { return Ok(None) };
        p.text(&raw, &format!("readiness_probe.http_get.{key}"), &http.at(key), true).map(Some)
    };
    let path = field(&mut http, "path")?.unwrap_or_else(|| "/".to_owned());
    let host = field(&mut http, "host")?;
    let scheme = field(&mut http, "scheme")?;
    let port = field(&mut http, "port")?;
    let port_at = http.at("port");
    if let Some(host) = host.filter(|h| !matches!(h.as_str(), "" | "localhost" | "127.0.0.1" | "0.0.0.0" | "::1")) {
        p.notes.add(
            p.name,
            "readiness_probe.http_get.host",
            format!("nexsock checks the service on 127.0.0.1, not on `{host}`"),
        );
    }
    if let Some(scheme) = scheme.filter(|s| s != "http") {
        p.notes.add(
            p.name,
            "readiness_probe.http_get.scheme",
            format!("nexsock checks with plain http, not `{scheme}`"),
        );
    }
    for (key, _) in http.rest() {
        let reason = match key.as_str() {
            "headers" => "nexsock's http check sends no extra headers",
            "status_code" => "nexsock's http check accepts any 2xx or 3xx answer",
            _ => "not an http probe setting that nexsock knows",
        };
        p.notes.add(p.name, format!("readiness_probe.http_get.{key}"), reason);
    }
    let Some(port) = port else {
        p.notes.add(
            p.name,
            "readiness_probe.http_get",
            "no `port`: nexsock's http check needs the service's port, so the service is ready once started",
        );
        return Ok((None, None));
    };
    let port: u32 = port.trim().parse().map_err(|_| bad(&port_at, format!("`{port}` is not a port number")))?;
    let path = if path.starts_with('/') { path } else { format!("/{path}") };
    Ok((Some(format!("http:{path}")), Some(port)))
}

/// `availability`: the restart policy; the rest is reported.
pub(super) fn availability(f: &mut Fields, p: &mut Process<'_>) -> Result<RestartPolicy, FieldError> {
    let Some(mut a) = f.mapping("availability")? else { return Ok(RestartPolicy::No) };
    let at = a.at("restart");
    let restart = match a.string("restart")?.as_deref() {
        None | Some("no") => RestartPolicy::No,
        Some("on_failure") => RestartPolicy::OnFailure,
        Some("always") => RestartPolicy::Always,
        Some("exit_on_failure") => {
            p.notes.add(p.name, "availability.restart", "`exit_on_failure` ends the whole project on a failure; nexsock does not restart the service and stops nothing else");
            RestartPolicy::No
        }
        Some(other) => {
            return Err(bad(
                &at,
                format!(
                    "unknown restart policy `{other}` (process-compose takes no, on_failure, always, exit_on_failure)"
                ),
            ));
        }
    };
    for (key, _) in a.rest() {
        let reason = match key.as_str() {
            "backoff_seconds" => "nexsock restarts with its own growing back-off",
            "max_restarts" => "nexsock does not cap restarts",
            "exit_on_end" | "exit_on_skipped" => "nexsock's host keeps running when a service ends",
            _ => "not an availability setting that nexsock knows",
        };
        p.notes.add(p.name, format!("availability.{key}"), reason);
    }
    Ok(restart)
}

/// `shutdown.timeout_seconds` is the stop grace; the rest is reported.
pub(super) fn shutdown(f: &mut Fields, p: &mut Process<'_>) -> Result<Option<u64>, FieldError> {
    let Some(mut s) = f.mapping("shutdown")? else { return Ok(None) };
    let grace = s.uint("timeout_seconds")?;
    for (key, value) in s.rest() {
        let reason = match key.as_str() {
            "signal" if value.as_u64() == Some(15) => continue,
            "signal" => "nexsock stops a service with SIGTERM, then SIGKILL after the grace period",
            "command" => "nexsock stops a service with SIGTERM to its process group, not a command",
            "parent_only" => "nexsock signals the service's whole process group",
            "send_keys" => "nexsock runs services without a terminal",
            _ => "not a shutdown setting that nexsock knows",
        };
        p.notes.add(p.name, format!("shutdown.{key}"), reason);
    }
    Ok(grace)
}

/// `depends_on`: each edge with its condition; names must be processes of the file.
pub(super) fn depends_on(
    f: &mut Fields,
    p: &mut Process<'_>,
    names: &BTreeSet<String>,
) -> Result<DependsOn, FieldError> {
    let Some(deps) = f.mapping("depends_on")? else { return Ok(DependsOn::default()) };
    let at = f.at("depends_on");
    let mut edges = BTreeMap::new();
    for (dep, value) in deps.entries()? {
        let dep_at = format!("{at}.{dep}");
        if !names.contains(&dep) {
            return Err(bad(&dep_at, format!("`{dep}` is not a process of this file")));
        }
        let mut opts = Fields::new(value, &dep_at)?;
        let cond_at = opts.at("condition");
        let condition = opts.take("condition").map(|v| scalar(&v, &cond_at)).transpose()?;
        let field = format!("depends_on.{dep}.condition");
        let mapped = match condition.as_deref() {
            Some("process_started") => "started",
            Some("process_healthy") => "healthy",
            Some("process_completed_successfully") => "completed",
            Some("process_log_ready") => "log",
            Some("process_completed") => {
                p.notes.add(
                    p.name,
                    field,
                    "`process_completed` accepts any exit code; nexsock's `completed` waits for exit code 0",
                );
                "completed"
            }
            None => {
                p.notes.add(p.name, field, "no condition means `process_completed` in process-compose (any exit code); nexsock's `completed` waits for exit code 0");
                "completed"
            }
            Some(other) => return Err(bad(&cond_at, format!("unknown condition `{other}`"))),
        };
        for (key, _) in opts.rest() {
            p.notes.add(p.name, format!("depends_on.{dep}.{key}"), "not a dependency setting that nexsock knows");
        }
        edges.insert(dep, StackEdge { condition: Some(mapped.to_owned()), ..StackEdge::default() });
    }
    Ok(DependsOn::Map(edges))
}

/// `text` as a regular expression that matches it literally (process-compose looks for the line
/// as a substring).
pub(crate) fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
