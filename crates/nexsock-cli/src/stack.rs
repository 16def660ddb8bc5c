//! `nexsock apply -f stack.toml` and `nexsock export`: stack files in TOML.

use std::{path::Path, process::ExitCode};

use anyhow::{Context, Result};
use nexsock_core::Paths;
use nexsock_proto::{ApplyReport, ApplyRequest, EnvVar, Request, Response, Stack};

use crate::{connect::connect_or_start, output};

/// Reads a stack file, resolves relative working directories against the file's directory and
/// `${NAME}` references of secret variables from the environment, and asks the host to apply
/// it (or, with `dry_run`, what applying it would change).
pub async fn apply(file: &Path, dry_run: bool, prune: bool, json: bool) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut stack: Stack = toml::from_str(&text).with_context(|| format!("invalid stack file {}", file.display()))?;
    let base = std::path::absolute(file)
        .with_context(|| format!("resolving {}", file.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for svc in stack.services.values_mut() {
        // A partial entry (no command) without a cwd keeps the service's own.
        if svc.command.is_some() || svc.cwd.is_some() {
            let dir = svc.cwd.as_deref().map_or_else(|| base.clone(), |cwd| base.join(cwd));
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            svc.cwd = Some(normalize(&dir).display().to_string());
        }
        for (key, value) in &mut svc.env {
            if *value == format!("${{{key}}}")
                && let Ok(set) = std::env::var(key)
            {
                *value = set;
            }
        }
    }
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::Apply(ApplyRequest { stack, dry_run, prune })).await?;
    output::print_response(&response, json, "")?;
    if let Response::Applied(report) = &response {
        warn_shared_ports(report);
    }
    if dry_run && !json {
        outln!("dry run: nothing was changed");
    }
    Ok(ExitCode::SUCCESS)
}

/// Warns on stderr, one line per port, about the ports an applied or imported stack shares with
/// other services: they cannot run at the same time.
pub(crate) fn warn_shared_ports(report: &ApplyReport) {
    for shared in &report.shared_ports {
        let names: Vec<String> = shared.services.iter().map(|n| format!("`{n}`")).collect();
        eprintln!("warning: {} declare port {}; they cannot run at the same time", names.join(", "), shared.port);
    }
}

/// Prints the host's services and dependencies as a stack file (JSON with `--json`), or writes
/// it to `output`: working directories relative to the file's directory (the current one for
/// stdout), secret-looking values as `${NAME}` references unless `include_secrets`.
pub async fn export(output: Option<&Path>, include_secrets: bool, json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let Response::Stack(mut stack) = client.request(Request::Export).await? else {
        return Err(anyhow::anyhow!("the host answered `export` with something else"));
    };
    let base = match output {
        Some(file) => std::path::absolute(file)?.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let mut referenced = Vec::new();
    for (name, svc) in &mut stack.services {
        if let Some(cwd) = &svc.cwd {
            svc.cwd = match pathdiff::diff_paths(cwd, &base) {
                Some(rel) if rel.as_os_str().is_empty() => None,
                Some(rel) => Some(rel.display().to_string()),
                None => Some(cwd.clone()),
            };
        }
        if !include_secrets {
            for (key, value) in &mut svc.env {
                if EnvVar::is_secret_name(key) {
                    *value = format!("${{{key}}}");
                    referenced.push(format!("{name}.{key}"));
                }
            }
        }
    }
    let text = if json {
        format!("{}\n", serde_json::to_string_pretty(&stack)?)
    } else {
        let note = if referenced.is_empty() {
            String::new()
        } else {
            format!(
                "# Secret-looking values are written as ${{NAME}} references ({}): `nexsock apply`\n\
                 # takes them from its environment, or keeps the values a service already has.\n\
                 # `nexsock export --include-secrets` writes them as they are.\n",
                referenced.join(", ")
            )
        };
        format!("{note}{}", toml::to_string_pretty(&stack)?)
    };
    match output {
        Some(file) => {
            std::fs::write(file, text).with_context(|| format!("writing {}", file.display()))?;
            eprintln!("wrote {} services to {}", stack.services.len(), file.display());
        }
        None => out!("{text}"),
    }
    if !referenced.is_empty() {
        eprintln!(
            "note: {} written as ${{NAME}} references; --include-secrets writes the values",
            referenced.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Drops `.` components and folds `..` ones, without touching the file system.
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
