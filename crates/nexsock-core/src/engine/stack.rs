//! `apply` and `export`: a stack file in, the current state out. Apply validates everything
//! first — specs, edges against the final specs, and the final graph for cycles — then writes
//! all of it in one transaction; on any error nothing changes.

use std::collections::{BTreeMap, HashMap};

use nexsock_proto::{
    ApplyReport, ApplyRequest, Change, Condition, DependencySpec, DependsOn, EdgeChange, Event, HealthCheck,
    NamedChange, Response, ServiceSpec, SharedPort, Stack, StackEdge, StackService, TunnelMode,
};

use super::{Engine, service::Service};
use crate::{
    error::CoreError,
    graph::{DependencyGraph, Edge},
    store::StoredEdge,
    validate::{resolve_dependency, validate_spec},
};

/// A validated stack and what applying it changes, before anything is written.
pub(super) struct StackPlan {
    specs: Vec<ServiceSpec>,
    declared: BTreeMap<String, Vec<StoredEdge>>,
    /// Services the stack does not declare, removed by `--prune`.
    pruned: Vec<String>,
    /// What applying it creates, updates, leaves unchanged and removes.
    pub(super) report: ApplyReport,
}

impl Engine {
    pub(super) fn apply(&mut self, request: ApplyRequest) -> Result<Response, CoreError> {
        let plan = self.plan_stack(&request.stack, request.prune)?;
        if request.dry_run {
            return Ok(Response::Applied(plan.report));
        }
        self.commit_stack(plan).map(Response::Applied)
    }

    /// A stack entry as the service it defines: a whole definition when it gives a command,
    /// else the existing service with the fields it gives changed. `${NAME}` values of secret
    /// variables (what `export` writes) keep the stored value.
    fn stack_spec(&self, name: &str, s: &StackService) -> Result<ServiceSpec, CoreError> {
        let existing = self.services.get(name).map(|svc| &svc.spec);
        let mut spec = match (&s.command, existing) {
            (Some(_), _) => spec_from_stack(name, s)?,
            (None, Some(old)) => merged_spec(old, s)?,
            (None, None) => {
                return Err(CoreError::field(
                    "command",
                    format!("service `{name}` does not exist yet: its entry needs a `command`"),
                ));
            }
        };
        for (key, value) in &mut spec.env {
            if *value != format!("${{{key}}}") || !nexsock_proto::EnvVar::is_secret_name(key) {
                continue;
            }
            match existing.and_then(|old| old.env.get(key)) {
                Some(stored) => value.clone_from(stored),
                None => {
                    return Err(CoreError::field(
                        "env",
                        format!(
                            "`{key}` of `{name}` is the reference ${{{key}}}: set {key} in the environment of `nexsock apply`"
                        ),
                    ));
                }
            }
        }
        Ok(spec)
    }

