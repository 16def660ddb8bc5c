//! Wall-clock helpers: nexsock stores and reports times as Unix milliseconds, and shows them to
//! people in local time.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::{Timestamp, tz::TimeZone};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

/// `2026-12-08 12:01:03.123`: Unix milliseconds as the system's local time, to the millisecond
/// (log `--timestamps`, `nexsock events`).
pub fn local_datetime(at_ms: u64) -> String {
    format_in(at_ms, &TimeZone::system(), "%Y-%m-%d %H:%M:%S%.3f")
}

/// `12:01:03`: the local time of day, to the second (run markers in a log).
pub fn local_clock(at_ms: u64) -> String {
    format_in(at_ms, &TimeZone::system(), "%H:%M:%S")
}

/// `at_ms` in `zone` by a strftime `pattern`; the raw number when it is out of range.
fn format_in(at_ms: u64, zone: &TimeZone, pattern: &str) -> String {
    i64::try_from(at_ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .map_or_else(|| at_ms.to_string(), |t| t.to_zoned(zone.clone()).strftime(pattern).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_as_a_date_and_a_clock_to_the_millisecond() {
        let at = 1_796_731_263_123; // 2026-12-08 12:01:03.123 UTC
        assert_eq!(format_in(at, &TimeZone::UTC, "%Y-%m-%d %H:%M:%S%.3f"), "2026-12-08 12:01:03.123");
        assert_eq!(format_in(at, &TimeZone::UTC, "%H:%M:%S"), "12:01:03");
        assert_eq!(format_in(u64::MAX, &TimeZone::UTC, "%H"), u64::MAX.to_string());
    }
}
