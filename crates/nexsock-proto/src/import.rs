//! Importing another tool's file (`nexsock import FILE`): process-compose, a Procfile or a Compose
//! file becomes services and dependencies, applied like a stack, with every field that has no
//! counterpart reported instead of dropped.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, ErrorCode},
    stack::ApplyReport,
};

/// The formats `Import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum ImportFormat {
    /// process-compose's YAML (`process-compose.yaml`, `version: "0.5"`).
    ProcessCompose,
    /// Foreman's `Procfile`: one `name: command` a line.
    Procfile,
    /// A Compose file (`compose.yaml`, `docker-compose.yml`), each service run through Docker.
    Compose,
}

impl ImportFormat {
    /// The spelling users type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcessCompose => "process-compose",
            Self::Procfile => "procfile",
            Self::Compose => "compose",
        }
    }
}

impl fmt::Display for ImportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImportFormat {
    type Err = ApiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "process-compose" => Ok(Self::ProcessCompose),
            "procfile" => Ok(Self::Procfile),
            "compose" => Ok(Self::Compose),
            other => Err(ApiError::new(
                ErrorCode::InvalidArgument,
                format!("unknown import format `{other}` (expected process-compose, procfile or compose)"),
            )
            .at_field("format")),
        }
    }
}

/// What to import, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportRequest {
    /// Absolute path of the file; the host reads it (it runs as the same user).
    pub path: String,
    /// The file's format; detected from its name and content when absent.
    #[serde(default)]
    pub format: Option<ImportFormat>,
    /// Validate and report what would change, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Procfile only: give each process a `PORT`, from this one up in steps of 100 (as foreman).
    #[serde(default)]
    pub port_base: Option<u16>,
}

/// What an import changed (or, in a dry run, would change), and what it could not map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportReport {
    /// The format read.
    pub format: ImportFormat,
    /// Services and dependencies created, updated and left unchanged, as `Apply` reports them.
    pub applied: ApplyReport,
    /// Every field of the file that nexsock has no counterpart for, or maps only approximately.
    pub unmapped: Vec<Unmapped>,
    /// Nothing was written.
    pub dry_run: bool,
}

/// One field of an imported file that was not mapped (or mapped only approximately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Unmapped {
    /// The service it belongs to; absent for a top-level field.
    pub service: Option<String>,
    /// The field, as the file spells it (`availability.max_restarts`, `depends_on.db.condition`).
    pub field: String,
    /// Why, and what nexsock does instead.
    pub reason: String,
}
