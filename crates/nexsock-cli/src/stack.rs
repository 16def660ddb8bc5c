//! `nexsock apply -f stack.toml` and `nexsock export`: stack files in TOML.

use std::{path::Path, process::ExitCode};

use anyhow::{Context, Result};
use nexsock_core::Paths;
use nexsock_proto::{ApplyReport, Request, Response, Stack};

use crate::{connect::connect_or_start, output};

/// Reads a stack file, resolves relative working directories against the file's directory, and
/// asks the host to apply it.
pub async fn apply(file: &Path, json: bool) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut stack: Stack = toml::from_str(&text).with_context(|| format!("invalid stack file {}", file.display()))?;
    let base = std::path::absolute(file)
        .with_context(|| format!("resolving {}", file.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    for svc in stack.services.values_mut() {
        let dir = svc.cwd.as_deref().map_or_else(|| base.clone(), |cwd| base.join(cwd));
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        svc.cwd = Some(normalize(&dir).display().to_string());
    }
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::Apply(stack)).await?;
    output::print_response(&response, json, "")?;
    if let Response::Applied(report) = &response {
        warn_shared_ports(report);
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

/// Prints the host's services and dependencies as a stack file (JSON with `--json`).
pub async fn export(json: bool) -> Result<ExitCode> {
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::Export).await?;
    output::print_response(&response, json, "")?;
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
