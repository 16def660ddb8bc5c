//! Reads other tools' service files — process-compose, Procfile, Compose — as a nexsock [`Stack`],
//! with every field that has no counterpart (or only an approximate one) listed as [`Unmapped`].
//! Pure: text in, stack and report out; the host reads the file and applies the stack.

#![forbid(unsafe_code)]

mod compose;
mod process_compose;
mod procfile;
mod shell;
mod template;
mod yaml;

use std::path::{Path, PathBuf};

use nexsock_proto::{ImportFormat, Stack, Unmapped};

/// The file being imported.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Its absolute path: relative working directories resolve against its directory, and a
    /// Compose service's command names it.
    pub path: &'a Path,
    /// Its text.
    pub text: &'a str,
}

impl Source<'_> {
    /// The directory the file is in.
    fn dir(&self) -> PathBuf {
        self.path.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// What an import produced: the stack to apply, and what did not map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The format read.
    pub format: ImportFormat,
    /// Services and dependencies, working directories absolute.
    pub stack: Stack,
    /// Fields not mapped, or mapped only approximately, in file order.
    pub unmapped: Vec<Unmapped>,
}

/// Why a file cannot be imported. Nothing is applied then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Neither the name nor the content tells the format.
    #[error("cannot tell the format of {path}: name it with --format (process-compose, procfile or compose)")]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// The file is not valid YAML.
    #[error("{path}, line {line}, column {column}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Valid syntax, but a field is wrong or missing.
    #[error("{path}: {at}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Where: a field path (`processes.api.depends_on`) or `line N`.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// An option that does not apply to this format.
    #[error("{0}")]
    Option(String),
}

/// A field-level error before the file's path is known to the caller: `(at, message)`.
pub(crate) type FieldError = (String, String);

/// The import's options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Procfile only: `PORT` for each process, from this one up in steps of 100 (as foreman).
    pub port_base: Option<u16>,
}

/// Reads `source` in `format`, or in the format its name and content suggest.
///
/// # Errors
/// [`ImportError`] when the format cannot be told, the text does not parse, a field is invalid
/// (naming it), a dependency names no service of the file, or an option does not apply.
pub fn import(source: Source<'_>, format: Option<ImportFormat>, options: Options) -> Result<Imported, ImportError> {
    let path = source.path.display().to_string();
    let format = match format {
        Some(f) => f,
        None => detect(source.path, source.text).ok_or(ImportError::UnknownFormat { path: path.clone() })?,
    };
    if options.port_base.is_some() && format != ImportFormat::Procfile {
        return Err(ImportError::Option(format!(
            "--port-base applies to Procfiles only, and {path} is read as {format}"
        )));
    }
    let mut notes = Notes::default();
    let stack = match format {
        ImportFormat::ProcessCompose => process_compose::read(source, &mut notes),
        ImportFormat::Procfile => procfile::read(source, options.port_base, &mut notes),
        ImportFormat::Compose => compose::read(source, &mut notes),
    };
    let stack = stack.map_err(|e| match e {
        Failure::Syntax { line, column, message } => ImportError::Syntax { path: path.clone(), line, column, message },
        Failure::Field((at, message)) => ImportError::Invalid { path: path.clone(), at, message },
    })?;
    Ok(Imported { format, stack, unmapped: notes.0 })
}

/// How a reader fails, before the path is attached.
#[derive(Debug)]
pub(crate) enum Failure {
    Syntax { line: usize, column: usize, message: String },
    Field(FieldError),
}

impl From<FieldError> for Failure {
    fn from(e: FieldError) -> Self {
        Self::Field(e)
    }
}

/// The format a file's name says, else its content: a mapping with `processes` is
/// process-compose, one with `services` is Compose, and `name: command` lines are a Procfile.
pub fn detect(path: &Path, text: &str) -> Option<ImportFormat> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if name == "procfile" || name.starts_with("procfile.") {
        return Some(ImportFormat::Procfile);
    }
    if yaml && name.starts_with("process-compose") {
        return Some(ImportFormat::ProcessCompose);
    }
    if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
        return Some(ImportFormat::Compose);
    }
    if let Ok(yaml_serde::Value::Mapping(map)) = yaml_serde::from_str::<yaml_serde::Value>(text) {
        if map.contains_key("processes") {
            return Some(ImportFormat::ProcessCompose);
        }
        if map.contains_key("services") {
            return Some(ImportFormat::Compose);
        }
    }
    procfile::looks_like(text).then_some(ImportFormat::Procfile)
}

/// The unmapped fields found so far.
#[derive(Debug, Default)]
pub(crate) struct Notes(Vec<Unmapped>);

impl Notes {
    /// Records that `field` of `service` (top level when `None`) is not mapped, and why.
    pub(crate) fn add(&mut self, service: Option<&str>, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Unmapped { service: service.map(str::to_owned), field: field.into(), reason: reason.into() });
    }
}

/// `dir/path` for a relative `path`, `path` itself when absolute; `.` and `..` folded.
pub(crate) fn resolve(dir: &Path, path: &str) -> String {
    let joined = dir.join(path);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}
