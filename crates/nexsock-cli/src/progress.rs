//! The live progress bar of a chain start, fed by the execution's events (indicatif draws on
//! stderr and hides itself when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use nexsock_proto::{Event, StepState};

/// Progress of one execution.
pub struct ChainProgress {
    bar: Option<ProgressBar>,
}

impl ChainProgress {
    /// A bar, unless the output is JSON.
    pub fn new(json: bool) -> Self {
        let bar = (!json).then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        });
        Self { bar }
    }

    /// Advances on each settled service; shows what is happening.
    pub fn on_event(&mut self, event: &Event) {
        let (Some(bar), Event::Execution(p)) = (&self.bar, event) else { return };
        bar.set_length(p.total as u64);
        let s = &p.service;
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
