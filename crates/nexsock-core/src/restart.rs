//! The restart decision: a pure function of the policy, how the process ended, how long it ran and
//! how often it was restarted already.

use std::time::Duration;

use nexsock_proto::RestartPolicy;

/// First back-off delay; doubles on each further restart.
pub const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// The longest back-off delay.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// Restarts in a row after which nexsock gives up and marks the service failed.
pub const MAX_RESTARTS: u32 = 5;
/// A run that lasted this long resets the restart count: it was healthy, not crash-looping.
pub const STABLE_UPTIME: Duration = Duration::from_secs(30);

/// What to do after a process ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartDecision {
    /// Start it again after `delay`; this will be restart number `attempt` in a row.
    Restart {
        /// How long to wait first.
        delay: Duration,
        /// 1-based count of consecutive restarts.
        attempt: u32,
    },
    /// The policy does not restart this exit.
    Stay,
    /// The policy would restart, but the limit of consecutive restarts is reached.
    GiveUp,
}

/// Decides whether and when to restart. `previous` counts consecutive restarts so far.
pub fn decide(policy: RestartPolicy, succeeded: bool, uptime: Duration, previous: u32) -> RestartDecision {
    let wants = match policy {
        RestartPolicy::No => false,
        RestartPolicy::OnFailure => !succeeded,
        RestartPolicy::Always => true,
    };
    if !wants {
        return RestartDecision::Stay;
    }
    let previous = if uptime >= STABLE_UPTIME { 0 } else { previous };
    if previous >= MAX_RESTARTS {
        return RestartDecision::GiveUp;
    }
    RestartDecision::Restart { delay: backoff(previous), attempt: previous + 1 }
}

/// `BACKOFF_BASE * 2^n`, capped at `BACKOFF_CAP`.
pub fn backoff(n: u32) -> Duration {
    crate::backoff::Backoff::new(BACKOFF_BASE, BACKOFF_CAP).delay(n)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const SHORT: Duration = Duration::from_millis(10);

    #[rstest]
    #[case(RestartPolicy::No, false, RestartDecision::Stay)]
    #[case(RestartPolicy::No, true, RestartDecision::Stay)]
    #[case(RestartPolicy::OnFailure, true, RestartDecision::Stay)]
    #[case(RestartPolicy::OnFailure, false, RestartDecision::Restart { delay: BACKOFF_BASE, attempt: 1 })]
    #[case(RestartPolicy::Always, true, RestartDecision::Restart { delay: BACKOFF_BASE, attempt: 1 })]
    fn policies_decide_by_exit(#[case] policy: RestartPolicy, #[case] ok: bool, #[case] want: RestartDecision) {
        assert_eq!(decide(policy, ok, SHORT, 0), want);
    }

    #[test]
    fn delays_double_up_to_the_cap_and_the_count_is_bounded() {
        let delays: Vec<_> = (0..MAX_RESTARTS)
            .map(|n| match decide(RestartPolicy::Always, false, SHORT, n) {
                RestartDecision::Restart { delay, .. } => delay,
                other => panic!("expected a restart, got {other:?}"),
            })
            .collect();
        assert!(delays.windows(2).all(|w| w[1] == w[0] * 2), "{delays:?}");
        assert_eq!(decide(RestartPolicy::Always, false, SHORT, MAX_RESTARTS), RestartDecision::GiveUp);
        assert_eq!(backoff(40), BACKOFF_CAP);
    }

    #[test]
    fn a_long_healthy_run_resets_the_count() {
        assert_eq!(
            decide(RestartPolicy::OnFailure, false, STABLE_UPTIME, MAX_RESTARTS),
            RestartDecision::Restart { delay: BACKOFF_BASE, attempt: 1 }
        );
    }
}
