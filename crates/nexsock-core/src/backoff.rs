//! The one back-off policy behind every retry and poll in nexsock: a first delay, doubling, up to
//! a cap. Restarts, tunnel re-creation, readiness probes, `--health-path` checks, polling a
//! starting tool and waiting for a process group to go all use it, each with its own numbers.

use std::time::Duration;

use tokio::time::Instant;

/// `first`, doubling on each attempt, never more than `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first retry.
    pub first: Duration,
    /// The longest delay.
    pub cap: Duration,
}

impl Backoff {
    /// A policy from `first` doubling up to `cap`.
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self { first, cap }
    }

    /// The delay before retry `attempt` (0 for the first): `first * 2^attempt`, capped.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.first.saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX)).min(self.cap)
    }

    /// The same policy with another cap (a phase that asks less often).
    #[must_use]
    pub const fn capped(self, cap: Duration) -> Self {
        Self { cap, ..self }
    }

    /// A running sequence of this policy's delays, for a poll loop.
    pub fn start(self) -> Retry {
        Retry { policy: self, attempt: 0 }
    }
}

/// Where a poll loop is in its [`Backoff`].
#[derive(Debug, Clone)]
pub struct Retry {
    policy: Backoff,
    attempt: u32,
}

impl Retry {
    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.policy.delay(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// Sleeps the next delay, never past `deadline`.
    pub async fn sleep(&mut self, deadline: Instant) {
        let delay = self.next_delay();
        tokio::time::sleep(delay.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_first_up_to_the_cap_and_never_overflow() {
        let policy = Backoff::new(Duration::from_millis(100), Duration::from_secs(30));
        let delays: Vec<u128> = (0..10).map(|n| policy.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000]);
        assert_eq!(policy.delay(u32::MAX), Duration::from_secs(30));
        let mut retry = policy.capped(Duration::from_millis(250)).start();
        let seq: Vec<u128> = (0..4).map(|_| retry.next_delay().as_millis()).collect();
        assert_eq!(seq, [100, 200, 250, 250]);
    }
}
