//! Compose files: each Compose service becomes a nexsock service whose command runs that one
//! container through Docker (`docker compose -f FILE up --no-deps --no-log-prefix NAME`), so
//! images, builds, volumes and networks stay Compose's while nexsock orders the services with
//! local processes. `depends_on`, the first published port, `healthcheck` and
//! `stop_grace_period` map; the rest of a service is Compose's own business.

use std::collections::{BTreeMap, BTreeSet};

use nexsock_proto::{DependsOn, RestartPolicy, Stack, StackEdge, StackService};
use yaml_serde::Value;

use crate::{
    Failure, FieldError, Notes, Source,
    shell::quote,
    yaml::{self, Fields, bad, scalar},
};

/// Seconds the Docker client gets, beyond the container's own stop grace, to stop it and exit.
const CLIENT_GRACE_SECS: u64 = 5;
/// Docker's stop grace when a service declares none.
const DOCKER_STOP_GRACE_SECS: u64 = 10;

/// Reads a Compose file.
pub(crate) fn read(source: Source<'_>, notes: &mut Notes) -> Result<Stack, Failure> {
    let mut top = Fields::new(yaml::parse(source.text)?, "")?;
    let services = top
        .mapping("services")?
        .ok_or_else(|| bad("services", "missing: a Compose file lists its services under `services`"))?;
    if top.take("include").is_some() {
        notes.add(None, "include", "the services of included files are not imported; import those files too");
    }
    let services = services.entries()?;
    let names: BTreeSet<String> = services.iter().map(|(n, _)| n.clone()).collect();
    let file = quote(&source.path.display().to_string());
    let cwd = source.dir().display().to_string();
    let mut stack = Stack::default();
    for (name, value) in services {
        let mut f = Fields::new(value, &format!("services.{name}"))?;
        let port = first_published_port(&mut f, &name, notes)?;
        let depends_on = depends_on(&mut f, &name, &names, notes)?;
        let health = healthcheck(&mut f, &file, &name)?;
        // Compose profiles group services: nexsock's tags (`start-batch --tag PROFILE`).
        let tags = match f.take("profiles") {
            None => Vec::new(),
            Some(Value::Sequence(list)) => {
                list.iter().map(|p| scalar(p, &f.at("profiles"))).collect::<Result<Vec<_>, _>>()?
            }
            Some(_) => return Err(bad(&f.at("profiles"), "expected a list of profile names").into()),
        };
        let grace = match f.string("stop_grace_period")? {
            Some(d) => {
                seconds(&d).ok_or_else(|| bad(&f.at("stop_grace_period"), format!("`{d}` is not a duration")))?
            }
            None => DOCKER_STOP_GRACE_SECS,
        };
        let service = StackService {
            command: Some(format!("exec docker compose -f {file} up --no-deps --no-log-prefix {}", quote(&name))),
            cwd: Some(cwd.clone()),
            port,
            env: BTreeMap::new(),
            health,
            restart: RestartPolicy::No,
            startup_timeout: None,
            stop_grace: Some(grace + CLIENT_GRACE_SECS),
            depends_on,
            inherit: None,
            tags,
        };
        stack.services.insert(name, service);
    }
    Ok(stack)
}

/// The host side of the first published port; later ones stay Compose's and are reported.
fn first_published_port(f: &mut Fields, name: &str, notes: &mut Notes) -> Result<Option<u32>, FieldError> {
    let at = f.at("ports");
    let Some(ports) = f.take("ports") else { return Ok(None) };
    let Value::Sequence(ports) = ports else { return Err(bad(&at, "expected a list")) };
    let mut first = None;
    for (i, entry) in ports.iter().enumerate() {
        let published = match entry {
            Value::Mapping(_) => Fields::new(entry.clone(), &format!("{at}[{i}]"))?.string("published")?,
            other => short_syntax_host_port(&scalar(other, &format!("{at}[{i}]"))?),
        };
        let Some(published) = published else { continue };
        let host = published.split('-').next().unwrap_or_default();
        match (host.parse::<u32>(), first) {
            (Ok(port), None) => first = Some(port),
            (Ok(_), Some(_)) => notes.add(
                Some(name),
                format!("ports[{i}]"),
                "published by Compose; only the first published port is the service's port",
            ),
            (Err(_), _) => notes.add(
                Some(name),
                format!("ports[{i}]"),
                format!("published port `{published}` is not a number nexsock can check (Compose still publishes it)"),
            ),
        }
    }
    Ok(first)
}

