//! The strategies users can pick by name: the built-ins plus any registered custom ones.

use std::fmt;

use super::{Concurrent, CriticalPath, DependencyStrategy, ParallelSafe, Plan, PlanOptions, Sequential};
use crate::graph::{DependencyGraph, GraphError};

/// The strategy used when the user names none.
pub const DEFAULT_STRATEGY: &str = "concurrent";

/// A strategy shared with the engine's tasks.
type SharedStrategy = Box<dyn DependencyStrategy + Send + Sync>;

/// What choosing or planning with a strategy can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// No strategy has this name.
    #[error("unknown strategy `{name}` (known: {})", known.join(", "))]
    UnknownStrategy {
        /// The name asked for.
        name: String,
        /// The names the registry knows, in registration order.
        known: Vec<String>,
    },
    /// A strategy with this name is already registered.
    #[error("a strategy named `{0}` is already registered")]
    DuplicateStrategy(String),
    /// The graph cannot be planned.
    #[error(transparent)]
    Graph(#[from] GraphError),
}

/// Strategies by name, in registration order.
pub struct StrategyRegistry {
    strategies: Vec<SharedStrategy>,
}

impl StrategyRegistry {
    /// A registry without any strategy.
    pub fn empty() -> Self {
        Self { strategies: Vec::new() }
    }

    /// The built-ins: `sequential`, `parallel-safe`, `concurrent` and `critical-path`.
    pub fn with_builtins() -> Self {
        Self {
            strategies: vec![
                Box::new(Sequential),
                Box::new(ParallelSafe::default()),
                Box::new(Concurrent),
                Box::new(CriticalPath),
            ],
        }
    }

    /// Adds a strategy. Errors: [`StrategyError::DuplicateStrategy`] when its name is taken
    /// (a built-in cannot be replaced silently).
    pub fn register(&mut self, strategy: SharedStrategy) -> Result<(), StrategyError> {
        if self.get(strategy.name()).is_some() {
            return Err(StrategyError::DuplicateStrategy(strategy.name().to_owned()));
        }
        self.strategies.push(strategy);
        Ok(())
    }

    /// The strategy with this name.
    pub fn get(&self, name: &str) -> Option<&(dyn DependencyStrategy + Send + Sync)> {
        self.strategies.iter().find(|s| s.name() == name).map(|s| s.as_ref())
    }

    /// The strategy with this name. Errors: [`StrategyError::UnknownStrategy`] listing the known
    /// names.
    pub fn resolve(&self, name: &str) -> Result<&(dyn DependencyStrategy + Send + Sync), StrategyError> {
        self.get(name).ok_or_else(|| StrategyError::UnknownStrategy {
            name: name.to_owned(),
            known: self.names().into_iter().map(str::to_owned).collect(),
        })
    }

    /// The names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.strategies.iter().map(|s| s.name()).collect()
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