    /// Validates a stack — specs, edges against the final specs, the final graph for cycles —
    /// and works out its report; writes nothing (a dry run stops here). With `prune`, the
    /// services it does not declare are removed (they must be down).
    pub(super) fn plan_stack(&self, stack: &Stack, prune: bool) -> Result<StackPlan, CoreError> {
        let specs = stack.services.iter().map(|(name, s)| self.stack_spec(name, s)).collect::<Result<Vec<_>, _>>()?;
        for spec in &specs {
            validate_spec(spec)?;
        }
        let pruned: Vec<String> = if prune {
            self.services.keys().filter(|n| !stack.services.contains_key(*n)).cloned().collect()
        } else {
            Vec::new()
        };
        for name in &pruned {
            let svc = self.service(name)?;
            if !svc.is_down() {
                return Err(CoreError::ServiceBusy { name: name.clone(), state: svc.status().state.to_string() });
            }
        }
        let mut final_specs: HashMap<&str, &ServiceSpec> =
            self.services.iter().filter(|(n, _)| !pruned.contains(n)).map(|(n, s)| (n.as_str(), &s.spec)).collect();
        final_specs.extend(specs.iter().map(|s| (s.name.as_str(), s)));
        let mut declared: BTreeMap<String, Vec<StoredEdge>> = BTreeMap::new();
        for (name, svc) in &stack.services {
            // A partial entry without `depends_on` keeps the service's edges.
            if svc.command.is_none() && svc.depends_on.is_empty() {
                continue;
            }
            let edges = declared.entry(name.clone()).or_default();
            for (dep, opts) in svc.depends_on.edges() {
                let dependency = final_specs
                    .get(dep.as_str())
                    .ok_or_else(|| CoreError::unknown_service(&dep, final_specs.keys().copied()))?;
                edges.push(resolve_dependency(&edge_spec(name, &dep, &opts)?, dependency)?);
            }
        }
        let existing = self.store.load_edges()?;
        let gone = |e: &&StoredEdge| pruned.contains(&e.service) || pruned.contains(&e.depends_on);
        let kept = existing.iter().filter(|e| !declared.contains_key(&e.service)).filter(|e| !gone(e));
        let graph =
            DependencyGraph::from_parts(final_specs.keys(), kept.chain(declared.values().flatten()).map(Edge::from))?;
        if let Some(cycle) = graph.find_cycle() {
            return Err(CoreError::Cycle(cycle));
        }
        let mut dependencies = edge_changes(&existing, &declared);
        dependencies.extend(existing.iter().filter(gone).map(|e| EdgeChange {
            service: e.service.clone(),
            depends_on: e.depends_on.clone(),
            change: Change::Removed,
        }));
        let report = ApplyReport {
            services: specs
                .iter()
                .map(|s| NamedChange {
                    name: s.name.clone(),
                    change: match self.services.get(&s.name) {
                        None => Change::Created,
                        Some(old) if old.spec == *s => Change::Unchanged,
                        Some(_) => Change::Updated,
                    },
                })
                .chain(pruned.iter().map(|n| NamedChange { name: n.clone(), change: Change::Removed }))
                .collect(),
            dependencies,
            shared_ports: shared_ports(final_specs.values().copied(), &specs),
        };
        Ok(StackPlan { specs, declared, pruned, report })
    }

    /// Writes a planned stack in one transaction, updates the services and tells subscribers.
    pub(super) fn commit_stack(&mut self, plan: StackPlan) -> Result<ApplyReport, CoreError> {
        let StackPlan { specs, declared, pruned, report } = plan;
        let ids = self.store.apply_stack(&specs, &declared, &pruned)?;
        for name in &pruned {
            self.services.remove(name);
            let _ = self.events.send(Event::ServiceRemoved { name: name.clone() });
        }
        for ((spec, id), change) in specs.into_iter().zip(ids).zip(&report.services) {
            let name = spec.name.clone();
            match self.services.get_mut(&name) {
                // A running service keeps running; the new spec applies from its next start.
                Some(svc) => svc.replace_spec(spec)?,
                None => {
                    self.services.insert(name.clone(), Service::new(id, spec)?);
                }
            }
            let detail = self.service(&name)?.detail();
            let _ = self.events.send(match change.change {
                Change::Created => Event::ServiceAdded(detail),
                Change::Updated | Change::Unchanged | Change::Removed => Event::ServiceUpdated(detail),
            });
        }
        self.emit_edge_changes(&report.dependencies, &declared);
        Ok(report)
    }

    /// A `DependencyAdded` or `DependencyRemoved` per edge `apply` created, updated or removed.
    fn emit_edge_changes(&self, changes: &[EdgeChange], declared: &BTreeMap<String, Vec<StoredEdge>>) {
        for c in changes {
            let event = match c.change {
                Change::Unchanged => continue,
                Change::Removed => {
                    Event::DependencyRemoved { service: c.service.clone(), depends_on: c.depends_on.clone() }
                }
                Change::Created | Change::Updated => {
                    let Some(edge) =
                        declared.get(&c.service).into_iter().flatten().find(|e| e.depends_on == c.depends_on)
                    else {
                        continue;
                    };
                    Event::DependencyAdded { edge: edge.to_spec(), change: c.change }
                }
            };
            let _ = self.events.send(event);
        }
    }

    pub(super) fn export(&self) -> Result<Response, CoreError> {
        let edges = self.store.load_edges()?;
        let services = self
            .services
            .values()
            .map(|svc| {
                let deps: BTreeMap<String, StackEdge> = edges
                    .iter()
                    .filter(|e| e.service == svc.spec.name)
                    .map(|e| {
                        let default = self.services.get(&e.depends_on).map(|d| default_condition(&d.spec));
                        (e.depends_on.clone(), stack_edge(e, default))
                    })
                    .collect();
                (svc.spec.name.clone(), stack_service(&svc.spec, deps))
            })
            .collect();
        Ok(Response::Stack(Stack { services }))
    }
}

