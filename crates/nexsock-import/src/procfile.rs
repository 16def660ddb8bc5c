//! Foreman's Procfile: one service per `name: command` line; comments and blank lines skipped.
//! With a port base, each process gets `PORT` (and that port), from the base up in steps of 100,
//! in file order, as `foreman start` gives them.

use std::collections::BTreeMap;

use nexsock_proto::{Stack, StackService};

use crate::{Failure, Notes, Source};

/// How far apart the ports of two processes are (foreman's step).
const PORT_STEP: u32 = 100;

/// `name: command` as foreman reads it: the name is letters, digits, `-` and `_`.
fn entry(line: &str) -> Option<(&str, &str)> {
    let (name, command) = line.split_once(':')?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let command = command.trim();
    (valid && !command.is_empty()).then_some((name, command))
}

fn skipped(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

/// Whether every line that is not blank or a comment is a `name: command` entry (and there is one).
pub(crate) fn looks_like(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !skipped(l)).peekable();
    lines.peek().is_some() && lines.all(|l| entry(l.trim()).is_some())
}

/// Reads a Procfile.
pub(crate) fn read(source: Source<'_>, port_base: Option<u16>, notes: &mut Notes) -> Result<Stack, Failure> {
    let mut stack = Stack::default();
    let cwd = source.dir().display().to_string();
    for (i, line) in source.text.lines().enumerate() {
        if skipped(line) {
            continue;
        }
        let at = format!("line {}", i + 1);
        let (name, command) =
            entry(line.trim()).ok_or_else(|| (at.clone(), format!("`{}` is not `name: command`", line.trim())))?;
        if stack.services.contains_key(name) {
            return Err((at, format!("`{name}` is declared twice")).into());
        }
        let port = port_base
            .map(|base| u32::from(base) + PORT_STEP * u32::try_from(stack.services.len()).unwrap_or(u32::MAX / 2));
        let mut env = BTreeMap::new();
        if let Some(port) = port {
            env.insert("PORT".to_owned(), port.to_string());
        } else if command.contains("$PORT") || command.contains("${PORT}") {
            notes.add(
                Some(name),
                "PORT",
                "the command uses $PORT, which foreman sets; pass --port-base to give each process one",
            );
        }
        let service = StackService {
            command: Some(command.to_owned()),
            cwd: Some(cwd.clone()),
            port,
            env,
            health: None,
            restart: nexsock_proto::RestartPolicy::No,
            startup_timeout: None,
            stop_grace: None,
            depends_on: nexsock_proto::DependsOn::default(),
            inherit: None,
            tags: Vec::new(),
        };
        stack.services.insert(name.to_owned(), service);
    }
    if stack.services.is_empty() {
        return Err(("line 1".to_owned(), "no `name: command` line".to_owned()).into());
    }
    Ok(stack)
}
