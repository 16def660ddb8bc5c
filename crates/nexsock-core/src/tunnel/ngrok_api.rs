//! What the ngrok agent says, as pure functions: its log lines (JSON or logfmt), its ERR_NGROK
//! codes turned into messages that say what to do, its local API's answers, and the config file
//! that carries the token. The process and API plumbing is in `ngrok.rs`.

use serde_json::Value;

use crate::secrets::Secret;

/// What one line of the agent's log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogLine {
    /// `msg == "started tunnel"`: endpoint `name` is online at `url`.
    Started { name: String, url: String },
    /// An error (`lvl` error/eror/crit, or a bare `ERROR:` line), with its ERR_NGROK code if any.
    Failed { code: Option<u32>, err: String },
    /// Anything else.
    Other,
}

/// Reads a JSON log line; only `msg`, `name`, `url`, `lvl` and `err` matter (`addr` varies).
pub(crate) fn parse_log_line(line: &str) -> LogLine {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
        let err = line.trim_start().strip_prefix("ERROR:").unwrap_or(line).trim();
        return match error_code(err) {
            code @ Some(_) => LogLine::Failed { code, err: err.to_owned() },
            None if line.trim_start().starts_with("ERROR:") => LogLine::Failed { code: None, err: err.to_owned() },
            None => LogLine::Other,
        };
    };
    let text = |k: &str| fields.get(k).and_then(Value::as_str);
    if text("msg") == Some("started tunnel")
        && let Some(url) = text("url")
    {
        return LogLine::Started { name: text("name").unwrap_or_default().to_owned(), url: url.to_owned() };
    }
    match text("lvl") {
        Some("error" | "eror" | "crit") => {
            let err = text("err").or(text("msg")).unwrap_or_default().trim().to_owned();
            LogLine::Failed { code: error_code(&err), err }
        }
        _ => LogLine::Other,
    }
}

/// The number of the first `ERR_NGROK_<n>` in `text`.
pub(crate) fn error_code(text: &str) -> Option<u32> {
    let (_, rest) = text.split_once("ERR_NGROK_")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A message that says what happened and what to do about it. `err` must already be redacted.
pub(crate) fn explain(code: Option<u32>, err: &str, profile: &str, url: Option<&str>) -> String {
    let set_token = format!("`nexsock profile set-token {profile}` (or set NGROK_AUTHTOKEN for the host)");
    match code {
        Some(105) => format!(
            "the token of profile `{profile}` is malformed (ERR_NGROK_105): copy it again from the ngrok dashboard \
             (https://dashboard.ngrok.com/get-started/your-authtoken) and run {set_token}"
        ),
        Some(4018) => format!(
            "ngrok did not authenticate profile `{profile}` (ERR_NGROK_4018): its token is missing or not valid; \
             sign up or log in at https://dashboard.ngrok.com, copy your authtoken and run {set_token}"
        ),
        Some(108) => format!(
            "ngrok refused another agent session for profile `{profile}` (ERR_NGROK_108): your plan limits how many \
             agents run at once (the free plan allows few); stop an ngrok agent running elsewhere with this account, \
             or use another profile"
        ),
        Some(334) => format!(
            "the URL {} is already online (ERR_NGROK_334): a URL serves one endpoint at a time; close the other \
             endpoint or agent that uses it, or give profile `{profile}` another --url",
            url.unwrap_or("of this endpoint")
        ),
        Some(n) => format!(
            "ngrok failed for profile `{profile}` (ERR_NGROK_{n}): {err} (see https://ngrok.com/docs/errors/err_ngrok_{n})"
        ),
        None => format!("ngrok failed for profile `{profile}`: {err}"),
    }
}

/// The agent's config (v3). The token is a JSON string, which YAML reads as a quoted scalar.
pub(crate) fn config_yaml(token: Option<&Secret>, api_port: u16) -> String {
    let authtoken =
        token.map(|t| format!("  authtoken: {}\n", Value::String(t.expose().to_owned()))).unwrap_or_default();
    format!("version: 3\nagent:\n{authtoken}  web_addr: 127.0.0.1:{api_port}\n  log: stdout\n  log_format: json\n")
}

/// The URL of endpoint `name` in an API answer: one endpoint, `{"endpoints": [...]}`, or the
/// deprecated `{"tunnels": [...]}`.
pub(crate) fn endpoint_url(body: &str, name: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let url_of = |e: &Value| e.get("url").or_else(|| e.get("public_url")).and_then(Value::as_str).map(str::to_owned);
    if v.get("name").and_then(Value::as_str) == Some(name) {
        return url_of(&v);
    }
    ["endpoints", "tunnels"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_array))
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        .and_then(url_of)
}

