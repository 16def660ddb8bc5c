//! The strategies users can pick by name: the built-ins, any registered custom ones, and the
//! strategies declared at run time (config.toml), which the engine keeps in step with the file.

use std::{fmt, sync::Arc};

use nexsock_proto::StrategySpec;

use super::{
    Concurrent, CriticalPath, DependencyStrategy, ParallelSafe, Plan, PlanOptions, Sequential,
    declared::{Declared, SharedStrategy},
};
use crate::{
    graph::{DependencyGraph, GraphError},
    validate::validate_name,
};

/// The strategy used when the user names none.
pub const DEFAULT_STRATEGY: &str = "concurrent";

/// What choosing, declaring or planning with a strategy can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// No strategy has this name.
    #[error(
        "unknown strategy `{name}`{} (known: {})",
        crate::suggest::hint(name, known.iter().map(String::as_str), ""),
        known.join(", ")
    )]
    UnknownStrategy {
        /// The name asked for.
        name: String,
        /// The names the registry knows, in registration order.
        known: Vec<String>,
    },
    /// A strategy with this name is already registered.
    #[error("a strategy named `{0}` already exists")]
    DuplicateStrategy(String),
    /// A declared strategy's base is not a strategy it can be built on.
    #[error("unknown base strategy `{base}` (a declared strategy is built on one of: {})", known.join(", "))]
    UnknownBase {
        /// The base asked for.
        base: String,
        /// The strategies that can be a base.
        known: Vec<String>,
    },
    /// A declared strategy's name, or one of its priority services, breaks the naming rule.
    #[error("invalid {what} `{name}`: use letters, digits, `-` and `_`, at most 64 characters")]
    InvalidName {
        /// `strategy name` or `priority service`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A declared strategy's bound is 0.
    #[error("--max-concurrent must be at least 1")]
    InvalidBound,
    /// Only declared strategies can be removed.
    #[error("`{0}` is built in: it cannot be changed or removed")]
    BuiltIn(String),
    /// The graph cannot be planned.
    #[error(transparent)]
    Graph(#[from] GraphError),
}

impl StrategyError {
    /// The request field at fault, for a form (`name`, `base`, `priority`, `max_concurrent`).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::DuplicateStrategy(_) | Self::BuiltIn(_) => Some("name"),
            Self::InvalidName { what, .. } if what.starts_with("priority") => Some("priority"),
            Self::InvalidName { .. } => Some("name"),
            Self::UnknownBase { .. } => Some("base"),
            Self::InvalidBound => Some("max_concurrent"),
            Self::UnknownStrategy { .. } | Self::Graph(_) => None,
        }
    }
}

/// Strategies by name, in registration order, the declared ones last.
pub struct StrategyRegistry {
    strategies: Vec<SharedStrategy>,
    declared: Vec<Declared>,
    /// What the declared strategies were last set from (refused ones included).
    declared_from: Vec<StrategySpec>,
}

impl StrategyRegistry {
    /// A registry without any strategy.
    pub fn empty() -> Self {
        Self { strategies: Vec::new(), declared: Vec::new(), declared_from: Vec::new() }
    }

    /// The built-ins: `sequential`, `parallel-safe`, `concurrent` and `critical-path`.
    pub fn with_builtins() -> Self {
        Self {
            strategies: vec![
                Arc::new(Sequential),
                Arc::new(ParallelSafe::default()),
                Arc::new(Concurrent),
                Arc::new(CriticalPath),
            ],
            declared: Vec::new(),
            declared_from: Vec::new(),
        }
    }

    /// Adds a strategy. Errors: [`StrategyError::DuplicateStrategy`] when its name is taken
    /// (a built-in cannot be replaced silently).
    pub fn register(&mut self, strategy: Box<dyn DependencyStrategy + Send + Sync>) -> Result<(), StrategyError> {
        if self.get(strategy.name()).is_some() {
            return Err(StrategyError::DuplicateStrategy(strategy.name().to_owned()));
        }
        self.strategies.push(Arc::from(strategy));
        Ok(())
    }

