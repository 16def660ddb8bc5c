//! Per-service log files: lines are appended as `stdout@<unix ms>| text` / `stderr@..| text`, the
//! markers nexsock writes where a run starts and ends as `marker@..| text`, and read back from the
//! end without loading the whole file. Lines written before times were kept (`stdout| text`) and
//! untagged ones still read, without a time.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom, Write},
    path::Path,
};

use nexsock_proto::{LogLine, Stream};

use crate::{
    statedir::{self, Access},
    time::local_clock,
};

const CHUNK: u64 = 64 * 1024;

/// The tag that starts a stored line of `stream`.
fn tag(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
        Stream::Marker => "marker",
    }
}

/// The stored form of one line.
pub fn encode(line: &LogLine) -> String {
    let tag = tag(line.stream);
    match line.at_ms {
        Some(at) => format!("{tag}@{at}| {}\n", line.text),
        None => format!("{tag}| {}\n", line.text),
    }
}

/// Reads a stored line back; untagged lines count as stdout, without a time.
pub fn decode(raw: &str) -> LogLine {
    [Stream::Stdout, Stream::Stderr, Stream::Marker]
        .into_iter()
        .find_map(|stream| {
            let rest = raw.strip_prefix(tag(stream))?;
            if let Some(text) = rest.strip_prefix("| ") {
                return Some(LogLine { stream, text: text.to_owned(), at_ms: None });
            }
            let (at, text) = rest.strip_prefix('@')?.split_once("| ")?;
            Some(LogLine { stream, text: text.to_owned(), at_ms: Some(at.parse().ok()?) })
        })
        .unwrap_or_else(|| LogLine { stream: Stream::Stdout, text: raw.to_owned(), at_ms: None })
}

/// The marker of run `run_id` starting at `at_ms`: `── run 7 started 12:01:03 ──`.
pub fn run_started(run_id: i64, at_ms: u64) -> LogLine {
    marker(format!("── run {run_id} started {} ──", local_clock(at_ms)), at_ms)
}

/// The marker of run `run_id` ending at `at_ms`, `how` it ended: `── run 7 exited with code 1
/// at 12:03:10 ──`.
pub fn run_ended(run_id: i64, how: &str, at_ms: u64) -> LogLine {
    marker(format!("── run {run_id} {how} at {} ──", local_clock(at_ms)), at_ms)
}

fn marker(text: String, at_ms: u64) -> LogLine {
    LogLine { stream: Stream::Marker, text, at_ms: Some(at_ms) }
}

/// Appends one line to the log at `path`, opened (created 0600) through the state directory.
pub fn append(path: &Path, line: &LogLine) -> std::io::Result<()> {
    let mut file = statedir::open(path, Access::Append).map_err(std::io::Error::other)?;
    file.write_all(encode(line).as_bytes())
}

/// The last `tail` lines of the file (all when `None`); an absent file has no lines.
pub fn read_tail(path: &Path, tail: Option<usize>) -> std::io::Result<Vec<LogLine>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let mut start = len;
    let mut buf: Vec<u8> = Vec::new();
    // Read backwards chunk by chunk until enough newlines are seen (one extra for a partial first line).
    loop {
        let enough = tail.is_some_and(|n| buf.iter().filter(|b| **b == b'\n').count() > n);
        if start == 0 || enough {
            break;
        }
        let step = CHUNK.min(start);
        start -= step;
        file.seek(SeekFrom::Start(start))?;
        let mut chunk = vec![0u8; usize::try_from(step).unwrap_or(usize::MAX)];
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut mid-line
    }
    let skip = tail.map_or(0, |n| lines.len().saturating_sub(n));
    Ok(lines[skip..].iter().map(|l| decode(l)).collect())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn tail_reads_the_last_lines_across_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("svc.log");
        let mut f = File::create(&path).expect("create");
        for i in 0..20_000 {
            let stream = if i % 2 == 0 { Stream::Stdout } else { Stream::Stderr };
            let line = LogLine { stream, text: format!("line {i}"), at_ms: Some(i) };
            f.write_all(encode(&line).as_bytes()).expect("write");
        }
        let last = read_tail(&path, Some(3)).expect("tail");
        let texts: Vec<_> = last.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 19997", "line 19998", "line 19999"]);
        assert_eq!((last[0].stream, last[0].at_ms), (Stream::Stderr, Some(19997)));
        assert_eq!(read_tail(&path, None).expect("all").len(), 20_000);
        assert!(read_tail(&dir.path().join("missing"), Some(5)).expect("missing").is_empty());
    }

    #[test]
    fn lines_keep_their_stream_and_time_and_old_lines_still_read() {
        let cases = [
            (LogLine { stream: Stream::Stderr, text: "boom | x".into(), at_ms: Some(42) }, "stderr@42| boom | x\n"),
            (LogLine { stream: Stream::Marker, text: "── run 1 ──".into(), at_ms: Some(7) }, "marker@7| ── run 1 ──\n"),
            (LogLine { stream: Stream::Stdout, text: "".into(), at_ms: Some(1) }, "stdout@1| \n"),
        ];
        for (line, stored) in cases {
            assert_eq!(encode(&line), stored);
            assert_eq!(decode(stored.trim_end_matches('\n')), line);
        }
        let old = |stream, text: &str| LogLine { stream, text: text.into(), at_ms: None };
        assert_eq!(decode("stderr| old error"), old(Stream::Stderr, "old error"));
        assert_eq!(decode("stdout| old"), old(Stream::Stdout, "old"));
        assert_eq!(decode("no tag at all"), old(Stream::Stdout, "no tag at all"));
        assert_eq!(decode("stdout@soon| x"), old(Stream::Stdout, "stdout@soon| x"));
    }

    #[test]
    fn run_markers_name_the_run_and_how_it_ended() {
        let started = run_started(7, 1_000);
        assert_eq!(started.stream, Stream::Marker);
        assert!(started.text.starts_with("── run 7 started ") && started.text.ends_with(" ──"), "{}", started.text);
        let ended = run_ended(7, "exited with code 1", 2_000);
        assert!(ended.text.starts_with("── run 7 exited with code 1 at "), "{}", ended.text);
        assert_eq!(ended.at_ms, Some(2_000));
    }
}