/// `[IP:]HOST:CONTAINER[/PROTO]` -> HOST; a bare container port publishes none that is known.
fn short_syntax_host_port(spec: &str) -> Option<String> {
    let spec = spec.split('/').next().unwrap_or(spec);
    // An IPv6 host address is in brackets: drop it first.
    let spec = match spec.rfind(']') {
        Some(end) => spec[end + 1..].trim_start_matches(':'),
        None => spec,
    };
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [host, _container] | [_, host, _container] if !host.is_empty() => Some((*host).to_owned()),
        _ => None,
    }
}

/// `depends_on`: a list of names (`service_started`), or names with `condition` and `required`.
fn depends_on(
    f: &mut Fields,
    name: &str,
    names: &BTreeSet<String>,
    notes: &mut Notes,
) -> Result<DependsOn, FieldError> {
    let at = f.at("depends_on");
    let entries: Vec<(String, Value)> = match f.take("depends_on") {
        None => return Ok(DependsOn::default()),
        Some(Value::Sequence(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| Ok((scalar(v, &format!("{at}[{i}]"))?, Value::Null)))
            .collect::<Result<_, FieldError>>()?,
        Some(other) => Fields::new(other, &at)?.entries()?,
    };
    let mut edges = BTreeMap::new();
    for (dep, value) in entries {
        let dep_at = format!("{at}.{dep}");
        if !names.contains(&dep) {
            return Err(bad(&dep_at, format!("`{dep}` is not a service of this file")));
        }
        let mut opts = Fields::new(value, &dep_at)?;
        let cond_at = opts.at("condition");
        let condition = match opts.string("condition")?.as_deref() {
            None | Some("service_started") => "started",
            Some("service_healthy") => "healthy",
            Some("service_completed_successfully") => "completed",
            Some(other) => return Err(bad(&cond_at, format!("unknown condition `{other}`"))),
        };
        let optional = !opts.bool("required")?.unwrap_or(true);
        for (key, _) in opts.rest() {
            let reason = match key.as_str() {
                "restart" => "nexsock does not restart a dependent when its dependency restarts",
                _ => "not a dependency setting that nexsock knows",
            };
            notes.add(Some(name), format!("depends_on.{dep}.{key}"), reason);
        }
        edges.insert(dep, StackEdge { condition: Some(condition.to_owned()), optional, ..StackEdge::default() });
    }
    Ok(DependsOn::Map(edges))
}

/// A `healthcheck` (not disabled) becomes an exec check that asks Docker for the container's
/// health: Docker runs the check itself, nexsock reads its verdict.
fn healthcheck(f: &mut Fields, file: &str, name: &str) -> Result<Option<String>, FieldError> {
    let Some(mut check) = f.mapping("healthcheck")? else { return Ok(None) };
    let disabled = check.bool("disable")?.unwrap_or(false);
    let test_none = match check.take("test") {
        Some(Value::Sequence(words)) => words.first().and_then(Value::as_str) == Some("NONE"),
        Some(Value::String(s)) => s.trim() == "NONE",
        _ => false,
    };
    if disabled || test_none {
        return Ok(None);
    }
    let container = format!("$(docker compose -f {file} ps -q {})", quote(name));
    Ok(Some(format!("exec:test \"$(docker inspect --format '{{{{.State.Health.Status}}}}' {container})\" = healthy")))
}

/// A Compose duration (`1m30s`, `10s`, `500ms`, `2h`) in whole seconds, rounded up.
fn seconds(text: &str) -> Option<u64> {
    let mut millis: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let per = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return None,
        };
        millis = millis.checked_add(n.checked_mul(per)?)?;
        rest = &rest[unit_len..];
    }
    Some(millis.div_ceil(1_000))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("8080:80", Some("8080"))]
    #[case("127.0.0.1:8080:80/tcp", Some("8080"))]
    #[case("[::1]:8080:80", Some("8080"))]
    #[case("8000-8001:80-81", Some("8000-8001"))]
    #[case("80", None)]
    fn short_syntax_names_the_host_port(#[case] spec: &str, #[case] host: Option<&str>) {
        assert_eq!(short_syntax_host_port(spec).as_deref(), host);
    }

    #[rstest]
    #[case("10s", Some(10))]
    #[case("1m30s", Some(90))]
    #[case("500ms", Some(1))]
    #[case("2h", Some(7200))]
    #[case("soon", None)]
    fn durations_in_seconds(#[case] text: &str, #[case] secs: Option<u64>) {
        assert_eq!(seconds(text), secs);
    }
}