/// A partial entry over the service it names: the fields it gives replace the stored ones, its
/// variables are added to (or replace) the stored ones.
fn merged_spec(old: &ServiceSpec, s: &StackService) -> Result<ServiceSpec, CoreError> {
    let mut spec = old.clone();
    if s.cwd.is_some() {
        spec.cwd.clone_from(&s.cwd);
    }
    if s.port.is_some() {
        spec.port = s.port;
    }
    spec.env.extend(s.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(health) = &s.health {
        spec.health = Some(health.parse::<HealthCheck>()?);
    }
    if s.restart != nexsock_proto::RestartPolicy::No {
        spec.restart = s.restart;
    }
    if let Some(secs) = s.startup_timeout {
        spec.startup_timeout_secs = secs;
    }
    if let Some(secs) = s.stop_grace {
        spec.stop_grace_secs = secs;
    }
    if s.inherit.is_some() {
        spec.inherit = s.inherit;
    }
    if !s.tags.is_empty() {
        spec.tags.clone_from(&s.tags);
    }
    Ok(spec)
}

fn spec_from_stack(name: &str, s: &StackService) -> Result<ServiceSpec, CoreError> {
    Ok(ServiceSpec {
        name: name.to_owned(),
        command: s.command.clone().unwrap_or_default(),
        cwd: s.cwd.clone(),
        port: s.port,
        env: s.env.clone(),
        health: s.health.as_deref().map(str::parse::<HealthCheck>).transpose()?,
        restart: s.restart,
        startup_timeout_secs: s.startup_timeout.unwrap_or(nexsock_proto::DEFAULT_STARTUP_TIMEOUT_SECS),
        stop_grace_secs: s.stop_grace.unwrap_or(nexsock_proto::DEFAULT_STOP_GRACE_SECS),
        inherit: s.inherit,
        tags: s.tags.clone(),
    })
}

fn edge_spec(service: &str, dep: &str, opts: &StackEdge) -> Result<DependencySpec, CoreError> {
    let tunnel_mode = match opts.tunnel.as_deref() {
        None => TunnelMode::None,
        Some(mode) => mode.parse()?,
    };
    Ok(DependencySpec {
        service: service.to_owned(),
        depends_on: dep.to_owned(),
        condition: opts.condition.as_deref().map(str::parse::<Condition>).transpose()?,
        required: !opts.optional,
        tunnel_mode,
        timeout_secs: opts.timeout,
        health_path: opts.health_path.clone(),
        env_alias: opts.env_alias.clone(),
        restart_on_new_url: !opts.keep_running_on_new_url,
    })
}

fn edge_changes(existing: &[StoredEdge], declared: &BTreeMap<String, Vec<StoredEdge>>) -> Vec<EdgeChange> {
    let mut out = Vec::new();
    for (service, edges) in declared {
        for e in edges {
            let old = existing.iter().find(|o| o.service == e.service && o.depends_on == e.depends_on);
            let change = match old {
                None => Change::Created,
                Some(o) if o == e => Change::Unchanged,
                Some(_) => Change::Updated,
            };
            out.push(EdgeChange { service: e.service.clone(), depends_on: e.depends_on.clone(), change });
        }
        for o in existing.iter().filter(|o| &o.service == service) {
            if !edges.iter().any(|e| e.depends_on == o.depends_on) {
                out.push(EdgeChange {
                    service: o.service.clone(),
                    depends_on: o.depends_on.clone(),
                    change: Change::Removed,
                });
            }
        }
    }
    out
}

/// The ports of `declared` that two or more of the `final_specs` (the services once the stack is
/// applied) declare, each with all of its services by name, sorted by port.
fn shared_ports<'a>(final_specs: impl Iterator<Item = &'a ServiceSpec>, declared: &[ServiceSpec]) -> Vec<SharedPort> {
    let mut by_port: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for spec in final_specs {
        if let Some(port) = spec.port {
            by_port.entry(port).or_default().push(spec.name.clone());
        }
    }
    by_port
        .into_iter()
        .filter(|(port, names)| names.len() > 1 && declared.iter().any(|s| s.port == Some(*port)))
        .map(|(port, mut services)| {
            services.sort();
            SharedPort { port, services }
        })
        .collect()
}

/// The condition an edge gets when it names none.
fn default_condition(dependency: &ServiceSpec) -> Condition {
    if dependency.health.is_some() { Condition::Healthy } else { Condition::Started }
}

