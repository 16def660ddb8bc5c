//! Per-service log files: lines are appended as `stdout| text` / `stderr| text`, and read back from
//! the end without loading the whole file.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
    path::Path,
};

use nexsock_proto::{LogLine, Stream};

const STDOUT_TAG: &str = "stdout| ";
const STDERR_TAG: &str = "stderr| ";
const CHUNK: u64 = 64 * 1024;

/// The stored form of one line.
pub fn encode(line: &LogLine) -> String {
    let tag = match line.stream {
        Stream::Stdout => STDOUT_TAG,
        Stream::Stderr => STDERR_TAG,
    };
    format!("{tag}{}\n", line.text)
}

/// Reads a stored line back; untagged lines count as stdout.
pub fn decode(raw: &str) -> LogLine {
    if let Some(text) = raw.strip_prefix(STDERR_TAG) {
        LogLine { stream: Stream::Stderr, text: text.to_owned() }
    } else {
        LogLine { stream: Stream::Stdout, text: raw.strip_prefix(STDOUT_TAG).unwrap_or(raw).to_owned() }
    }
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
            f.write_all(encode(&LogLine { stream, text: format!("line {i}") }).as_bytes()).expect("write");
        }
        let last = read_tail(&path, Some(3)).expect("tail");
        let texts: Vec<_> = last.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 19997", "line 19998", "line 19999"]);
        assert_eq!(last[0].stream, Stream::Stderr);
        assert_eq!(read_tail(&path, None).expect("all").len(), 20_000);
        assert!(read_tail(&dir.path().join("missing"), Some(5)).expect("missing").is_empty());
    }
}
