//! Settings and strategies: the default strategy, the login chain, and the strategies declared at
//! run time. The registry follows config.toml: before each use the declared strategies are
//! re-read from the file (a hand edit applies at the next request), and every change the engine
//! makes is a `SettingsChanged` event.

use nexsock_proto::{ChainRequest, DEFAULT_STRATEGY, Event, Response, Settings, StrategySpec};

use super::Engine;
use crate::{
    error::CoreError,
    strategy::{StrategyError, StrategyRegistry},
};

impl Engine {
    /// The registry, with the declared strategies as config.toml has them now. A declared
    /// strategy the file cannot have (a hand edit naming an unknown base) is left out with a
    /// warning.
    pub(super) fn strategies(&mut self) -> Result<&StrategyRegistry, CoreError> {
        let declared = self.config.current()?.declared_strategies();
        for (name, why) in self.strategies.set_declared(&declared) {
            tracing::warn!(strategy = %name, "the declared strategy is left out: {why}");
        }
        Ok(&self.strategies)
    }

    /// The configured default strategy, else the built-in one.
    pub(super) fn default_strategy(&mut self) -> Result<String, CoreError> {
        Ok(self.config.current()?.default_strategy.clone().unwrap_or_else(|| DEFAULT_STRATEGY.to_owned()))
    }

    /// `GetSettings`.
    pub(super) fn settings(&mut self) -> Result<Response, CoreError> {
        let registry = self.strategies()?;
        let strategies = registry.names().into_iter().map(str::to_owned).collect();
        let custom_strategies = registry.declared();
        Ok(Response::Settings(Settings {
            default_strategy: self.default_strategy()?,
            strategies,
            login_chain: self.config.current()?.login_chain.clone(),
            custom_strategies,
        }))
    }

    /// Tells subscribers the settings changed; answers `Done`.
    fn settings_changed(&mut self) -> Result<Response, CoreError> {
        if let Response::Settings(settings) = self.settings()? {
            let _ = self.events.send(Event::SettingsChanged(settings));
        }
        Ok(Response::Done)
    }

    /// `SetLoginChain`: only services and a strategy that exist, at least one root.
    pub(super) fn set_login_chain(&mut self, chain: Option<ChainRequest>) -> Result<Response, CoreError> {
        if let Some(chain) = &chain {
            if chain.roots.is_empty() {
                return Err(CoreError::InvalidArgument("name at least one service to start at login".into()));
            }
            for root in &chain.roots {
                self.service(root)?;
            }
            if let Some(strategy) = &chain.strategy {
                self.strategies()?.resolve(strategy)?;
            }
            if chain.max_concurrent == Some(0) {
                return Err(CoreError::InvalidArgument("--max-concurrent must be at least 1".into()));
            }
        }
        self.config.set_login_chain(chain)?;
        self.settings_changed()
    }

    /// `SetDefaultStrategy`: only a strategy the registry knows.
    pub(super) fn set_default_strategy(&mut self, name: &str) -> Result<Response, CoreError> {
        self.strategies()?.resolve(name)?;
        self.config.set_default_strategy(name)?;
        self.settings_changed()
    }

    /// `AddStrategy`: a valid new name over a known base; nothing is stored otherwise.
    pub(super) fn add_strategy(&mut self, spec: StrategySpec) -> Result<Response, CoreError> {
        self.strategies()?.check(&spec)?;
        self.check_priority(&spec)?;
        self.config.add_strategy(spec)?;
        self.settings_changed()
    }

    /// `EditStrategy`: a new definition of a declared strategy, checked as `add` checks one.
    pub(super) fn edit_strategy(&mut self, spec: StrategySpec) -> Result<Response, CoreError> {
        self.strategies()?.check_edit(&spec)?;
        self.check_priority(&spec)?;
        self.config.add_strategy(spec)?;
        self.settings_changed()
    }

    /// Every priority service must be one the engine knows.
    fn check_priority(&self, spec: &StrategySpec) -> Result<(), CoreError> {
        match spec.priority.iter().find(|p| !self.services.contains_key(*p)) {
            Some(unknown) => Err(self.unknown_service(unknown)),
            None => Ok(()),
        }
    }

    /// `RemoveStrategy`: only a declared one; a default or login chain naming it falls back to
    /// the built-in default.
    pub(super) fn remove_strategy(&mut self, name: &str) -> Result<Response, CoreError> {
        if !self.config.remove_strategy(name)? {
            let registry = self.strategies()?;
            return Err(match registry.get(name) {
                Some(_) => StrategyError::BuiltIn(name.to_owned()),
                None => StrategyError::UnknownStrategy {
                    name: name.to_owned(),
                    known: registry.declared().into_iter().map(|s| s.name).collect(),
                },
            }
            .into());
        }
        self.settings_changed()
    }
}
