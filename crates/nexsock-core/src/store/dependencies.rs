//! Dependency edges: upsert with the cycle check in the same transaction, removal, and loading a
//! root's whole sub-graph with one recursive query.

use std::collections::{HashMap, VecDeque};

use nexsock_proto::{Condition, DependencySpec, TunnelMode};
use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use crate::error::CoreError;

/// An edge as stored, with its condition resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEdge {
    /// The dependent.
    pub service: String,
    /// The dependency.
    pub depends_on: String,
    /// When the dependency counts as satisfied.
    pub condition: Condition,
    /// Hard (true) or soft dependency.
    pub required: bool,
    /// Tunnel for the dependent.
    pub tunnel_mode: TunnelMode,
    /// Bound on the wait, seconds.
    pub timeout_secs: Option<u64>,
    /// Path for an HTTP check of this edge.
    pub health_path: Option<String>,
    /// Alias for the injected URL variable.
    pub env_alias: Option<String>,
    /// Restart the dependent when the tunnel comes back with a new URL.
    pub restart_on_new_url: bool,
}

impl From<&StoredEdge> for crate::graph::Edge {
    /// The graph's view of a stored edge (everything but the restart flag).
    fn from(e: &StoredEdge) -> Self {
        Self {
            service: e.service.clone(),
            depends_on: e.depends_on.clone(),
            condition: e.condition,
            required: e.required,
            tunnel_mode: e.tunnel_mode,
            timeout_secs: e.timeout_secs,
            env_alias: e.env_alias.clone(),
            health_path: e.health_path.clone(),
        }
    }
}

impl StoredEdge {
    /// The contract's form of this edge.
    pub fn to_spec(&self) -> DependencySpec {
        DependencySpec {
            service: self.service.clone(),
            depends_on: self.depends_on.clone(),
            condition: Some(self.condition),
            required: self.required,
            tunnel_mode: self.tunnel_mode,
            timeout_secs: self.timeout_secs,
            health_path: self.health_path.clone(),
            env_alias: self.env_alias.clone(),
            restart_on_new_url: self.restart_on_new_url,
        }
    }
}

/// Whether an upsert created the edge or changed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// A new edge.
    Created,
    /// An existing edge got new options.
    Updated,
    /// The edge existed with the same options.
    Unchanged,
}

const EDGE_COLUMNS: &str = "s.name, d.name, e.condition, e.required, e.tunnel_mode, e.startup_timeout_secs,
     e.health_check_path, e.env_alias, e.restart_on_new_url";

fn edge_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEdge> {
    fn parsed<T: std::str::FromStr<Err = nexsock_proto::ApiError>>(
        r: &rusqlite::Row<'_>,
        i: usize,
    ) -> rusqlite::Result<T> {
        r.get::<_, String>(i)?
            .parse()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    }
    Ok(StoredEdge {
        service: r.get(0)?,
        depends_on: r.get(1)?,
        condition: parsed(r, 2)?,
        required: r.get(3)?,
        tunnel_mode: parsed(r, 4)?,
        timeout_secs: r.get(5)?,
        health_path: r.get(6)?,
        env_alias: r.get(7)?,
        restart_on_new_url: r.get(8)?,
    })
}

