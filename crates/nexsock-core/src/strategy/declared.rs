//! Strategies declared at run time (`nexsock strategy add`, `[strategies.NAME]` in config.toml):
//! one adapter over a registered strategy that moves the declared `priority` services ahead of
//! every other startable one and supplies a default concurrency bound; the base plans the rest.

use std::sync::Arc;

use nexsock_proto::StrategySpec;

use super::{DependencyStrategy, Plan, PlanOptions};
use crate::graph::{DependencyGraph, GraphError};

/// A strategy shared between the registry and the declared strategies built on it.
pub(crate) type SharedStrategy = Arc<dyn DependencyStrategy + Send + Sync>;

/// A declared strategy: its spec and the strategy it adjusts.
pub struct Declared {
    spec: StrategySpec,
    base: SharedStrategy,
}

impl Declared {
    /// `spec` over `base` (the registry checks that `base` is the one `spec.base` names).
    pub(crate) fn new(spec: StrategySpec, base: SharedStrategy) -> Self {
        Self { spec, base }
    }

    /// What it was declared as.
    pub fn spec(&self) -> &StrategySpec {
        &self.spec
    }
}

impl DependencyStrategy for Declared {
    fn name(&self) -> &str {
        &self.spec.name
    }

    /// The base's plan with the chain's bound, else the declared one; then each `priority`
    /// service of the plan gets a priority above every other step's, the first listed highest.
    /// The base's waits are kept, so a priority service still waits for its dependencies (and
    /// for whatever ordering the base imposes).
    fn plan(&self, graph: &DependencyGraph, roots: &[String], options: &PlanOptions) -> Result<Plan, GraphError> {
        let options = PlanOptions {
            max_concurrent: options.max_concurrent.or(self.spec.max_concurrent),
            durations: options.durations.clone(),
        };
        let mut plan = self.base.plan(graph, roots, &options)?;
        let top = plan.steps.iter().map(|s| s.priority).max().unwrap_or(0);
        let listed = self.spec.priority.len() as u64;
        for step in &mut plan.steps {
            if let Some(rank) = self.spec.priority.iter().position(|p| *p == step.service) {
                step.priority = top.saturating_add(listed - rank as u64);
            }
        }
        plan.strategy.clone_from(&self.spec.name);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rstest::rstest;

    use super::*;
    use crate::strategy::{Concurrent, CriticalPath, Sequential};

    /// `web` depends on `api`; `a`, `b` and `c` stand alone.
    fn graph() -> DependencyGraph {
        let edges = [crate::graph::Edge::new("web", "api", nexsock_proto::Condition::Started)];
        DependencyGraph::from_parts(["a", "b", "c", "api", "web"], edges).expect("acyclic")
    }

    fn declared(base: SharedStrategy, priority: &[&str], max_concurrent: Option<usize>) -> Declared {
        let spec = StrategySpec {
            name: "mine".into(),
            base: base.name().to_owned(),
            priority: priority.iter().map(|s| (*s).to_owned()).collect(),
            max_concurrent,
        };
        Declared::new(spec, base)
    }

    fn roots() -> Vec<String> {
        ["a", "b", "c", "web"].map(str::to_owned).to_vec()
    }

    #[rstest]
    #[case::concurrent(Arc::new(Concurrent))]
    #[case::critical_path(Arc::new(CriticalPath))]
    fn priority_services_outrank_every_other_step_in_the_listed_order(#[case] base: SharedStrategy) {
        let plan = declared(base, &["c", "api"], None).plan(&graph(), &roots(), &PlanOptions::default()).expect("plan");
        let priority = |s: &str| plan.step(s).expect("planned").priority;
        let others = ["a", "b", "web"].map(priority);
        assert!(priority("c") > priority("api"), "{plan:?}");
        assert!(others.iter().all(|&p| p < priority("api")), "{plan:?}");
        assert_eq!(plan.strategy, "mine");
    }

    #[test]
    fn the_declared_bound_applies_unless_the_chain_names_one() {
        let strategy = declared(Arc::new(Concurrent), &[], Some(2));
        let plan = strategy.plan(&graph(), &roots(), &PlanOptions::default()).expect("plan");
        assert_eq!(plan.max_concurrent, Some(2));
        let options = PlanOptions { max_concurrent: Some(3), durations: HashMap::new() };
        assert_eq!(strategy.plan(&graph(), &roots(), &options).expect("plan").max_concurrent, Some(3));
    }

    #[test]
    fn the_base_rules_hold_a_priority_service_still_waits_for_its_dependencies() {
        let plan = declared(Arc::new(Sequential), &["web"], Some(4))
            .plan(&graph(), &roots(), &PlanOptions::default())
            .expect("plan");
        assert_eq!(plan.max_concurrent, Some(1), "sequential stays one at a time");
        assert!(plan.step("web").expect("planned").waits().any(|d| d == "api"));
    }

    #[test]
    fn services_outside_the_chain_are_ignored() {
        let plan = declared(Arc::new(Concurrent), &["elsewhere"], None)
            .plan(&graph(), &["a".to_owned()], &PlanOptions::default())
            .expect("plan");
        assert_eq!(plan.services().collect::<Vec<_>>(), ["a"]);
    }
}