/// An edge as a stack file writes it: what is the default (the condition the rule would pick
/// anyway) is left out.
fn stack_edge(e: &StoredEdge, default: Option<Condition>) -> StackEdge {
    StackEdge {
        condition: (Some(e.condition) != default).then(|| e.condition.as_cli().to_owned()),
        optional: !e.required,
        timeout: e.timeout_secs,
        tunnel: (e.tunnel_mode != TunnelMode::None).then(|| e.tunnel_mode.as_str().to_owned()),
        health_path: e.health_path.clone(),
        env_alias: e.env_alias.clone(),
        keep_running_on_new_url: !e.restart_on_new_url,
    }
}

/// A service as a stack file writes it: defaults left out, dependencies without options as a
/// plain list.
fn stack_service(spec: &ServiceSpec, deps: BTreeMap<String, StackEdge>) -> StackService {
    let depends_on = if deps.values().all(|e| *e == StackEdge::default()) {
        DependsOn::List(deps.into_keys().collect())
    } else {
        DependsOn::Map(deps)
    };
    StackService {
        command: Some(spec.command.clone()),
        cwd: spec.cwd.clone(),
        port: spec.port,
        env: spec.env.clone(),
        health: spec.health.as_ref().map(ToString::to_string),
        restart: spec.restart,
        startup_timeout: (spec.startup_timeout_secs != nexsock_proto::DEFAULT_STARTUP_TIMEOUT_SECS)
            .then_some(spec.startup_timeout_secs),
        stop_grace: (spec.stop_grace_secs != nexsock_proto::DEFAULT_STOP_GRACE_SECS).then_some(spec.stop_grace_secs),
        depends_on,
        inherit: spec.inherit,
        tags: spec.tags.clone(),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn spec(name: &str, port: Option<u32>) -> ServiceSpec {
        let service = StackService {
            command: Some("true".into()),
            cwd: None,
            port,
            env: BTreeMap::new(),
            health: None,
            restart: nexsock_proto::RestartPolicy::No,
            startup_timeout: None,
            stop_grace: None,
            depends_on: DependsOn::default(),
            inherit: None,
            tags: Vec::new(),
        };
        spec_from_stack(name, &service).expect("a plain command is a valid spec")
    }

    /// `existing` and `stack` as (name, port); the final state is `existing` overridden by `stack`.
    fn shared(existing: &[(&str, Option<u32>)], stack: &[(&str, Option<u32>)]) -> Vec<(u32, Vec<String>)> {
        let declared: Vec<ServiceSpec> = stack.iter().map(|(n, p)| spec(n, *p)).collect();
        let mut all: BTreeMap<String, ServiceSpec> =
            existing.iter().map(|(n, p)| ((*n).to_owned(), spec(n, *p))).collect();
        all.extend(declared.iter().map(|s| (s.name.clone(), s.clone())));
        shared_ports(all.values(), &declared).into_iter().map(|s| (s.port, s.services)).collect()
    }

    #[rstest]
    #[case::with_an_existing_service(&[("other", Some(5000))], &[("web", Some(5000))], &[(5000, &["other", "web"][..])])]
    #[case::between_two_of_the_stack(&[], &[("web", Some(80)), ("api", Some(80)), ("db", Some(5432))], &[(80, &["api", "web"][..])])]
    #[case::sorted_by_port(&[("b", Some(9)), ("a", Some(3))], &[("x", Some(9)), ("y", Some(3))], &[(3, &["a", "y"][..]), (9, &["b", "x"][..])])]
    #[case::none_shared(&[("other", Some(5000))], &[("web", Some(5001)), ("worker", None)], &[])]
    #[case::only_among_existing_services(&[("a", Some(7)), ("b", Some(7))], &[("web", Some(8))], &[])]
    #[case::a_redeclared_service_keeps_only_its_new_port(&[("web", Some(80)), ("api", Some(81))], &[("web", Some(81))], &[(81, &["api", "web"][..])])]
    fn shared_ports_of_a_stack(
        #[case] existing: &[(&str, Option<u32>)],
        #[case] stack: &[(&str, Option<u32>)],
        #[case] expected: &[(u32, &[&str])],
    ) {
        let expected: Vec<(u32, Vec<String>)> =
            expected.iter().map(|(p, names)| (*p, names.iter().map(|n| (*n).to_owned()).collect())).collect();
        assert_eq!(shared(existing, stack), expected);
    }
}
