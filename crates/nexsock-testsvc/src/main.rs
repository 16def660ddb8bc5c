//! `nexsock-testsvc`: the service the test suites run, one binary for Linux and Windows (the
//! Windows suite runs under Wine, where no Python or shell fixture is available).
//!
//! ```text
//! nexsock-testsvc [--print TEXT]... [--delay-ms N] [--listen PORT] [--grandchild]
//!                 [--ignore-stop] [--exit CODE] [--after-ms N]
//! ```
//!
//! It prints each `--print` line, starts a grandchild that lives on (`--grandchild`, its pid
//! printed as `grandchild PID`), ignores SIGTERM (`--ignore-stop`; on Windows a console program
//! cannot be asked to stop anyway), waits `--delay-ms`, then listens on 127.0.0.1:`--listen`
//! (printing `listening on PORT`) and answers every HTTP request `200 ok`; with `--exit` it exits
//! with that code after `--after-ms`, else it runs until it is stopped.

#![forbid(unsafe_code)]

use std::{io::Write, process::ExitCode, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

#[derive(Debug, Default)]
struct Options {
    print: Vec<String>,
    delay_ms: u64,
    listen: Option<u16>,
    grandchild: bool,
    ignore_stop: bool,
    exit: Option<u8>,
    after_ms: u64,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options::default();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--print" => o.print.push(value()?),
            "--delay-ms" => o.delay_ms = number(&arg, &value()?)?,
            "--listen" => o.listen = Some(number(&arg, &value()?)?),
            "--grandchild" => o.grandchild = true,
            "--ignore-stop" => o.ignore_stop = true,
            "--exit" => o.exit = Some(number(&arg, &value()?)?),
            "--after-ms" => o.after_ms = number(&arg, &value()?)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{flag}: `{text}` is not a valid number"))
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("nexsock-testsvc: {e}");
            return ExitCode::from(2);
        }
    };
    for line in &options.print {
        say(line);
    }
    // Kept alive for as long as this process runs; it is not waited for, so it outlives us
    // unless whoever stops us stops our whole group (or job).
    let _grandchild = if options.grandchild {
        match std::env::current_exe()
            .and_then(|exe| std::process::Command::new(exe).args(["--print", "grandchild up"]).spawn())
        {
            Ok(child) => {
                say(&format!("grandchild {}", child.id()));
                Some(child)
            }
            Err(e) => {
                eprintln!("nexsock-testsvc: cannot start the grandchild: {e}");
                return ExitCode::from(3);
            }
        }
    } else {
        None
    };
    #[cfg(unix)]
    if options.ignore_stop {
        // A handler of our own replaces the default action (ending the process).
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::spawn(async move {
                    while term.recv().await.is_some() {
                        say("ignoring SIGTERM");
                    }
                });
            }
            Err(e) => eprintln!("nexsock-testsvc: cannot ignore SIGTERM: {e}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(options.delay_ms)).await;
    if let Some(port) = options.listen {
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("nexsock-testsvc: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::from(4);
            }
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        say(&format!("listening on {port}"));
        tokio::spawn(serve(listener));
    }
    match options.exit {
        Some(code) => {
            tokio::time::sleep(Duration::from_millis(options.after_ms)).await;
            say(&format!("exiting with {code}"));
            ExitCode::from(code)
        }
        None => loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        },
    }
}

/// Answers each connection's request (whatever it is) with `200 ok`, then closes it.
async fn serve(listener: TcpListener) {
    while let Ok((mut conn, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace().map(str::to_owned).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn options_parse_and_bad_ones_are_refused() {
        let o = parse(args("--print a --print b --listen 0 --delay-ms 50 --exit 3 --after-ms 10 --grandchild"))
            .expect("parses");
        assert_eq!(
            (o.print, o.listen, o.delay_ms, o.exit, o.after_ms, o.grandchild),
            (vec!["a".into(), "b".into()], Some(0), 50, Some(3), 10, true)
        );
        assert_eq!(parse(args("--exit 300")).expect_err("out of range"), "--exit: `300` is not a valid number");
        assert_eq!(parse(args("--listen")).expect_err("no value"), "--listen needs a value");
        assert_eq!(parse(args("--bogus")).expect_err("unknown"), "unknown argument --bogus");
    }
}
