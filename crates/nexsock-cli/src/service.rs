//! `nexsock service ...`: each subcommand is one request to the host.

use std::{collections::BTreeMap, process::ExitCode};

use anyhow::{Context, Result, anyhow};
use nexsock_core::Paths;
use nexsock_proto::{
    ChainRequest, ExecutionStatus, HealthCheck, Request, Response, RestartPolicy, ServiceSpec, ServiceState,
};

use crate::{
    cli::{AddArgs, ChainArgs, EditArgs, ServiceCommand},
    connect::connect_or_start,
    output,
};

/// Runs one `service` subcommand. A plain start, a stop or a restart of several services runs
/// once per service, in the order given; it fails if any of them failed (each error is printed).
pub async fn run(mut cmd: ServiceCommand, json: bool) -> Result<ExitCode> {
    // `web,` or `web, worker`: blanks between commas name nothing.
    if let ServiceCommand::Start { names, .. }
    | ServiceCommand::StartBatch { names, .. }
    | ServiceCommand::Stop { names, .. }
    | ServiceCommand::Restart { names, .. } = &mut cmd
    {
        names.retain(|n| !n.trim().is_empty());
        names.iter_mut().for_each(|n| *n = n.trim().to_owned());
    }
    let each = per_name(cmd);
    if each.len() == 1 {
        return run_one(each.into_iter().next().expect("one command"), json).await;
    }
    let mut code = ExitCode::SUCCESS;
    for cmd in each {
        match Box::pin(run_one(cmd, json)).await {
            Ok(c) if c == ExitCode::SUCCESS => {}
            Ok(c) => code = c,
            Err(e) => {
                output::print_error(&e);
                code = ExitCode::FAILURE;
            }
        }
    }
    Ok(code)
}

/// Splits a command naming several services into one per service, unless they are one chain
/// start (`--smart`, a strategy or a bound).
fn per_name(cmd: ServiceCommand) -> Vec<ServiceCommand> {
    match cmd {
        ServiceCommand::Start { names, smart, tunnel, free_port, kill_holder, chain }
            if names.len() > 1 && !smart && !chain.asks_for_a_chain() =>
        {
            names
                .into_iter()
                .map(|n| ServiceCommand::Start {
                    names: vec![n],
                    smart,
                    tunnel,
                    free_port,
                    kill_holder,
                    chain: chain.clone(),
                })
                .collect()
        }
        ServiceCommand::Stop { names, all: false, cascade } if names.len() > 1 => {
            names.into_iter().map(|n| ServiceCommand::Stop { names: vec![n], all: false, cascade }).collect()
        }
        ServiceCommand::Restart { names, check_deps } if names.len() > 1 => {
            names.into_iter().map(|n| ServiceCommand::Restart { names: vec![n], check_deps }).collect()
        }
        other => vec![other],
    }
}

