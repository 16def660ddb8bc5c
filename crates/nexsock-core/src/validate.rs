//! Validation rules for service specs, each a small named function. Nothing is written unless all
//! of them pass.

use nexsock_proto::{Condition, DependencySpec, HealthCheck, ServiceSpec, TunnelMode};
use regex::Regex;

use crate::{error::CoreError, store::StoredEdge};

/// Longest allowed service name.
pub const MAX_NAME_LEN: usize = 64;

/// Letters, digits, `-` and `_`; 1 to 64 characters.
pub fn validate_name(name: &str) -> Result<(), CoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(CoreError::InvalidName(name.to_owned())) }
}

/// 1–65535.
pub fn validate_port(port: u32) -> Result<u16, CoreError> {
    match u16::try_from(port) {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(CoreError::InvalidPort(port)),
    }
}

/// A health check must be usable by this service: tcp and http need a port, log needs a valid regex.
pub fn validate_health(spec: &ServiceSpec) -> Result<(), CoreError> {
    let Some(check) = &spec.health else { return Ok(()) };
    if check.needs_port() && spec.port.is_none() {
        return Err(CoreError::InvalidHealthCheck(format!(
            "health check `{check}` needs a port, and service `{}` has none (add --port)",
            spec.name
        )));
    }
    match check {
        HealthCheck::Log { pattern } => compile_log_pattern(pattern).map(|_| ()),
        HealthCheck::Http { path } if !path.starts_with('/') => {
            Err(CoreError::InvalidHealthCheck(format!("http path `{path}` must start with `/`")))
        }
        HealthCheck::Http { path } if path.chars().any(|c| c.is_whitespace() || c.is_control()) => Err(
            CoreError::InvalidHealthCheck(format!("http path `{path}` must not contain spaces or control characters")),
        ),
        HealthCheck::Exec { command } => match forbidden_control(command, true) {
            None => Ok(()),
            Some(c) => {
                Err(CoreError::InvalidHealthCheck(format!("the exec command contains the control character {c:?}")))
            }
        },
        HealthCheck::Tcp | HealthCheck::Http { .. } => Ok(()),
    }
}

/// Compiles a `log:` pattern, turning a bad regex into a typed error.
pub fn compile_log_pattern(pattern: &str) -> Result<Regex, CoreError> {
    Regex::new(pattern).map_err(|e| {
        // regex's syntax errors draw a caret diagram over several lines; its last line says what is wrong.
        let text = e.to_string();
        let why = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&text);
        CoreError::InvalidHealthCheck(format!("invalid log pattern `{pattern}`: {}", why.trim_start_matches("error: ")))
    })
}

/// The first control character in `text` that a shell line may not hold: tab and newline are
/// the shell's own whitespace (multi-line commands, PEM values); NUL, carriage return, escape and
/// the rest are refused, since they cannot reach a process or would corrupt a terminal.
fn forbidden_control(text: &str, allow_whitespace: bool) -> Option<char> {
    text.chars().find(|c| c.is_control() && !(allow_whitespace && matches!(c, '\t' | '\n')))
}

/// `what` (the field named in the error) without forbidden control characters.
fn no_control(field: &'static str, what: &str, text: &str, allow_whitespace: bool) -> Result<(), CoreError> {
    match forbidden_control(text, allow_whitespace) {
        None => Ok(()),
        Some(c) => Err(CoreError::field(field, format!("{what} contains the control character {c:?}"))),
    }
}

/// Environment names must be non-empty and free of `=` and control characters; values may hold
/// tabs and newlines but no other control character.
pub fn validate_env(spec: &ServiceSpec) -> Result<(), CoreError> {
    for (key, value) in &spec.env {
        let mut chars = key.chars();
        let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(CoreError::field(
                "env",
                format!(
                    "invalid environment variable name {key:?}: use letters, digits and `_`, not starting with a digit"
                ),
            ));
        }
        no_control("env", &format!("the value of environment variable `{key}`"), value, true)?;
    }
    Ok(())
}

/// The command must not be empty nor hold control characters (tab and newline aside); the
/// working directory, when given, must be free of control characters and exist.
pub fn validate_command(spec: &ServiceSpec) -> Result<(), CoreError> {
    if spec.command.trim().is_empty() {
        return Err(CoreError::field("command", format!("service `{}` needs a command", spec.name)));
    }
    no_control("command", "the command", &spec.command, true)?;
    if let Some(cwd) = &spec.cwd {
        no_control("cwd", "the working directory", cwd, false)?;
        if !std::path::Path::new(cwd).is_dir() {
            return Err(CoreError::field("cwd", format!("working directory `{cwd}` does not exist")));
        }
    }
    Ok(())
}

/// Every rule for a service spec.
pub fn validate_spec(spec: &ServiceSpec) -> Result<(), CoreError> {
    validate_name(&spec.name)?;
    if let Some(port) = spec.port {
        validate_port(port)?;
    }
    validate_command(spec)?;
    validate_env(spec)?;
    for tag in &spec.tags {
        validate_name(tag).map_err(|_| {
            CoreError::field(
                "tags",
                format!("invalid tag `{tag}`: use letters, digits, `-` and `_`, at most 64 characters"),
            )
        })?;
    }
    validate_health(spec)?;
    if spec.startup_timeout_secs == 0 {
        return Err(CoreError::field("startup_timeout_secs", "startup timeout must be at least 1 second"));
    }
    Ok(())
}

