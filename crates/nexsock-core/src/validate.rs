//! Validation rules for service specs, each a small named function. Nothing is written unless all
//! of them pass.

use nexsock_proto::{HealthCheck, ServiceSpec};
use regex::Regex;

use crate::error::CoreError;

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
        HealthCheck::Tcp | HealthCheck::Http { .. } | HealthCheck::Exec { .. } => Ok(()),
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

/// Environment keys must be non-empty and free of `=` and NUL.
pub fn validate_env(spec: &ServiceSpec) -> Result<(), CoreError> {
    for (key, value) in &spec.env {
        if key.is_empty() || key.contains('=') || key.contains('\0') || value.contains('\0') {
            return Err(CoreError::InvalidArgument(format!("invalid environment variable `{key}`")));
        }
    }
    Ok(())
}

/// The command must not be empty; the working directory, when given, must exist.
pub fn validate_command(spec: &ServiceSpec) -> Result<(), CoreError> {
    if spec.command.trim().is_empty() {
        return Err(CoreError::InvalidArgument(format!("service `{}` needs a command", spec.name)));
    }
    if let Some(cwd) = &spec.cwd
        && !std::path::Path::new(cwd).is_dir()
    {
        return Err(CoreError::InvalidArgument(format!("working directory `{cwd}` does not exist")));
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
    validate_health(spec)?;
    if spec.startup_timeout_secs == 0 {
        return Err(CoreError::InvalidArgument("startup timeout must be at least 1 second".into()));
    }
    Ok(())
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
}
