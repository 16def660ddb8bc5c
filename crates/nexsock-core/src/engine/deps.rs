//! Dependency requests: add (validated against the dependency's spec, cycle-checked in the
//! store's transaction), remove, list, tree.

use std::collections::{BTreeMap, HashSet};

use nexsock_proto::{
    Change, DependencyInfo, DependencyListing, DependencySpec, Event, Response, ServiceState, TreeNode,
};

use super::Engine;
use crate::{
    error::CoreError,
    store::{StoredEdge, Upsert},
    validate::resolve_dependency,
};

impl Engine {
    pub(super) fn add_dependency(&mut self, spec: DependencySpec) -> Result<Response, CoreError> {
        self.service(&spec.service)?;
        let dependency = &self.service(&spec.depends_on)?.spec;
        let edge = resolve_dependency(&spec, dependency)?;
        let change = match self.store.upsert_dependency(&edge)? {
            Upsert::Created => Change::Created,
            Upsert::Updated => Change::Updated,
            Upsert::Unchanged => Change::Unchanged,
        };
        if change != Change::Unchanged {
            let _ = self.events.send(Event::DependencyAdded { edge: edge.to_spec(), change });
        }
        Ok(Response::Dependency { edge: edge.to_spec(), change })
    }

    pub(super) fn remove_dependency(&mut self, service: &str, depends_on: &str) -> Result<Response, CoreError> {
        self.service(service)?;
        self.service(depends_on)?;
        self.store.remove_dependency(service, depends_on)?;
        let _ = self
            .events
            .send(Event::DependencyRemoved { service: service.to_owned(), depends_on: depends_on.to_owned() });
        Ok(Response::Done)
    }

    pub(super) fn list_dependencies(&self, service: &str) -> Result<Response, CoreError> {
        self.service(service)?;
        let edges = self.store.load_edges()?;
        let info = |e: &StoredEdge, other: &str| DependencyInfo { edge: e.to_spec(), state: self.state_of(other) };
        Ok(Response::Dependencies(DependencyListing {
            service: service.to_owned(),
            dependencies: edges.iter().filter(|e| e.service == service).map(|e| info(e, &e.depends_on)).collect(),
            dependents: edges.iter().filter(|e| e.depends_on == service).map(|e| info(e, &e.service)).collect(),
        }))
    }

    pub(super) fn dependency_tree(&self, service: &str) -> Result<Response, CoreError> {
        self.service(service)?;
        let edges = self.store.load_subgraph_edges(&[service.to_owned()])?;
        let mut by_service: BTreeMap<&str, Vec<&StoredEdge>> = BTreeMap::new();
        for e in &edges {
            by_service.entry(e.service.as_str()).or_default().push(e);
        }
        let mut path = HashSet::new();
        Ok(Response::Tree(self.tree_node(service, None, &by_service, &mut path)))
    }

    fn tree_node(
        &self,
        name: &str,
        via: Option<&StoredEdge>,
        edges: &BTreeMap<&str, Vec<&StoredEdge>>,
        path: &mut HashSet<String>,
    ) -> TreeNode {
        // The store refuses cycles; the path guard only keeps a corrupted database from looping.
        let children = if path.insert(name.to_owned()) {
            let kids = edges
                .get(name)
                .into_iter()
                .flatten()
                .map(|e| self.tree_node(&e.depends_on, Some(e), edges, path))
                .collect();
            path.remove(name);
            kids
        } else {
            Vec::new()
        };
        TreeNode {
            name: name.to_owned(),
            state: self.state_of(name),
            condition: via.map(|e| e.condition),
            required: via.is_none_or(|e| e.required),
            children,
        }
    }

    pub(super) fn state_of(&self, name: &str) -> ServiceState {
        self.services.get(name).map_or(ServiceState::Stopped, |s| s.status().state)
    }
}
