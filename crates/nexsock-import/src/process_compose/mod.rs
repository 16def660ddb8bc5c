//! process-compose (`version: "0.5"`): processes become services; `vars` templating, `$` escapes,
//! environments, readiness, restart, shutdown and dependencies map; every other key is reported.

mod checks;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use nexsock_proto::{Stack, StackService};
use yaml_serde::Value;

use crate::{
    Failure, FieldError, Notes, Source, resolve, shell,
    template::{dollars, render},
    yaml::{self, Fields, bad, scalar},
};

/// What every process of the file shares.
struct Project {
    dir: PathBuf,
    /// `$` expansion is on (process-compose's `disable_env_expansion` is off).
    expand: bool,
    vars: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    names: BTreeSet<String>,
}

/// One process being read: its name, its `vars` merged over the project's, and the notes.
struct Process<'a> {
    /// The process's name; `None` for the top-level `environment`.
    name: Option<&'a str>,
    vars: BTreeMap<String, String>,
    expand: bool,
    notes: &'a mut Notes,
}

impl Process<'_> {
    /// A field's text with `$$` unescaped (its `$VAR` references reported) and, when `templated`,
    /// its `{{.NAME}}` references rendered.
    fn text(&mut self, raw: &str, field: &str, at: &str, templated: bool) -> Result<String, FieldError> {
        let text = self.dollars(raw, field);
        if templated { render(&text, &self.vars).map_err(|m| bad(at, m)) } else { Ok(text) }
    }

    fn dollars(&mut self, raw: &str, field: &str) -> String {
        if !self.expand {
            return raw.to_owned();
        }
        let (text, refs) = dollars(raw);
        if !refs.is_empty() {
            self.notes.add(self.name, field, expansion_reason(&refs));
        }
        text
    }
}

fn expansion_reason(refs: &[String]) -> String {
    let list = refs.iter().map(|r| format!("${r}")).collect::<Vec<_>>().join(", ");
    format!(
        "process-compose replaces {list} when it loads the file, from its own environment and .env; nexsock keeps \
         the reference, which a command's shell expands at run time from the service's environment"
    )
}

/// Reads a process-compose file.
pub(crate) fn read(source: Source<'_>, notes: &mut Notes) -> Result<Stack, Failure> {
    let mut top = Fields::new(yaml::parse(source.text)?, "")?;
    let expand = !top.bool("disable_env_expansion")?.unwrap_or(false);
    let vars = vars(top.take("vars"), "vars")?;
    let mut project = Project { dir: source.dir(), expand, vars, env: BTreeMap::new(), names: BTreeSet::new() };
    if let Some(env) = top.take("environment") {
        let mut scope = Process { name: None, vars: BTreeMap::new(), expand, notes };
        project.env = environment(env, "environment", &mut scope, false)?;
    }
    top.take("version");
    let processes = top
        .mapping("processes")?
        .ok_or_else(|| bad("processes", "missing: a process-compose file lists its processes under `processes`"))?
        .entries()?;
    for (key, value) in top.rest() {
        notes.add(None, key.clone(), top_level_reason(&key, &value));
    }
    project.names = processes.iter().map(|(n, _)| n.clone()).collect();
    let mut stack = Stack::default();
    for (name, value) in processes {
        let service = process(&name, value, &project, notes)?;
        stack.services.insert(name, service);
    }
    Ok(stack)
}

fn process(name: &str, value: Value, project: &Project, notes: &mut Notes) -> Result<StackService, FieldError> {
    let at = format!("processes.{name}");
    let mut f = Fields::new(value, &at)?;
    let mut vars = project.vars.clone();
    vars.insert("PC_REPLICA_NUM".to_owned(), "0".to_owned());
    vars.extend(self::vars(f.take("vars"), &f.at("vars"))?);
    let mut p = Process { name: Some(name), vars, expand: project.expand, notes };
    let templated = !f.bool("is_template_disabled")?.unwrap_or(false);
    let command = match (f.string("command")?, f.take("entrypoint")) {
        (Some(command), entrypoint) => {
            if entrypoint.is_some() {
                p.notes.add(
                    Some(name),
                    "entrypoint",
                    "process-compose runs `command` when both are set, and so does nexsock",
                );
            }
            p.text(&command, "command", &f.at("command"), templated)?
        }
        (None, Some(Value::Sequence(words))) => {
            let words = words.iter().map(|w| scalar(w, &f.at("entrypoint"))).collect::<Result<Vec<_>, _>>()?;
            shell::join(&words)
        }
        (None, _) => return Err(bad(&at, "no `command` (nexsock runs every service's command through `sh -c`)")),
    };
    let cwd = match f.string("working_dir")? {
        Some(dir) => resolve(&project.dir, &p.text(&dir, "working_dir", &f.at("working_dir"), true)?),
        None => project.dir.display().to_string(),
    };
    let mut env = project.env.clone();
    if let Some(own) = f.take("environment") {
        env.extend(environment(own, &f.at("environment"), &mut p, true)?);
    }
    let (health, port) = checks::readiness(&mut f, &mut p)?;
    let restart = checks::availability(&mut f, &mut p)?;
    let stop_grace = checks::shutdown(&mut f, &mut p)?;
    let depends_on = checks::depends_on(&mut f, &mut p, &project.names)?;
    // A namespace groups processes: nexsock's tag (`start-batch --tag NAMESPACE`).
    let tags: Vec<String> = f.string("namespace")?.filter(|n| n != "default").into_iter().collect();
    for (key, value) in f.rest() {
        if let Some(reason) = process_reason(&key, &value) {
            p.notes.add(Some(name), key, reason);
        }
    }
    Ok(StackService {
        command: Some(command),
        cwd: Some(cwd),
        port,
        env,
        health,
        restart,
        startup_timeout: None,
        stop_grace,
        depends_on,
        inherit: None,
        tags,
    })
}