    /// The strategy with this name.
    pub fn get(&self, name: &str) -> Option<&(dyn DependencyStrategy + Send + Sync)> {
        let registered = self.strategies.iter().find(|s| s.name() == name).map(|s| s.as_ref());
        registered.or_else(|| {
            self.declared.iter().find(|d| d.name() == name).map(|d| d as &(dyn DependencyStrategy + Send + Sync))
        })
    }

    /// The strategy with this name. Errors: [`StrategyError::UnknownStrategy`] listing the known
    /// names.
    pub fn resolve(&self, name: &str) -> Result<&(dyn DependencyStrategy + Send + Sync), StrategyError> {
        self.get(name).ok_or_else(|| StrategyError::UnknownStrategy {
            name: name.to_owned(),
            known: self.names().into_iter().map(str::to_owned).collect(),
        })
    }

    /// The names, in registration order, the declared ones last.
    pub fn names(&self) -> Vec<&str> {
        self.strategies.iter().map(|s| s.name()).chain(self.declared.iter().map(|d| d.name())).collect()
    }

    /// The declared strategies, in declaration order.
    pub fn declared(&self) -> Vec<StrategySpec> {
        self.declared.iter().map(|d| d.spec().clone()).collect()
    }

    /// Whether `spec` can be declared next to what is registered now: a valid new name, a base
    /// that is a registered (not declared) strategy, valid priority names, a bound of at least 1.
    pub fn check(&self, spec: &StrategySpec) -> Result<(), StrategyError> {
        self.base_of(spec)?;
        if self.get(&spec.name).is_some() {
            return Err(StrategyError::DuplicateStrategy(spec.name.clone()));
        }
        Ok(())
    }

    /// Checks a new definition of the declared strategy `spec.name` (its name already taken by
    /// its old definition).
    pub fn check_edit(&self, spec: &StrategySpec) -> Result<(), StrategyError> {
        if !self.declared.iter().any(|d| d.spec().name == spec.name) {
            return Err(match self.get(&spec.name) {
                Some(_) => StrategyError::BuiltIn(spec.name.clone()),
                None => StrategyError::UnknownStrategy {
                    name: spec.name.clone(),
                    known: self.declared().into_iter().map(|s| s.name).collect(),
                },
            });
        }
        self.base_of(spec).map(|_| ())
    }

    /// Replaces the declared strategies with `specs` (those that fail [`Self::check`] against the
    /// ones before them are left out and returned with why); nothing happens when they were last
    /// set from these same specs.
    pub fn set_declared(&mut self, specs: &[StrategySpec]) -> Vec<(String, StrategyError)> {
        if self.declared_from == specs {
            return Vec::new();
        }
        self.declared_from = specs.to_vec();
        self.declared.clear();
        let mut refused = Vec::new();
        for spec in specs {
            match self.check(spec).and_then(|()| self.base_of(spec)) {
                Ok(base) => self.declared.push(Declared::new(spec.clone(), base)),
                Err(e) => refused.push((spec.name.clone(), e)),
            }
        }
        refused
    }

    /// The registered strategy `spec` is built on, after checking its own fields.
    fn base_of(&self, spec: &StrategySpec) -> Result<SharedStrategy, StrategyError> {
        validate_name(&spec.name)
            .map_err(|_| StrategyError::InvalidName { what: "strategy name", name: spec.name.clone() })?;
        if let Some(bad) = spec.priority.iter().find(|p| validate_name(p).is_err()) {
            return Err(StrategyError::InvalidName { what: "priority service", name: bad.clone() });
        }
        if spec.max_concurrent == Some(0) {
            return Err(StrategyError::InvalidBound);
        }
        self.strategies.iter().find(|s| s.name() == spec.base).cloned().ok_or_else(|| StrategyError::UnknownBase {
            base: spec.base.clone(),
            known: self.strategies.iter().map(|s| s.name().to_owned()).collect(),
        })
    }

    /// Plans with the named strategy (see [`DependencyStrategy::plan`]).
    pub fn plan(
        &self,
        name: &str,
        graph: &DependencyGraph,
        roots: &[String],
        options: &PlanOptions,
    ) -> Result<Plan, StrategyError> {
        Ok(self.resolve(name)?.plan(graph, roots, options)?)
    }
}

impl Default for StrategyRegistry {
    /// The built-ins.
    fn default() -> Self {
        Self::with_builtins()
    }
}

impl fmt::Debug for StrategyRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
