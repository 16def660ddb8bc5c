//! `nexsock import FILE`: another tool's file (process-compose, Procfile, Compose) read by the
//! host and applied like a stack; the report adds what could not be mapped.

use std::{path::Path, process::ExitCode};

use anyhow::{Context, Result};
use nexsock_core::Paths;
use nexsock_proto::{ImportFormat, ImportReport, ImportRequest, Request, Response};

use crate::{connect::connect_or_start, output};

/// Sends the file's absolute path to the host, prints its report, then warns about ports shared
/// with other services, as `apply` does (a dry run too: the report carries them).
pub async fn import(
    file: &Path,
    format: Option<&str>,
    dry_run: bool,
    port_base: Option<u16>,
    json: bool,
) -> Result<ExitCode> {
    let format = format.map(str::parse::<ImportFormat>).transpose()?;
    let path = std::path::absolute(file).with_context(|| format!("resolving {}", file.display()))?;
    let request = ImportRequest { path: path.display().to_string(), format, dry_run, port_base };
    let mut client = connect_or_start(&Paths::from_env()?).await?;
    let response = client.request(Request::Import(request)).await?;
    output::print_response(&response, json, "")?;
    if let Response::Imported(report) = &response {
        crate::stack::warn_shared_ports(&report.applied);
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as text: what changed (as `apply` prints it), then the fields not mapped.
pub fn print_report(report: &ImportReport) {
    let prefix = if report.dry_run { "dry run, nothing changed: " } else { "" };
    outln!("{prefix}imported {} as {}", plural(report.applied.services.len(), "service"), report.format);
    let _ = output::print_response(&Response::Applied(report.applied.clone()), false, "");
    if report.unmapped.is_empty() {
        return;
    }
    outln!("\nnot mapped ({}):", report.unmapped.len());
    let mut table = output::table(&["service", "field", "why"]);
    for u in &report.unmapped {
        table.add_row([u.service.as_deref().unwrap_or("-"), &u.field, &u.reason]);
    }
    outln!("{table}");
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
