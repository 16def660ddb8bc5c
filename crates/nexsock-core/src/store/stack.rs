//! Applying a stack: every service upsert and every edge change of a stack file in one
//! transaction, so that a failure anywhere writes nothing.

use std::collections::BTreeMap;

use super::{Store, StoredEdge, dependencies::write_edge, services::write_service};
use crate::error::CoreError;
use nexsock_proto::ServiceSpec;

impl Store {
    /// Upserts `services` by name, makes the dependency set of each service in `edges` exactly
    /// the given one and deletes the `pruned` services (their edges go with them). Returns the
    /// row id of each service, in order. The caller has validated everything, including that
    /// the resulting graph has no cycle.
    pub fn apply_stack(
        &mut self,
        services: &[ServiceSpec],
        edges: &BTreeMap<String, Vec<StoredEdge>>,
        pruned: &[String],
    ) -> Result<Vec<i64>, CoreError> {
        let tx = self.conn.transaction()?;
        for name in pruned {
            tx.execute("DELETE FROM service WHERE name = ?1", [name])?;
        }
        let mut ids = Vec::with_capacity(services.len());
        for spec in services {
            ids.push(write_service(&tx, spec, true)?);
        }
        for (service, declared) in edges {
            tx.execute(
                "DELETE FROM service_dependency WHERE service_id = (SELECT id FROM service WHERE name = ?1)",
                [service],
            )?;
            for e in declared {
                write_edge(&tx, e)?;
            }
        }
        tx.commit()?;
        Ok(ids)
    }
}
