//! `Import`: another tool's file read and parsed off the engine task (the engine never waits on
//! the OS), then planned and committed through the same path as `Apply` — one transaction, the
//! same report — or, for a dry run, only planned.

use std::path::{Path, PathBuf};

use nexsock_import::{Imported, Options, Source};
use nexsock_proto::{ImportFormat, ImportReport, ImportRequest, Response, Unmapped};

use super::{Engine, Outcome, Reply};
use crate::error::CoreError;

impl Engine {
    /// Reads and parses the file on a blocking thread; the answer follows its `ImportRead`.
    pub(super) fn import(&self, request: ImportRequest, reply: Reply) {
        let path = PathBuf::from(&request.path);
        if !path.is_absolute() {
            let err = CoreError::field("path", format!("`{}` is not an absolute path", request.path));
            let _ = reply.send(Err(err));
            return;
        }
        let outcomes = self.outcomes.clone();
        // Imported services run with the environment services start from: `docker` is looked
        // for on its PATH, not the host's.
        let mode = self.config.cached().services.inherit.unwrap_or_default();
        let service_path = self.environments.base(mode).vars.get("PATH").cloned().unwrap_or_default();
        tokio::task::spawn_blocking(move || {
            let result = read(&path, &request, &service_path);
            let _ = outcomes.send(Outcome::ImportRead { request, result, reply });
        });
    }

    /// Plans the parsed stack like `Apply` and commits it unless this is a dry run.
    pub(super) fn on_import_read(&mut self, request: ImportRequest, result: Result<Imported, CoreError>, reply: Reply) {
        let answer = result.and_then(|imported| {
            let plan = self.plan_stack(&imported.stack, false)?;
            let applied = if request.dry_run { plan.report } else { self.commit_stack(plan)? };
            Ok(Response::Imported(ImportReport {
                format: imported.format,
                applied,
                unmapped: imported.unmapped,
                dry_run: request.dry_run,
            }))
        });
        let _ = reply.send(answer);
    }
}

fn read(path: &Path, request: &ImportRequest, service_path: &str) -> Result<Imported, CoreError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| CoreError::ImportRead { path: path.display().to_string(), source })?;
    let source = Source { path, text: &text };
    let mut imported = nexsock_import::import(source, request.format, Options { port_base: request.port_base })?;
    if imported.format == ImportFormat::Compose
        && let Err(reason) = compose_available(service_path)
    {
        imported.unmapped.insert(0, Unmapped { service: None, field: "docker compose".into(), reason });
    }
    Ok(imported)
}

/// Whether the services of an imported Compose file can run here: `docker compose` (Compose v2)
/// on the services' PATH answers `version`. Why not, in words that say what to install, otherwise.
fn compose_available(service_path: &str) -> Result<(), String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let docker = which::which_in("docker", Some(service_path), cwd).map_err(|_| {
        "`docker` is not on the services' PATH: the imported services run `docker compose up`, so they will \
         fail to start until Docker Engine with the Compose v2 plugin is installed"
            .to_owned()
    })?;
    let out = std::process::Command::new(&docker)
        .env("PATH", service_path)
        .args(["compose", "version"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("`{} compose version` could not run: {e}", docker.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`docker compose` is not available ({}): the imported services run `docker compose up`, so install \
             the Compose v2 plugin (Debian/Ubuntu: docker-compose-plugin)",
            String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("no answer").trim()
        ))
    }
}
