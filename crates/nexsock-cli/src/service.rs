//! `nexsock service ...`: each subcommand is one request to the host.

use std::{collections::BTreeMap, process::ExitCode};

use anyhow::{Context, Result, anyhow};
use nexsock_core::Paths;
use nexsock_proto::{ChainRequest, ExecutionStatus, HealthCheck, Request, Response, RestartPolicy, ServiceSpec};

use crate::{
    cli::{AddArgs, ChainArgs, ServiceCommand},
    connect::connect_or_start,
    output,
};

/// Runs one `service` subcommand.
pub async fn run(mut cmd: ServiceCommand, json: bool) -> Result<ExitCode> {
    // A strategy or a concurrency bound only means something for a chain: asking for one asks
    // for a smart start, rather than being dropped.
    if let ServiceCommand::Start { smart, chain, .. } = &mut cmd {
        *smart |= chain.strategy.is_some() || chain.max_concurrent.is_some();
    }
    if let ServiceCommand::Start { name, free_port: true, kill_holder, .. } = &cmd {
        free_port(name, *kill_holder).await?;
    }
    let request = match cmd {
        ServiceCommand::Add(args) => Request::AddService(spec_from_args(args)?),
        ServiceCommand::Remove { name } => Request::RemoveService { name },
        ServiceCommand::List => Request::ListServices,
        ServiceCommand::Status { name } => Request::ServiceStatus { name },
        ServiceCommand::Logs { name, follow, tail, timestamps } => {
            return crate::logs::show(name, tail, follow, crate::logs::LogFormat { timestamps, json }).await;
        }
        ServiceCommand::Start { name, smart: false, tunnel: false, .. } => Request::StartService { name },
        ServiceCommand::Start { name, smart, tunnel: true, chain, .. } => {
            return start_with_tunnel(name, smart, chain, json).await;
        }
        ServiceCommand::Start { name, smart: true, chain, .. } | ServiceCommand::StartChain { name, chain } => {
            Request::StartChain(chain_request(vec![name], chain))
        }
        ServiceCommand::StartBatch { names, chain } => Request::StartChain(chain_request(name_list(&names), chain)),
        ServiceCommand::History { name, limit } => Request::History { name, limit: Some(limit) },
        ServiceCommand::Config { name, profile, .. } => Request::ConfigureService { name, tunnel_profile: profile },
        ServiceCommand::Env { name, reveal, show_tunnel_vars } => {
            return env(name, reveal, show_tunnel_vars, json).await;
        }
        ServiceCommand::Stop { name: Some(name), cascade, .. } => Request::StopService { name, cascade },
        ServiceCommand::Stop { name: None, .. } => Request::StopAll,
        ServiceCommand::Restart { name, check_deps } => Request::RestartService { name, check_deps },
    };
    let paths = Paths::from_env()?;
    let mut client = connect_or_start(&paths).await?;
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
    output::print_response(&response, json, &what)?;
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
/// `kill_holder`), and says on stderr what it stopped.
async fn free_port(name: &str, kill_holder: bool) -> Result<()> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::FreePort { name: name.to_owned(), kill_foreign: kill_holder }).await?;
    if let Response::Port(status) = response
        && let Some(holder) = status.holder
    {
        eprintln!("freed port {}: stopped {}", status.port, holder.describe());
    }
    Ok(())
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

fn chain_request(roots: Vec<String>, chain: ChainArgs) -> ChainRequest {
    ChainRequest { roots, strategy: chain.strategy, max_concurrent: chain.max_concurrent, rerun: chain.rerun }
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

/// Turns `service add` flags into a spec. Only the shape is checked here; the engine validates.
fn spec_from_args(args: AddArgs) -> Result<ServiceSpec> {
    let mut env = BTreeMap::new();
    for pair in &args.env {
        let (k, v) = pair.split_once('=').ok_or_else(|| anyhow!("invalid --env `{pair}`: expected KEY=VALUE"))?;
        env.insert(k.to_owned(), v.to_owned());
    }
    let health = args.health.as_deref().map(str::parse::<HealthCheck>).transpose()?;
    let restart = args.restart.parse::<RestartPolicy>()?;
    let cwd = match args.cwd {
        Some(dir) => Some(std::path::absolute(&dir).with_context(|| format!("resolving {}", dir.display()))?),
        None => Some(std::env::current_dir().context("reading the current directory")?),
    };
    Ok(ServiceSpec {
        name: args.name,
        command: args.command,
        cwd: cwd.map(|c| c.display().to_string()),
        port: args.port,
        env,
        health,
        restart,
        startup_timeout_secs: args.startup_timeout,
        stop_grace_secs: args.stop_grace,
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