/// An API error answer (`{"error_code", "status_code", "msg", "details": {"err"}}`): its
/// ERR_NGROK code and its most specific text.
pub(crate) fn api_error(status: u16, body: &str) -> (Option<u32>, String) {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let text = v
        .pointer("/details/err")
        .or_else(|| v.get("msg"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("the agent's API answered {status}: {}", body.trim()), |s| s.trim().to_owned());
    (error_code(body), text)
}

#[cfg(test)]
pub(in crate::tunnel) mod tests {
    use rstest::rstest;

    use super::*;

    pub(in crate::tunnel) const STARTED: &str = r#"{"addr":"http://localhost:4142","lvl":"info","msg":"started tunnel","name":"web","obj":"tunnels","t":"2026-09-30T02:40:01Z","url":"https://ab12.ngrok-free.app"}"#;
    const OBJ_ADDR: &str = r#"{"addr":{"url":"http://localhost:1"},"lvl":"info","msg":"started tunnel","name":"api","url":"https://x.ngrok.app"}"#;
    pub(in crate::tunnel) const MALFORMED: &str = r#"{"lvl":"crit","msg":"command failed","err":"authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\r\n\r\nERR_NGROK_105\r\n"}"#;
    const EROR: &str = r#"{"lvl":"eror","msg":"failed to start tunnel","err":"authentication failed ERR_NGROK_4018"}"#;
    const UNCODED: &str = r#"{"lvl":"error","msg":"session closed","err":"connection reset"}"#;

    #[rstest]
    #[case::started(STARTED, LogLine::Started { name: "web".into(), url: "https://ab12.ngrok-free.app".into() })]
    #[case::addr_as_object(OBJ_ADDR, LogLine::Started { name: "api".into(), url: "https://x.ngrok.app".into() })]
    #[case::crit_with_code(MALFORMED, LogLine::Failed { code: Some(105), err: "authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\r\n\r\nERR_NGROK_105".into() })]
    #[case::eror_level(EROR, LogLine::Failed { code: Some(4018), err: "authentication failed ERR_NGROK_4018".into() })]
    #[case::error_without_code(UNCODED, LogLine::Failed { code: None, err: "connection reset".into() })]
    #[case::bare_error("ERROR:  authentication failed: ERR_NGROK_108", LogLine::Failed { code: Some(108), err: "authentication failed: ERR_NGROK_108".into() })]
    #[case::info(r#"{"lvl":"info","msg":"client session established"}"#, LogLine::Other)]
    #[case::not_json("t=1 lvl=info msg=hello", LogLine::Other)]
    #[case::bare_code("ERR_NGROK_105", LogLine::Failed { code: Some(105), err: "ERR_NGROK_105".into() })]
    #[case::bare_uncoded_error("ERROR:  authentication failed", LogLine::Failed { code: None, err: "authentication failed".into() })]
    fn log_lines_are_read(#[case] line: &str, #[case] expected: LogLine) {
        assert_eq!(parse_log_line(line), expected);
    }

    #[rstest]
    #[case(105, &["token of profile `work` is malformed", "ngrok dashboard", "nexsock profile set-token work"])]
    #[case(4018, &["did not authenticate profile `work`", "nexsock profile set-token work", "NGROK_AUTHTOKEN"])]
    #[case(108, &["agent session", "stop an ngrok agent running elsewhere", "another profile"])]
    #[case(334, &["https://mine.ngrok.app is already online", "another --url"])]
    #[case(9999, &["ERR_NGROK_9999", "raw error", "err_ngrok_9999"])]
    fn codes_become_advice(#[case] code: u32, #[case] parts: &[&str]) {
        let text = explain(Some(code), "raw error", "work", Some("https://mine.ngrok.app"));
        for part in parts {
            assert!(text.contains(part), "{text:?} lacks {part:?}");
        }
    }

    #[rstest]
    #[case::post_answer(
        r#"{"name":"web","uri":"/api/endpoints/web","url":"https://a.ngrok.app","upstream":{"url":"8080"}}"#,
        Some("https://a.ngrok.app")
    )]
    #[case::list(
        r#"{"endpoints":[{"name":"api","url":"https://b"},{"name":"web","url":"https://c"}]}"#,
        Some("https://c")
    )]
    #[case::tunnels(r#"{"tunnels":[{"name":"web","public_url":"https://d","proto":"https"}]}"#, Some("https://d"))]
    #[case::absent(r#"{"endpoints":[{"name":"api","url":"https://b"}]}"#, None)]
    #[case::garbage("not json", None)]
    fn endpoint_urls_are_found(#[case] body: &str, #[case] url: Option<&str>) {
        assert_eq!(endpoint_url(body, "web").as_deref(), url);
    }

    #[test]
    fn api_errors_keep_their_code_and_detail() {
        let body = r#"{"error_code":103,"status_code":502,"msg":"failed to start tunnel","details":{"err":"The endpoint is already online.\r\n\r\nERR_NGROK_334\r\n"}}"#;
        assert_eq!(api_error(502, body), (Some(334), "The endpoint is already online.\r\n\r\nERR_NGROK_334".into()));
        assert_eq!(api_error(500, "oops"), (None, "the agent's API answered 500: oops".into()));
    }

    #[test]
    fn the_config_holds_the_quoted_token_and_the_api_address() {
        let yaml = config_yaml(Some(&Secret::new("2ab\"c")), 4041);
        assert_eq!(
            yaml,
            "version: 3\nagent:\n  authtoken: \"2ab\\\"c\"\n  web_addr: 127.0.0.1:4041\n  log: stdout\n  log_format: json\n"
        );
        assert!(!config_yaml(None, 1).contains("authtoken"));
    }
}
