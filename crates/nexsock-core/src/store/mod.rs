//! The SQLite store: schema migrations applied on open, and the queries the engine needs.
//! WAL mode and foreign keys are on for every connection.

mod dependencies;
mod executions;
mod runs;
mod services;
mod stack;
mod tunnels;
mod writer;

use std::{path::Path, sync::LazyLock};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use dependencies::{StoredEdge, Upsert};
pub use runs::{NewRun, OpenRun, RunEnd};
pub use writer::Writer;

use crate::error::CoreError;

/// The numbered files in `migrations/`, embedded at compile time. Append-only: a released
/// migration never changes, so any older database can be brought up to date.
const MIGRATION_FILES: &[&str] = &[
    include_str!("../../../../migrations/0001_init.sql"),
    include_str!("../../../../migrations/0002_graph_tunnels.sql"),
    include_str!("../../../../migrations/0003_execution_report.sql"),
    include_str!("../../../../migrations/0004_tunnel_restart_opt_out.sql"),
    include_str!("../../../../migrations/0005_drop_unused.sql"),
    include_str!("../../../../migrations/0006_service_inherit.sql"),
    include_str!("../../../../migrations/0007_service_tags.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_FILES.iter().map(|sql| M::up(sql)).collect()));

/// The schema version a fully migrated database has.
pub fn latest_version() -> usize {
    MIGRATION_FILES.len()
}

/// A connection to the database, migrated to the latest schema.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, CoreError> {
        Self::from_connection(Connection::open(path)?)
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, CoreError> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Self, CoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        MIGRATIONS.to_latest(&mut conn)?;
        Ok(Self { conn })
    }

    /// The schema version (SQLite `user_version`).
    pub fn schema_version(&self) -> Result<usize, CoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The raw connection, for queries that live next to their feature.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(MIGRATIONS.validate().is_ok());
    }

    #[test]
    fn a_fresh_database_reaches_the_latest_schema_with_foreign_keys_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("open");
        assert_eq!(store.schema_version().expect("version"), latest_version());
        let fk: bool = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).expect("pragma");
        assert!(fk);
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).expect("pragma");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn no_table_or_column_is_left_that_nothing_uses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db.sqlite")).expect("open");
        let columns = |table: &str| -> Vec<String> {
            let mut stmt =
                store.conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')")).expect("prepare");
            stmt.query_map([], |r| r.get(0)).expect("query").collect::<Result<_, _>>().expect("rows")
        };
        assert!(columns("profile").is_empty(), "profiles live in config.toml");
        assert!(!columns("service").contains(&"tunnel_required".to_owned()));
        let tunnel = columns("tunnel");
        assert!(!tunnel.contains(&"protocol".to_owned()) && !tunnel.contains(&"metadata".to_owned()), "{tunnel:?}");
        assert!(tunnel.contains(&"public_url".to_owned()), "{tunnel:?}");
    }
}