/// Runs one `service` subcommand about (at most) one service, or one chain.
async fn run_one(mut cmd: ServiceCommand, json: bool) -> Result<ExitCode> {
    // A strategy or a concurrency bound only means something for a chain: asking for one asks
    // for a smart start, rather than being dropped.
    if let ServiceCommand::Start { smart, chain, .. } = &mut cmd {
        *smart |= chain.asks_for_a_chain();
    }
    if let ServiceCommand::Start { names, free_port: true, kill_holder, .. } = &cmd {
        for name in names {
            free_port(name, *kill_holder).await?;
        }
    }
    let request = match cmd {
        ServiceCommand::Add(args) => Request::AddService(spec_from_args(args)?),
        ServiceCommand::Remove { name } => Request::RemoveService { name },
        ServiceCommand::List { tag: None } => Request::ListServices,
        ServiceCommand::List { tag: Some(tag) } => return list_tagged(&tag, json).await,
        ServiceCommand::Status { name, reveal } => Request::ServiceStatus { name, reveal },
        ServiceCommand::Edit(args) => return edit(args, json).await,
        ServiceCommand::Logs { name, follow, tail, timestamps } => {
            return crate::logs::show(name, tail, follow, crate::logs::LogFormat { timestamps, json }).await;
        }
        ServiceCommand::Start { names, smart: false, tunnel: false, .. } => {
            Request::StartService { name: names.into_iter().next().unwrap_or_default() }
        }
        ServiceCommand::Start { names, smart, tunnel: true, chain, .. } => {
            return start_with_tunnel(names.into_iter().next().unwrap_or_default(), smart, chain, json).await;
        }
        ServiceCommand::Start { names, smart: true, chain, .. } => chain_or_plan(names, chain),
        ServiceCommand::StartChain { name, chain } => chain_or_plan(vec![name], chain),
        ServiceCommand::StartBatch { mut names, tag, chain } => {
            names.extend(tagged(&tag).await?);
            chain_or_plan(names, chain)
        }
        ServiceCommand::History { name, limit } => Request::History { name, limit: Some(limit) },
        ServiceCommand::Config { name, profile, .. } => Request::ConfigureService { name, tunnel_profile: profile },
        ServiceCommand::Env { name, reveal, show_tunnel_vars } => {
            return env(name, reveal, show_tunnel_vars, json).await;
        }
        ServiceCommand::Stop { all: true, .. } => Request::StopAll,
        ServiceCommand::Stop { names, cascade, .. } => {
            Request::StopService { name: names.into_iter().next().unwrap_or_default(), cascade }
        }
        ServiceCommand::Restart { names, check_deps } => {
            Request::RestartService { name: names.into_iter().next().unwrap_or_default(), check_deps }
        }
    };
    let paths = Paths::from_env()?;
    let mut client = connect_or_start(&paths).await?;
    if let Request::StartService { name } = &request {
        warn_dependencies_not_ready(&mut client, name).await;
    }
    // A stop: of which service, and whether with its dependents.
    let stop = match &request {
        Request::StopService { name, cascade } => Some((name.clone(), *cascade)),
        _ => None,
    };
    let what = describe(&request);
    let streams = matches!(request, Request::StartChain(_) | Request::RestartService { check_deps: true, .. });
    let waiting = crate::waiting::Waiting::for_request(&request);
    let response = if streams {
        let mut progress = crate::progress::ChainProgress::new(json, waiting.clone());
        let result = waiting.report_while(client.request_streaming(request, |event| progress.on_event(&event))).await;
        progress.finish();
        result?
    } else {
        waiting.report_while(client.request(request)).await?
    };
    match (&stop, &response) {
        (Some((_, true)), Response::Services(stopped)) if !json => {
            let names: Vec<&str> = stopped.iter().map(|s| s.name.as_str()).collect();
            outln!("stopped {}", names.join(", "));
        }
        _ => output::print_response(&response, json, &what)?,
    }
    if let Some((name, false)) = &stop {
        warn_running_dependents(&mut client, name).await;
    }
    if let Response::Service(added) = &response
        && let Some(port) = added.spec.port
    {
        warn_shared_port(&mut client, &added.spec.name, port).await;
    }
    if let Response::Execution(report) = &response
        && report.status != ExecutionStatus::Completed
    {
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--free-port`: has the host stop what holds the port of `name` (a foreign program only with
/// `kill_holder`), and says on stderr what it stopped — and, for a service, which of its
/// dependents now run without it.
async fn free_port(name: &str, kill_holder: bool) -> Result<()> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::FreePort { name: name.to_owned(), kill_foreign: kill_holder }).await?;
    if let Response::Port(status) = response
        && let Some(holder) = status.holder
    {
        eprintln!("freed port {}: stopped {}", status.port, holder.describe());
        if let Some(service) = &holder.service {
            warn_running_dependents(&mut client, service).await;
        }
    }
    Ok(())
}

/// The direct dependencies and dependents of `name` with their states (none when the host
/// cannot say: the warnings built on it are left out).
async fn listing(client: &mut nexsock_proto::Client, name: &str) -> Option<nexsock_proto::DependencyListing> {
    match client.request(Request::ListDependencies { service: name.to_owned() }).await {
        Ok(Response::Dependencies(listing)) => Some(listing),
        _ => None,
    }
}

/// After a plain stop: names the dependents of `name` still running, and the way to stop them.
async fn warn_running_dependents(client: &mut nexsock_proto::Client, name: &str) {
    let Some(listing) = listing(client, name).await else { return };
    let running: Vec<&str> = listing
        .dependents
        .iter()
        .filter(|d| matches!(d.state, ServiceState::Ready | ServiceState::Starting))
        .map(|d| d.edge.service.as_str())
        .collect();
    if !running.is_empty() {
        eprintln!(
            "warning: {} depend{} on {name} and {} still running; `nexsock service stop {name} --cascade` stops them too",
            running.join(", "),
            if running.len() == 1 { "s" } else { "" },
            if running.len() == 1 { "is" } else { "are" },
        );
    }
}

/// Before a plain start: names the dependencies of `name` that are not ready, and the start
/// that brings them up first.
async fn warn_dependencies_not_ready(client: &mut nexsock_proto::Client, name: &str) {
    let Some(listing) = listing(client, name).await else { return };
    let down: Vec<String> = listing
        .dependencies
        .iter()
        .filter(|d| !matches!(d.state, ServiceState::Ready | ServiceState::Completed))
        .map(|d| format!("{} ({})", d.edge.depends_on, d.state))
        .collect();
    if !down.is_empty() {
        eprintln!(
            "warning: {name} depends on {}, not ready; `nexsock service start {name} --smart` starts its chain first",
            down.join(", ")
        );
    }
}

/// Warns on stderr when other services declare the port `name` was just given: they cannot run
/// at the same time.
async fn warn_shared_port(client: &mut nexsock_proto::Client, name: &str, port: u32) {
    let Ok(Response::Services(all)) = client.request(Request::ListServices).await else { return };
    let others: Vec<String> = all
        .iter()
        .filter(|s| s.name != name && s.port.map(u32::from) == Some(port))
        .map(|s| format!("`{}`", s.name))
        .collect();
    if !others.is_empty() {
        eprintln!("warning: port {port} is also declared by {}; they cannot run at the same time", others.join(", "));
    }
}

/// `"web-api, worker"` -> the names, blanks dropped.
fn name_list(names: &str) -> Vec<String> {
    names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
}

/// `nexsock login-chain`: sets the chain the desktop app starts at login (names given), clears it
/// (`--clear`), or shows it.
pub async fn login_chain(names: Option<&str>, clear: bool, chain: ChainArgs, json: bool) -> Result<ExitCode> {
    let request = match (names, clear) {
        (Some(names), _) => Request::SetLoginChain { chain: Some(chain_request(name_list(names), chain)) },
        (None, true) => Request::SetLoginChain { chain: None },
        (None, false) => Request::GetSettings,
    };
    let what = if clear { "login chain cleared" } else { "login chain set" };
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    match client.request(request).await? {
        Response::Settings(settings) if !json => match &settings.login_chain {
            Some(chain) => outln!(
                "at login the app starts {} by {}",
                chain.roots.join(","),
                chain.strategy.as_deref().unwrap_or(&settings.default_strategy)
            ),
            None => outln!("at login the app starts nothing"),
        },
        response => output::print_response(&response, json, what)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Every service of the groups `tags` (none: nothing), refusing a group nobody belongs to.
async fn tagged(tags: &[String]) -> Result<Vec<String>> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    let all = statuses().await?;
    let mut names = Vec::new();
    for tag in tags {
        let members: Vec<String> = all.iter().filter(|s| s.tags.contains(tag)).map(|s| s.name.clone()).collect();
        if members.is_empty() {
            let known: std::collections::BTreeSet<&str> =
                all.iter().flat_map(|s| s.tags.iter().map(String::as_str)).collect();
            let hint = nexsock_core::suggest::hint(tag, known.iter().copied(), "");
            return Err(anyhow!("no service has the tag `{tag}`{hint}"));
        }
        names.extend(members);
    }
    Ok(names)
}

/// Every service's status (`service list`).
async fn statuses() -> Result<Vec<nexsock_proto::ServiceStatus>> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    match client.request(Request::ListServices).await? {
        Response::Services(all) => Ok(all),
        _ => Err(anyhow!("the host answered `service list` with something else")),
    }
}

/// `service list --tag NAME`.
async fn list_tagged(tag: &str, json: bool) -> Result<ExitCode> {
    let members: Vec<_> = statuses().await?.into_iter().filter(|s| s.tags.iter().any(|t| t == tag)).collect();
    output::print_response(&Response::Services(members), json, "")?;
    Ok(ExitCode::SUCCESS)
}

/// A chain start, or with `--dry-run` its plan.
fn chain_or_plan(roots: Vec<String>, chain: ChainArgs) -> Request {
    if chain.dry_run {
        Request::PlanChain(chain_request(roots, chain))
    } else {
        Request::StartChain(chain_request(roots, chain))
    }
}

fn chain_request(roots: Vec<String>, chain: ChainArgs) -> ChainRequest {
    let options = nexsock_proto::ChainOptions {
        timeout_secs: chain.timeout,
        fail_fast: chain.fail_fast,
        no_health_checks: chain.no_health_checks,
        no_tunnels: chain.no_tunnels,
    };
    ChainRequest { roots, strategy: chain.strategy, max_concurrent: chain.max_concurrent, rerun: chain.rerun, options }
}

fn describe(request: &Request) -> String {
    match request {
        Request::AddService(spec) => format!("added {}", spec.name),
        Request::RemoveService { name } => format!("removed {name}"),
        Request::StartService { name } => format!("started {name}"),
        Request::StopService { name, .. } => format!("stopped {name}"),
        Request::RestartService { name, .. } => format!("restarted {name}"),
        Request::StopAll => "stopped every service".into(),
        _ => String::new(),
    }
}

/// `service edit NAME [flags]`: the stored definition with the flags applied, sent whole. Says
/// when a running process needs a restart to take it.
async fn edit(args: EditArgs, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let name = args.name.clone();
    let Response::Service(current) =
        client.request(Request::ServiceStatus { name: name.clone(), reveal: true }).await?
    else {
        return Err(anyhow!("the host answered `service status {name}` with something else"));
    };
    let mut spec = current.spec;
    let before = spec.clone();
    apply_edit(&mut spec, args)?;
    if spec == before {
        outln!("{name}: nothing to change");
        return Ok(ExitCode::SUCCESS);
    }
    let response = client.request(Request::EditService(spec)).await?;
    if json {
        output::print_response(&response, true, "")?;
    } else if let Response::Service(detail) = &response {
        outln!("edited {name}");
        if detail.status.restart_to_apply {
            outln!("{name} is running the previous definition: `nexsock service restart {name}` applies it");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies `service edit` flags to a stored spec; only the shape is checked here.
fn apply_edit(spec: &mut ServiceSpec, args: EditArgs) -> Result<()> {
    if let Some(command) = args.command {
        spec.command = command;
    }
    if let Some(dir) = args.cwd {
        spec.cwd = Some(absolute(&dir)?);
    }
    if args.no_port {
        spec.port = None;
    } else if args.port.is_some() {
        spec.port = args.port;
    }
    for key in &args.unset_env {
        if spec.env.remove(key).is_none() {
            return Err(anyhow!("--unset-env {key}: `{}` has no variable {key}", spec.name));
        }
    }
    for pair in &args.env {
        let (k, v) = env_pair(pair)?;
        spec.env.insert(k, v);
    }
    if args.no_health {
        spec.health = None;
    } else if let Some(health) = args.health.as_deref() {
        spec.health = Some(health.parse::<HealthCheck>()?);
    }
    if let Some(restart) = args.restart.as_deref() {
        spec.restart = restart.parse::<RestartPolicy>()?;
    }
    if let Some(secs) = args.startup_timeout {
        spec.startup_timeout_secs = secs;
    }
    if let Some(secs) = args.stop_grace {
        spec.stop_grace_secs = secs;
    }
    for tag in args.tags {
        if !spec.tags.contains(&tag) {
            spec.tags.push(tag);
        }
    }
    for tag in &args.untag {
        if !spec.tags.contains(tag) {
            return Err(anyhow!("--untag {tag}: `{}` has no tag {tag}", spec.name));
        }
        spec.tags.retain(|t| t != tag);
    }
    match args.inherit.as_deref() {
        None => {}
        Some("default") => spec.inherit = None,
        Some(from) => spec.inherit = Some(inherit(from)?),
    }
    Ok(())
}

/// `--env KEY=VALUE` as its pair.
fn env_pair(pair: &str) -> Result<(String, String)> {
    let (k, v) = pair.split_once('=').ok_or_else(|| anyhow!("invalid --env `{pair}`: expected KEY=VALUE"))?;
    Ok((k.to_owned(), v.to_owned()))
}

/// `--cwd DIR` made absolute (not resolved against the host's directory later).
fn absolute(dir: &std::path::Path) -> Result<String> {
    Ok(std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?.display().to_string())
}

/// `--inherit FROM`.
fn inherit(from: &str) -> Result<nexsock_proto::EnvInherit> {
    from.parse().map_err(|e: String| anyhow!(e))
}

/// Turns `service add` flags into a spec. Only the shape is checked here; the engine validates.
fn spec_from_args(args: AddArgs) -> Result<ServiceSpec> {
    let env = args.env.iter().map(|pair| env_pair(pair)).collect::<Result<BTreeMap<_, _>>>()?;
    let health = args.health.as_deref().map(str::parse::<HealthCheck>).transpose()?;
    let restart = args.restart.parse::<RestartPolicy>()?;
    let cwd = match args.cwd {
        Some(dir) => absolute(&dir)?,
        None => std::env::current_dir().context("reading the current directory")?.display().to_string(),
    };
    Ok(ServiceSpec {
        name: args.name,
        command: args.command,
        cwd: Some(cwd),
        port: args.port,
        env,
        health,
        restart,
        startup_timeout_secs: args.startup_timeout,
        stop_grace_secs: args.stop_grace,
        inherit: args.inherit.as_deref().map(inherit).transpose()?,
        tags: args.tags,
    })
}

/// `service start NAME --tunnel [--smart]`: start (or chain-start) it, then open its tunnel.
async fn start_with_tunnel(name: String, smart: bool, chain: ChainArgs, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let start = if smart {
        Request::StartChain(chain_request(vec![name.clone()], chain))
    } else {
        Request::StartService { name: name.clone() }
    };
    let started = client.request(start).await?;
    if let Response::Execution(report) = &started
        && report.status != ExecutionStatus::Completed
    {
        output::print_response(&started, json, "")?;
        return Ok(ExitCode::FAILURE);
    }
    let tunnel = client.request(Request::OpenTunnel { service: name.clone(), profile: None }).await?;
    output::print_response(&tunnel, json, &format!("started {name}; tunnel"))?;
    Ok(ExitCode::SUCCESS)
}

/// `service env NAME [--show-tunnel-vars]`.
async fn env(name: String, reveal: bool, only_tunnel_vars: bool, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let mut response = client.request(Request::ServiceEnv { name, reveal }).await?;
    if let Response::Env(vars) = &mut response
        && only_tunnel_vars
    {
        vars.retain(|v| v.source.starts_with("tunnel:"));
    }
    output::print_response(&response, json, "")?;
    Ok(ExitCode::SUCCESS)
}
