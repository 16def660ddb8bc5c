//! The live progress bar of a chain start, fed by the execution's events (indicatif draws on
//! stderr and hides itself when stderr is not a terminal), and the services it waits on for
//! the lines that replace the bar there ([`crate::waiting`]).

use indicatif::{ProgressBar, ProgressStyle};
use nexsock_proto::{Event, StepState};

use crate::waiting::Waiting;

/// Progress of one execution.
pub struct ChainProgress {
    bar: Option<ProgressBar>,
    waiting: Waiting,
}

impl ChainProgress {
    /// A bar, unless the output is JSON; the services starting go to `waiting`.
    pub fn new(json: bool, waiting: Waiting) -> Self {
        let bar = (!json).then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        });
        Self { bar, waiting }
    }

    /// Advances on each settled service; shows what is happening.
    pub fn on_event(&mut self, event: &Event) {
        let Event::Execution(p) = event else { return };
        let s = &p.service;
        match s.state {
            StepState::Starting => self.waiting.starting(&s.name),
            StepState::Waiting => {}
            StepState::Ready
            | StepState::AlreadyReady
            | StepState::Completed
            | StepState::Failed
            | StepState::Skipped => self.waiting.settled(&s.name),
        }
        let Some(bar) = &self.bar else { return };
        bar.set_length(p.total as u64);
        match s.state {
            StepState::Waiting => {}
            StepState::Starting => bar.set_message(format!("starting {}", s.name)),
            StepState::Ready | StepState::AlreadyReady | StepState::Completed => {
                bar.inc(1);
                bar.set_message(format!("{} {}", s.name, s.state.label()));
            }
            StepState::Failed | StepState::Skipped => {
                bar.inc(1);
                bar.println(format!("{}: {}", s.name, s.reason.as_deref().unwrap_or("failed")));
            }
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