/// Resolves and checks a dependency edge against the dependency's spec: the default condition is
/// `healthy` when the dependency has a health check, else `started`; `healthy` without a check and
/// `log` without a `log:` check are refused, since they could never be met.
pub fn resolve_dependency(spec: &DependencySpec, dependency: &ServiceSpec) -> Result<StoredEdge, CoreError> {
    validate_name(&spec.service)?;
    validate_name(&spec.depends_on)?;
    if spec.service == spec.depends_on {
        return Err(CoreError::Cycle(vec![spec.service.clone(), spec.depends_on.clone()]));
    }
    let condition = spec.condition.unwrap_or(match dependency.health {
        Some(_) => Condition::Healthy,
        None => Condition::Started,
    });
    match (condition, &dependency.health) {
        (Condition::Healthy, None) => {
            return Err(CoreError::field(
                "condition",
                format!(
                    "condition `healthy` needs a health check on `{}`, which has none: add --health to it, or use --condition started",
                    dependency.name
                ),
            ));
        }
        (Condition::LogReady, Some(HealthCheck::Log { .. })) => {}
        (Condition::LogReady, _) => {
            return Err(CoreError::field(
                "condition",
                format!("condition `log` needs a `log:REGEX` health check on `{}`", dependency.name),
            ));
        }
        (Condition::Started | Condition::Healthy | Condition::CompletedSuccessfully, _) => {}
    }
    if spec.timeout_secs == Some(0) {
        return Err(CoreError::field("timeout_secs", "a dependency timeout must be at least 1 second"));
    }
    if let Some(path) = &spec.health_path {
        if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CoreError::field(
                "health_path",
                format!(
                    "health path `{}` must start with `/` and hold no spaces or control characters",
                    path.escape_debug()
                ),
            ));
        }
        if dependency.port.is_none() {
            return Err(CoreError::field(
                "health_path",
                format!("--health-path is checked on `{}`'s port, and it has none: add --port to it", dependency.name),
            ));
        }
    }
    if let Some(alias) = &spec.env_alias {
        let mut chars = alias.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(CoreError::field(
                "env_alias",
                format!(
                    "`{alias}` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"
                ),
            ));
        }
        if spec.tunnel_mode == TunnelMode::None {
            return Err(CoreError::field("env_alias", "--env-alias names a tunnel URL: it needs --tunnel"));
        }
    }
    Ok(StoredEdge {
        service: spec.service.clone(),
        depends_on: spec.depends_on.clone(),
        condition,
        required: spec.required,
        tunnel_mode: spec.tunnel_mode,
        timeout_secs: spec.timeout_secs,
        health_path: spec.health_path.clone(),
        env_alias: spec.env_alias.clone(),
        restart_on_new_url: spec.restart_on_new_url,
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn spec(name: &str) -> ServiceSpec {
        ServiceSpec {
            name: name.into(),
            command: "true".into(),
            cwd: None,
            port: None,
            env: Default::default(),
            health: None,
            restart: Default::default(),
            startup_timeout_secs: 5,
            stop_grace_secs: 1,
            inherit: None,
            tags: Vec::new(),
        }
    }

    #[rstest]
    #[case("web-api", true)]
    #[case("db_1", true)]
    #[case("", false)]
    #[case("has space", false)]
    #[case("dot.name", false)]
    #[case("ünï", false)]
    #[case(&"a".repeat(64), true)]
    #[case(&"a".repeat(65), false)]
    fn names_follow_the_rule(#[case] name: &str, #[case] ok: bool) {
        assert_eq!(validate_name(name).is_ok(), ok, "{name}");
    }

    #[rstest]
    #[case(0, false)]
    #[case(1, true)]
    #[case(65535, true)]
    #[case(65536, false)]
    fn ports_are_1_to_65535(#[case] port: u32, #[case] ok: bool) {
        assert_eq!(validate_port(port).is_ok(), ok);
    }

    #[test]
    fn tcp_health_without_a_port_is_refused() {
        let mut s = spec("web");
        s.health = Some(HealthCheck::Tcp);
        assert!(matches!(validate_spec(&s), Err(CoreError::InvalidHealthCheck(_))));
        s.port = Some(8080);
        assert!(validate_spec(&s).is_ok());
    }

    #[test]
    fn a_bad_log_regex_is_refused() {
        let mut s = spec("web");
        s.health = Some(HealthCheck::Log { pattern: "(unclosed".into() });
        assert!(matches!(validate_spec(&s), Err(CoreError::InvalidHealthCheck(_))));
    }

    #[rstest]
    #[case("/health", true)]
    #[case("/health?deep=1", true)]
    #[case("health", false)]
    #[case("/a b", false)]
    #[case("/x\r\nHost: evil", false)]
    fn an_http_path_starts_with_a_slash_and_holds_no_spaces_or_control_characters(
        #[case] path: &str,
        #[case] ok: bool,
    ) {
        let mut s = spec("web");
        s.port = Some(8080);
        s.health = Some(HealthCheck::Http { path: path.into() });
        assert_eq!(validate_spec(&s).is_ok(), ok, "{path:?}");
    }

    #[rstest]
    #[case("PATH", true)]
    #[case("_private", true)]
    #[case("a1_B2", true)]
    #[case("1X", false)]
    #[case("A-B", false)]
    #[case("A B", false)]
    #[case("A\tB", false)]
    #[case("A.B", false)]
    #[case("", false)]
    fn an_environment_name_is_letters_digits_and_underscores_not_starting_with_a_digit(
        #[case] name: &str,
        #[case] ok: bool,
    ) {
        let mut s = spec("web");
        s.env.insert(name.into(), "1".into());
        let result = validate_spec(&s);
        assert_eq!(result.is_ok(), ok, "{name:?}");
        if let Err(e) = result {
            assert_eq!(nexsock_proto::ApiError::from(e).field.as_deref(), Some("env"));
        }
    }

    #[rstest]
    #[case::nul_in_command("command", |s: &mut ServiceSpec| s.command = "echo a\0b".into())]
    #[case::escape_in_command("command", |s: &mut ServiceSpec| s.command = "echo \x1b[2J".into())]
    #[case::carriage_return_in_command("command", |s: &mut ServiceSpec| s.command = "echo a\rb".into())]
    #[case::newline_in_cwd("cwd", |s: &mut ServiceSpec| s.cwd = Some("/tmp\n".into()))]
    #[case::nul_in_env_value("env", |s: &mut ServiceSpec| { s.env.insert("A".into(), "x\0".into()); })]
    #[case::bell_in_env_value("env", |s: &mut ServiceSpec| { s.env.insert("A".into(), "\x07".into()); })]
    fn control_characters_are_refused_naming_the_field(#[case] field: &str, #[case] spoil: fn(&mut ServiceSpec)) {
        let mut s = spec("web");
        spoil(&mut s);
        let err = nexsock_proto::ApiError::from(validate_spec(&s).expect_err("refused"));
        assert_eq!(err.field.as_deref(), Some(field), "{}", err.message);
        assert!(err.message.contains("control character"), "{}", err.message);
    }

    #[test]
    fn tabs_and_newlines_stay_allowed_in_commands_and_env_values() {
        let mut s = spec("web");
        s.command = "echo one\n\techo two".into();
        s.env.insert("PEM".into(), "-----BEGIN-----\nabc\n-----END-----".into());
        assert!(validate_spec(&s).is_ok());
        s.health = Some(HealthCheck::Exec { command: "true\x00".into() });
        assert!(matches!(validate_spec(&s), Err(CoreError::InvalidHealthCheck(_))));
    }

    fn edge(condition: Option<Condition>) -> DependencySpec {
        DependencySpec {
            service: "web".into(),
            depends_on: "db".into(),
            condition,
            required: true,
            tunnel_mode: TunnelMode::None,
            timeout_secs: None,
            health_path: None,
            env_alias: None,
            restart_on_new_url: true,
        }
    }

    #[test]
    fn the_default_condition_follows_the_dependencys_health_check() {
        let mut db = spec("db");
        assert_eq!(resolve_dependency(&edge(None), &db).expect("ok").condition, Condition::Started);
        db.port = Some(5432);
        db.health = Some(HealthCheck::Tcp);
        assert_eq!(resolve_dependency(&edge(None), &db).expect("ok").condition, Condition::Healthy);
    }

    #[test]
    fn conditions_that_could_never_be_met_are_refused() {
        let db = spec("db");
        assert!(resolve_dependency(&edge(Some(Condition::Healthy)), &db).is_err());
        assert!(resolve_dependency(&edge(Some(Condition::LogReady)), &db).is_err());
        let mut logged = spec("db");
        logged.health = Some(HealthCheck::Log { pattern: "ready".into() });
        assert!(resolve_dependency(&edge(Some(Condition::LogReady)), &logged).is_ok());
    }

    #[test]
    fn a_health_path_needs_a_port_on_the_dependency_and_a_clean_path() {
        let with_path = |path: &str| DependencySpec { health_path: Some(path.into()), ..edge(None) };
        let mut db = spec("db");
        let err = resolve_dependency(&with_path("/ready"), &db).expect_err("no port");
        assert!(matches!(&err, CoreError::InvalidField { field: "health_path", .. }), "{err:?}");
        assert!(err.to_string().contains("add --port"), "{err}");
        db.port = Some(5432);
        assert_eq!(resolve_dependency(&with_path("/ready"), &db).expect("ok").health_path.as_deref(), Some("/ready"));
        for bad in ["ready", "/a b", "/a\u{7}"] {
            assert!(resolve_dependency(&with_path(bad), &db).is_err(), "{bad:?}");
        }
    }
}
