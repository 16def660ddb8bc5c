//! `nexsock`: the command line. Every command but `daemon` and `completions` is a client of the
//! host's socket; `daemon` runs the host itself.

#![forbid(unsafe_code)]

#[macro_use]
mod output;
mod cli;
mod connect;
mod dependency;
mod events;
mod import;
mod inspect;
mod logs;
mod progress;
mod service;
mod stack;
mod tunnel;
mod waiting;

use std::process::ExitCode;

use anyhow::Result;
use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use nexsock_core::{Host, Paths};
use nexsock_proto::Request;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime can always be built with default settings");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "nexsock", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(ExitCode::SUCCESS)
        }
        Command::Daemon => daemon().await,
        Command::Shutdown => shutdown(cli.json).await,
        Command::Service(cmd) => service::run(cmd, cli.json).await,
        Command::Dependency(cmd) => dependency::run(cmd, cli.json).await,
        Command::Profile(cmd) => tunnel::profile(cmd, cli.json).await,
        Command::Tunnel(cmd) => tunnel::tunnel(cmd, cli.json).await,
        Command::Strategy(cli::StrategyCommand::List) => connect::send(Request::GetSettings, cli.json, "").await,
        Command::Strategy(cli::StrategyCommand::Default { name }) => {
            let what = format!("{name} is the default strategy");
            connect::send(Request::SetDefaultStrategy { strategy: name }, cli.json, &what).await
        }
        Command::Strategy(cli::StrategyCommand::Add { name, base, priority, max_concurrent }) => {
            let what = format!("added strategy {name}");
            let priority = priority.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
            let spec = nexsock_proto::StrategySpec { name, base, priority, max_concurrent };
            connect::send(Request::AddStrategy(spec), cli.json, &what).await
        }
        Command::Strategy(cli::StrategyCommand::Edit { name, base, priority, max_concurrent, no_max_concurrent }) => {
            let edit = connect::StrategyEdit { base, priority, max_concurrent, no_max_concurrent };
            connect::edit_strategy(name, edit, cli.json).await
        }
        Command::Strategy(cli::StrategyCommand::Remove { name }) => {
            let what = format!("removed strategy {name}");
            connect::send(Request::RemoveStrategy { name }, cli.json, &what).await
        }
        Command::Apply { file, dry_run, prune } => stack::apply(&file, dry_run, prune, cli.json).await,
        Command::LoginChain { names, clear, chain } => {
            service::login_chain(names.as_deref(), clear, chain, cli.json).await
        }
        Command::Port { port } => connect::send(Request::PortStatus { port }, cli.json, "").await,
        Command::Export { output, include_secrets } => {
            stack::export(output.as_deref(), include_secrets, cli.json).await
        }
        Command::Import { file, format, dry_run, port_base } => {
            import::import(&file, format.as_deref(), dry_run, port_base, cli.json).await
        }
        Command::Events { service, logs, types } => {
            events::stream(events::EventFilter::new(service, logs, &types)?, cli.json).await
        }
    }
}

/// Runs the host until SIGINT/SIGTERM or a `Shutdown` request; stops every service on the way out.
async fn daemon() -> Result<ExitCode> {
    init_tracing();
    let paths = Paths::from_env()?;
    let host = Host::start(paths).await?;
    let handle = host.handle();
    let wait = host.wait();
    tokio::pin!(wait);
    #[cfg(unix)]
    {
        use anyhow::Context;
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        tokio::select! {
            _ = &mut wait => return Ok(ExitCode::SUCCESS),
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    // Windows: Ctrl+C (or Ctrl+Break) in the host's console stops it like `nexsock shutdown`.
    #[cfg(not(unix))]
    tokio::select! {
        _ = &mut wait => return Ok(ExitCode::SUCCESS),
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("stopping every service, then the host");
    let _ = handle.call(Request::Shutdown).await;
    drop(handle);
    wait.await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown(json: bool) -> Result<ExitCode> {
    let paths = Paths::from_env()?;
    let Some(mut client) = connect::connect_existing(&paths).await? else {
        if json {
            outln!("{}", serde_json::json!({ "stopped": false, "reason": "no host running" }));
        } else {
            outln!("no host is running");
        }
        return Ok(ExitCode::SUCCESS);
    };
    client.request(Request::Shutdown).await?;
    if json {
        outln!("{}", serde_json::json!({ "stopped": true }));
    } else {
        outln!("host stopped");
    }
    Ok(ExitCode::SUCCESS)
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEXSOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(output::color_enabled())
        .with_writer(std::io::stderr)
        .init();
}