impl Store {
    /// Inserts or updates an edge. Inside one transaction it resolves both names and refuses an
    /// edge that would close a cycle, naming it; on any error nothing is written.
    pub fn upsert_dependency(&mut self, edge: &StoredEdge) -> Result<Upsert, CoreError> {
        let tx = self.conn.transaction()?;
        let service_id = id_of(&tx, &edge.service)?;
        let dep_id = id_of(&tx, &edge.depends_on)?;
        if let Some(path) = path_between(&tx, dep_id, service_id)? {
            let mut cycle = vec![edge.service.clone()];
            cycle.extend(path);
            return Err(CoreError::Cycle(cycle));
        }
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {EDGE_COLUMNS} FROM service_dependency e
                     JOIN service s ON s.id = e.service_id JOIN service d ON d.id = e.depends_on_id
                     WHERE e.service_id = ?1 AND e.depends_on_id = ?2"
                ),
                params![service_id, dep_id],
                edge_from_row,
            )
            .optional()?;
        let outcome = match &existing {
            None => Upsert::Created,
            Some(old) if old == edge => Upsert::Unchanged,
            Some(_) => Upsert::Updated,
        };
        write_edge(&tx, edge)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Removes an edge; an edge that does not exist is an error.
    pub fn remove_dependency(&self, service: &str, depends_on: &str) -> Result<(), CoreError> {
        let n = self.conn.execute(
            "DELETE FROM service_dependency
             WHERE service_id = (SELECT id FROM service WHERE name = ?1)
               AND depends_on_id = (SELECT id FROM service WHERE name = ?2)",
            params![service, depends_on],
        )?;
        if n == 0 {
            return Err(CoreError::UnknownDependency {
                service: service.to_owned(),
                depends_on: depends_on.to_owned(),
            });
        }
        Ok(())
    }

    /// Every edge, sorted.
    pub fn load_edges(&self) -> Result<Vec<StoredEdge>, CoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EDGE_COLUMNS} FROM service_dependency e
             JOIN service s ON s.id = e.service_id JOIN service d ON d.id = e.depends_on_id
             ORDER BY s.name, d.name"
        ))?;
        let rows = stmt.query_map([], edge_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The edges of the sub-graph the roots need (the roots and everything they depend on,
    /// transitively), in one recursive query.
    pub fn load_subgraph_edges(&self, roots: &[String]) -> Result<Vec<StoredEdge>, CoreError> {
        let roots_json = serde_json::to_string(roots).map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH RECURSIVE needed(id) AS (
                 SELECT s.id FROM service s JOIN json_each(?1) j ON j.value = s.name
                 UNION
                 SELECT e.depends_on_id FROM service_dependency e JOIN needed n ON e.service_id = n.id
             )
             SELECT {EDGE_COLUMNS} FROM needed n
             CROSS JOIN service_dependency e ON e.service_id = n.id
             JOIN service s ON s.id = e.service_id JOIN service d ON d.id = e.depends_on_id"
        ))?;
        // The needed set drives the query (CROSS JOIN keeps SQLite from scanning every service to
        // serve an ORDER BY); sorting the few edges here is cheaper.
        let rows = stmt.query_map([roots_json], edge_from_row)?;
        let mut edges: Vec<StoredEdge> = rows.collect::<Result<_, _>>()?;
        edges.sort_by(|a, b| (&a.service, &a.depends_on).cmp(&(&b.service, &b.depends_on)));
        Ok(edges)
    }
}

/// Inserts an edge, or updates the options of the existing one; the services are named. Shared
/// by `dependency add` and `apply`.
pub(super) fn write_edge(conn: &rusqlite::Connection, edge: &StoredEdge) -> Result<(), CoreError> {
    conn.execute(
        "INSERT INTO service_dependency (service_id, depends_on_id, condition, required, tunnel_mode,
                                         startup_timeout_secs, health_check_path, env_alias, restart_on_new_url)
         VALUES ((SELECT id FROM service WHERE name = ?1), (SELECT id FROM service WHERE name = ?2),
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (service_id, depends_on_id) DO UPDATE SET
           condition = excluded.condition, required = excluded.required, tunnel_mode = excluded.tunnel_mode,
           startup_timeout_secs = excluded.startup_timeout_secs, health_check_path = excluded.health_check_path,
           env_alias = excluded.env_alias, restart_on_new_url = excluded.restart_on_new_url",
        params![
            edge.service,
            edge.depends_on,
            edge.condition.as_db(),
            edge.required,
            edge.tunnel_mode.as_str(),
            edge.timeout_secs,
            edge.health_path,
            edge.env_alias,
            edge.restart_on_new_url
        ],
    )?;
    Ok(())
}

fn id_of(tx: &Transaction<'_>, name: &str) -> Result<i64, CoreError> {
    tx.query_row("SELECT id FROM service WHERE name = ?1", [name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::unknown_service(name, []))
}

/// The names along a dependency path from `from` to `to` (both included), if one exists.
/// Reachability is one recursive query over ids (linear in the edges, however many paths a DAG
/// has); only when a path exists are the edges walked again to name it.
fn path_between(tx: &Transaction<'_>, from: i64, to: i64) -> Result<Option<Vec<String>>, CoreError> {
    let reachable: bool = tx.query_row(
        "WITH RECURSIVE reach(id) AS (
             SELECT ?1
             UNION
             SELECT e.depends_on_id FROM service_dependency e JOIN reach r ON e.service_id = r.id
         )
         SELECT EXISTS (SELECT 1 FROM reach WHERE id = ?2)",
        params![from, to],
        |r| r.get(0),
    )?;
    if !reachable {
        return Ok(None);
    }
    let mut stmt = tx.prepare("SELECT service_id, depends_on_id FROM service_dependency")?;
    let mut next: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (a, b) = row?;
        next.entry(a).or_default().push(b);
    }
    // Breadth-first from `from`, remembering each node's parent, then walk back from `to`.
    let mut parent: HashMap<i64, i64> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        if id == to {
            break;
        }
        for &n in next.get(&id).into_iter().flatten() {
            if n != from && !parent.contains_key(&n) {
                parent.insert(n, id);
                queue.push_back(n);
            }
        }
    }
    let mut ids = vec![to];
    while let Some(&p) = parent.get(ids.last().unwrap_or(&from)) {
        ids.push(p);
    }
    ids.reverse();
    let mut names = Vec::with_capacity(ids.len());
    for id in ids {
        names.push(tx.query_row("SELECT name FROM service WHERE id = ?1", [id], |r| r.get(0))?);
    }
    Ok(Some(names))
}