/// `vars`: a mapping of names to scalars.
fn vars(value: Option<Value>, at: &str) -> Result<BTreeMap<String, String>, FieldError> {
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    Fields::new(value, at)?
        .entries()?
        .into_iter()
        .map(|(k, v)| Ok((k.clone(), scalar(&v, &format!("{at}.{k}"))?)))
        .collect()
}

/// `environment`: a list of `KEY=VALUE` (or a mapping); values rendered when `templated`.
fn environment(
    value: Value,
    at: &str,
    p: &mut Process<'_>,
    templated: bool,
) -> Result<BTreeMap<String, String>, FieldError> {
    let pairs: Vec<(String, String)> = match value {
        Value::Sequence(items) => {
            let mut pairs = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let entry = scalar(item, &format!("{at}[{i}]"))?;
                match entry.split_once('=') {
                    Some((k, v)) => pairs.push((k.to_owned(), v.to_owned())),
                    None => p.notes.add(p.name, format!("environment[{i}]"), format!("`{entry}` is not KEY=VALUE")),
                }
            }
            pairs
        }
        other => Fields::new(other, at)?
            .entries()?
            .into_iter()
            .map(|(k, v)| Ok((k.clone(), scalar(&v, &format!("{at}.{k}"))?)))
            .collect::<Result<_, FieldError>>()?,
    };
    let mut env = BTreeMap::new();
    for (key, raw) in pairs {
        let value = p.text(&raw, &format!("environment.{key}"), &format!("{at}.{key}"), templated)?;
        env.insert(key, value);
    }
    Ok(env)
}

/// Why a top-level key is not mapped.
fn top_level_reason(key: &str, _value: &Value) -> String {
    match key {
        "name" => "nexsock has no project name; the services are imported by their own names",
        "log_location" | "log_level" | "log_length" | "log_configuration" | "log_format" => {
            "nexsock writes each service's output to its own log (logs/NAME.log) and its host's to host.log"
        }
        "shell" => "nexsock runs every command with `sh -c`",
        "is_strict" => "nexsock always refuses what strict mode refuses (unknown dependencies, impossible conditions)",
        "is_tui_disabled" => "nexsock has no terminal UI",
        "extends" => "the extended file is not read; import it on its own",
        "env_cmds" => "nexsock does not run commands to fill in the environment",
        "ordered_shutdown" => "nexsock stops dependents before their dependencies in cascade stops and stop-all",
        "mcp_server" => "nexsock has no MCP server",
        _ => "not a process-compose setting that nexsock knows",
    }
    .to_owned()
}

/// Why a process key is not mapped; `None` when it changes nothing (`replicas: 1`).
fn process_reason(key: &str, value: &Value) -> Option<&'static str> {
    Some(match key {
        "replicas" if value.as_u64().is_some_and(|n| n <= 1) => return None,
        "replicas" => "nexsock runs one process per service; the service is imported once",
        "disabled" | "is_disabled" => {
            "nexsock has no disabled services: it is imported, and starts only when asked or as a dependency, like every service"
        }
        "is_daemon" => {
            "nexsock supervises the process it starts; a command that forks into the background looks like it exited"
        }
        "schedule" => "nexsock has no scheduled runs",
        "liveness_probe" => "nexsock checks readiness only; a running service is not probed for liveness",
        "log_location" | "log_configuration" | "truncate_log" | "disable_ansi_colors" => {
            "nexsock writes each service's output to its own log (logs/NAME.log), as printed"
        }
        "env_file" | "is_dotenv_disabled" => "nexsock reads no env files: put the variables in `environment`",
        "description" => "nexsock services have no description",
        "is_foreground" | "is_tty" | "is_interactive" => "nexsock runs services in the background, without a terminal",
        "is_elevated" => "nexsock does not run services with elevated rights",
        "launch_timeout_seconds" => "nexsock gives a service its startup timeout (60 s by default) to become ready",
        "executable" | "args" => "process-compose fills these in from `command`; nexsock runs `command` with `sh -c`",
        "watch" => "nexsock does not restart services when files change",
        "mcp" => "nexsock has no MCP server",
        "monitor_for" | "monitor_silence_threshold" => "nexsock does not watch output for activity or silence",
        "success_exit_codes" => "nexsock counts only exit code 0 as success",
        "extends" => "`extends` is not followed: the process is imported as written",
        _ => "not a process-compose setting that nexsock knows",
    })
}
