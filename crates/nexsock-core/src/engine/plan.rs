//! The dry run of a chain start (`PlanChain`): the plan its strategy makes from the current
//! state, what each service waits for, what is already done, the tunnels and variables it
//! would get, the ports taken now, and the waves and makespan the simulator expects from the
//! durations of earlier runs. Nothing starts and nothing is stored.

use std::collections::HashMap;

use nexsock_proto::{
    ChainPlan, ChainRequest, PlannedAction, PlannedService, PlannedWait, Response, StepState, TunnelMode,
};

use super::{
    Engine,
    chain::{Prepared, one_shots},
};
use crate::{
    error::CoreError,
    strategy::{StartupAction, schedule},
};

impl Engine {
    /// `PlanChain`.
    pub(super) fn plan_chain(&mut self, chain: ChainRequest) -> Result<Response, CoreError> {
        let Prepared { strategy, graph, plan, durations, .. } = self.prepare_chain(&chain)?;
        let one_shots = one_shots(&plan, &chain.roots);
        let mut services = Vec::with_capacity(plan.steps.len());
        for step in &plan.steps {
            let name = step.service.as_str();
            let action = match self.already_done(name, one_shots.contains(name), &chain.rerun) {
                Some(StepState::AlreadyReady) => PlannedAction::AlreadyReady,
                Some(_) => PlannedAction::Completed,
                None if self.services.get(name).is_some_and(|s| !s.is_down()) => PlannedAction::Join,
                None => PlannedAction::Start,
            };
            let mut planned = PlannedService {
                name: name.to_owned(),
                action,
                waits: Vec::new(),
                tunnels: Vec::new(),
                injects: Vec::new(),
                port: self.services.get(name).and_then(|s| s.spec.port).and_then(|p| u16::try_from(p).ok()),
                port_holder: None,
            };
            for a in &step.actions {
                match a {
                    StartupAction::WaitFor { dependency, condition, required, timeout_secs, health_path } => {
                        planned.waits.push(PlannedWait {
                            dependency: dependency.clone(),
                            condition: *condition,
                            required: *required,
                            timeout_secs: *timeout_secs,
                            health_path: health_path.clone(),
                        });
                    }
                    StartupAction::CreateTunnel { dependency, mode } if !chain.options.no_tunnels => {
                        let required = if *mode == TunnelMode::Required { " (required)" } else { "" };
                        planned.tunnels.push(format!("{dependency}{required}"));
                    }
                    StartupAction::InjectEnv { variable, alias, .. } if !chain.options.no_tunnels => {
                        planned.injects.extend(std::iter::once(variable.clone()).chain(alias.clone()));
                    }
                    StartupAction::CreateTunnel { .. } | StartupAction::InjectEnv { .. } | StartupAction::Start => {}
                }
            }
            // A port matters only to a service that would be started: who holds it now.
            if action == PlannedAction::Start
                && let Some(port) = planned.port
            {
                planned.port_holder = self.port_holder(port);
            }
            services.push(planned);
        }
        // The simulator runs only what would start: a wait on a service without a step is met.
        let mut to_run = plan.clone();
        to_run.steps.retain(|s| services.iter().any(|p| p.name == s.service && p.action == PlannedAction::Start));
        let simulated = schedule(&to_run, &graph, &durations).map_err(|e| CoreError::InvalidArgument(e.to_string()))?;
        let ready: HashMap<&str, std::time::Duration> =
            simulated.starts.iter().map(|(s, at)| (s.as_str(), *at + crate::graph::weight_of(&durations, s))).collect();
        let critical_chain = to_run.critical_chain(|s| ready.get(s).copied());
        Ok(Response::Plan(ChainPlan {
            roots: chain.roots,
            strategy,
            max_concurrent: plan.max_concurrent,
            options: chain.options,
            waves: simulated.waves(),
            services,
            critical_chain,
            expected_ms: u64::try_from(simulated.makespan.as_millis()).unwrap_or(u64::MAX),
        }))
    }
}
