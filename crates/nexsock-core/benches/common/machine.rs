//! What every benchmark needs of the machine: a deterministic random source and the load average
//! (other work on a 2-core machine shows up directly in the tails). Shared with nexsock-cli's
//! benches through `#[path]`.

/// xorshift64: tiny, deterministic, good enough to shape a graph.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`; `n` must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `/proc/loadavg`'s first three fields: other work on the machine skews benchmark numbers.
#[allow(dead_code)] // not every bench prints it
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
