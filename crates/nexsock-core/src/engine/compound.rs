//! Compound requests as one engine operation each: a cascade stop, stop-all and a restart with
//! its dependencies. The engine issues every stop they make itself, wave after wave, and a start
//! that touches one of their services waits until the operation is done — so another client's
//! chain start lands wholly before or wholly after it, never between two of its stops.

use std::collections::{BTreeSet, VecDeque};

use nexsock_proto::{ChainRequest, Request, Response};
use tokio::sync::oneshot;

use super::{Command, Engine, Reply};

/// What an operation answers once its last wave is down.
#[derive(Debug)]
enum Finish {
    /// The statuses of these services, in stop order: what a cascade stop stopped (the services
    /// that were up, and always its root).
    Stopped(Vec<String>),
    /// `Done` (stop-all).
    Done,
    /// Start this chain, then answer with its report (restart with dependencies).
    Chain(ChainRequest),
}

/// A compound stop in progress.
#[derive(Debug)]
pub(super) struct StopOp {
    /// Groups still to stop, in order; a group stops together.
    waves: VecDeque<Vec<String>>,
    /// The group being stopped now.
    current: Vec<String>,
    /// Every service the operation stops: starts of these wait for it.
    members: BTreeSet<String>,
    finish: Finish,
    reply: Reply,
}

impl Engine {
    /// `StopService { cascade: true }`: every transitive dependent, dependents before their
    /// dependencies, one at a time, then `name`.
    pub(super) fn stop_cascade(&mut self, name: &str, reply: Reply) {
        let order = self.service(name).map(|_| ()).and_then(|()| self.stop_order(name));
        match order {
            Err(e) => {
                let _ = reply.send(Err(e));
            }
            Ok(mut order) => {
                order.push(name.to_owned());
                let up = order
                    .iter()
                    .filter(|s| *s == name || self.services.get(*s).is_some_and(|svc| !svc.is_down()))
                    .cloned()
                    .collect();
                let waves = order.into_iter().map(|s| vec![s]).collect();
                self.begin_op(waves, Finish::Stopped(up), reply);
            }
        }
    }

    /// `StopAll`: every service at once.
    pub(super) fn stop_all(&mut self, reply: Reply) {
        let all: Vec<String> = self.services.keys().cloned().collect();
        self.begin_op(VecDeque::from([all]), Finish::Done, reply);
    }

    /// `RestartService { check_deps: true }`: stop `name`, then start it as a chain, so its
    /// dependencies are verified ready (and started if not) before it.
    pub(super) fn restart_with_deps(&mut self, name: &str, reply: Reply) {
        if let Err(e) = self.service(name) {
            let _ = reply.send(Err(e));
            return;
        }
        let chain = ChainRequest::of(vec![name.to_owned()]);
        self.begin_op(VecDeque::from([vec![name.to_owned()]]), Finish::Chain(chain), reply);
    }

    fn begin_op(&mut self, waves: VecDeque<Vec<String>>, finish: Finish, reply: Reply) {
        let members = waves.iter().flatten().cloned().collect();
        self.ops.push(StopOp { waves, current: Vec::new(), members, finish, reply });
        self.advance_ops();
    }

    /// Moves every operation on: when its current wave is down, the next one is told to stop;
    /// after the last, it answers. Then replays the requests that waited for a finished one.
    pub(super) fn advance_ops(&mut self) {
        let mut i = 0;
        while i < self.ops.len() {
            while self.all_stopped(&self.ops[i].current) {
                let Some(wave) = self.ops[i].waves.pop_front() else { break };
                self.ops[i].current = wave.clone();
                for name in wave {
                    let (tx, _) = oneshot::channel();
                    self.stop_service(&name, tx);
                }
            }
            if self.all_stopped(&self.ops[i].current) && self.ops[i].waves.is_empty() {
                let op = self.ops.remove(i);
                self.finish_op(op);
            } else {
                i += 1;
            }
        }
        if !self.deferred.is_empty() {
            for cmd in std::mem::take(&mut self.deferred) {
                self.dispatch(cmd);
            }
        }
    }

    /// Whether every one of `names` is down (a removed service counts as down).
    fn all_stopped(&self, names: &[String]) -> bool {
        names.iter().all(|s| self.services.get(s).is_none_or(super::service::Service::is_down))
    }

    fn finish_op(&mut self, op: StopOp) {
        match op.finish {
            Finish::Done => {
                let _ = op.reply.send(Ok(Response::Done));
            }
            Finish::Stopped(names) => {
                let statuses = names.iter().filter_map(|n| self.services.get(n)).map(|s| s.status()).collect();
                let _ = op.reply.send(Ok(Response::Services(statuses)));
            }
            Finish::Chain(chain) => self.answer_chain(chain, op.reply),
        }
    }

    /// Whether `cmd` starts something an operation in progress is stopping: it waits for it.
    pub(super) fn waits_for_op(&self, cmd: &Command) -> bool {
        if self.ops.is_empty() {
            return false;
        }
        let touched = |name: &str| self.ops.iter().any(|op| op.members.contains(name));
        match cmd {
            Command::Call {
                request: Request::StartService { name } | Request::RestartService { name, .. }, ..
            } => touched(name),
            Command::Call { request: Request::StartChain(chain), .. } | Command::Chain { chain, .. } => {
                self.chain_services(&chain.roots).iter().any(|s| touched(s))
            }
            Command::Call { .. } | Command::Follow { .. } => false,
        }
    }

    /// The roots and every service they depend on, transitively (the roots alone when the
    /// graph cannot be read; the start itself reports that).
    fn chain_services(&self, roots: &[String]) -> Vec<String> {
        let mut services = roots.to_vec();
        if let Ok(edges) = self.store.load_subgraph_edges(roots) {
            services.extend(edges.into_iter().flat_map(|e| [e.service, e.depends_on]));
        }
        services
    }
}
