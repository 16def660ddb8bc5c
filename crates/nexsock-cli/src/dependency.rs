//! `nexsock dependency ...`: edges between services.

use std::process::ExitCode;

use anyhow::{Result, bail};
use nexsock_core::Paths;
use nexsock_proto::{Condition, DependencyInfo, DependencySpec, Request, TreeNode, TunnelMode};

use crate::{
    cli::{DependencyAddArgs, DependencyCommand},
    connect::connect_or_start,
    output,
};

/// Runs one `dependency` subcommand.
pub async fn run(cmd: DependencyCommand, json: bool) -> Result<ExitCode> {
    let request = match cmd {
        DependencyCommand::Add(args) => Request::AddDependency(spec_from_args(args)?),
        DependencyCommand::Remove { service, depends_on } => Request::RemoveDependency { service, depends_on },
        DependencyCommand::List { service } => Request::ListDependencies { service },
        DependencyCommand::Tree { service } => Request::DependencyTree { service },
    };
    let paths = Paths::from_env()?;
    let mut client = connect_or_start(&paths).await?;
    let what = match &request {
        Request::RemoveDependency { service, depends_on } => format!("{service} no longer depends on {depends_on}"),
        _ => String::new(),
    };
    let response = client.request(request).await?;
    output::print_response(&response, json, &what)?;
    Ok(ExitCode::SUCCESS)
}

/// `web -> db (healthy, optional, tunnel required, timeout 5s)`.
pub fn describe_edge(e: &DependencySpec) -> String {
    let mut s = format!("{} -> {} ({}", e.service, e.depends_on, e.condition.map_or("default", Condition::as_cli));
    if !e.required {
        s.push_str(", optional");
    }
    if e.tunnel_mode != TunnelMode::None {
        s.push_str(&format!(", tunnel {}", e.tunnel_mode.as_str()));
    }
    if let Some(t) = e.timeout_secs {
        s.push_str(&format!(", timeout {t}s"));
    }
    s.push(')');
    s
}

/// Prints one side of a `dependency list`.
pub fn print_infos(infos: &[DependencyInfo], other: impl Fn(&DependencySpec) -> &String) {
    if infos.is_empty() {
        outln!("  (none)");
    }
    for i in infos {
        let cond = i.edge.condition.map_or("default", Condition::as_cli);
        let opt = if i.edge.required { "" } else { ", optional" };
        outln!("  {} ({}) — {cond}{opt}", other(&i.edge), i.state);
    }
}

/// Prints a tree's children with box-drawing branches.
pub fn print_children(node: &TreeNode, prefix: &str) {
    let n = node.children.len();
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == n;
        let cond = child.condition.map_or("", Condition::as_cli);
        let opt = if child.required { "" } else { ", optional" };
        outln!("{prefix}{} {} ({}) {cond}{opt}", if last { "└──" } else { "├──" }, child.name, child.state);
        print_children(child, &format!("{prefix}{}", if last { "    " } else { "│   " }));
    }
}

fn spec_from_args(args: DependencyAddArgs) -> Result<DependencySpec> {
    let tunnel_mode = match (args.tunnel, args.tunnel_mode.as_deref()) {
        (false, _) => TunnelMode::None,
        (true, None) => TunnelMode::Optional,
        (true, Some(mode)) => match mode.parse::<TunnelMode>()? {
            TunnelMode::None => bail!("--tunnel-mode is optional or required"),
            m @ (TunnelMode::Optional | TunnelMode::Required) => m,
        },
    };
    Ok(DependencySpec {
        service: args.service,
        depends_on: args.depends_on,
        condition: args.condition.as_deref().map(str::parse).transpose()?,
        required: !args.optional,
        tunnel_mode,
        timeout_secs: args.timeout,
        health_path: args.health_path,
        env_alias: args.env_alias,
        restart_on_new_url: !args.no_restart_on_new_url,
    })
}
