//! process-compose mapping rules, one by one, and the fields each reports.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use nexsock_import::{ImportError, Imported, Options, Source, import};
use nexsock_proto::{DependsOn, ImportFormat, RestartPolicy, StackService};
use rstest::rstest;

fn read(text: &str) -> Result<Imported, ImportError> {
    let source = Source { path: Path::new("/proj/process-compose.yaml"), text };
    import(source, Some(ImportFormat::ProcessCompose), Options::default())
}

fn one(process: &str) -> (StackService, Vec<(String, String)>) {
    let text = format!("version: \"0.5\"\nprocesses:\n  p:\n{}", indent(process));
    let imported = read(&text).unwrap_or_else(|e| panic!("{e}"));
    let notes = imported.unmapped.iter().map(|u| (u.field.clone(), u.reason.clone())).collect();
    (imported.stack.services["p"].clone(), notes)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn fields(notes: &[(String, String)]) -> Vec<&str> {
    notes.iter().map(|(f, _)| f.as_str()).collect()
}

#[test]
fn command_working_dir_and_environment_map() {
    let (s, notes) = one("command: serve --port 1\nworking_dir: web\nenvironment:\n  - 'MODE=dev'\n  - 'EMPTY='");
    assert_eq!(s.command.as_deref(), Some("serve --port 1"));
    assert_eq!(s.cwd.as_deref(), Some("/proj/web"), "relative to the file's directory");
    assert_eq!(s.env["MODE"], "dev");
    assert_eq!(s.env["EMPTY"], "");
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn a_process_without_working_dir_runs_in_the_files_directory() {
    let (s, _) = one("command: 'true'");
    assert_eq!(s.cwd.as_deref(), Some("/proj"));
}

#[test]
fn top_level_environment_is_merged_under_the_processes_own() {
    let text = "environment:\n  - 'A=top'\n  - 'B=top'\nprocesses:\n  p:\n    command: x\n    environment: ['B=own']\n";
    let s = &read(text).unwrap().stack.services["p"];
    assert_eq!((s.env["A"].as_str(), s.env["B"].as_str()), ("top", "own"));
}

#[test]
fn vars_render_command_working_dir_environment_and_probes_process_vars_first() {
    let text = "vars:\n  PY: python3\n  PORT: 1\nprocesses:\n  p:\n    vars: { PORT: 8110 }\n    command: '{{.PY}} -m http.server {{ .PORT }}'\n    working_dir: '{{.PY}}-dir'\n    environment: ['URL=http://localhost:{{.PORT}}']\n    readiness_probe:\n      http_get: { port: '{{.PORT}}', path: /health }\n";
    let s = &read(text).unwrap().stack.services["p"];
    assert_eq!(s.command.as_deref(), Some("python3 -m http.server 8110"));
    assert_eq!(s.cwd.as_deref(), Some("/proj/python3-dir"));
    assert_eq!(s.env["URL"], "http://localhost:8110");
    assert_eq!((s.health.as_deref(), s.port), (Some("http:/health"), Some(8110)));
}

#[test]
fn an_unknown_var_is_an_error_naming_the_field() {
    let err = read("processes:\n  p:\n    command: 'run {{.NOPE}}'\n").unwrap_err().to_string();
    assert!(err.contains("processes.p.command") && err.contains("NOPE"), "{err}");
}

#[test]
fn is_template_disabled_keeps_braces_in_the_command() {
    let (s, _) = one("command: \"echo '{{.X}}'\"\nis_template_disabled: true");
    assert_eq!(s.command.as_deref(), Some("echo '{{.X}}'"));
}

#[test]
fn double_dollars_unescape_and_load_time_references_are_reported() {
    let (s, notes) = one("command: echo $$HOME ${VERSION}");
    assert_eq!(s.command.as_deref(), Some("echo $HOME ${VERSION}"));
    assert_eq!(fields(&notes), ["command"]);
    assert!(notes[0].1.contains("$VERSION"), "{notes:?}");
    let (_, notes) = one("command: x\nenvironment: ['DSN=db://${DB_USER}:${DB_PASSWORD}@h']");
    assert_eq!(fields(&notes), ["environment.DSN"], "the value is kept as a reference, never filled in");
}

#[test]
fn disable_env_expansion_keeps_dollars_as_written() {
    let text = "disable_env_expansion: true\nprocesses:\n  p:\n    command: echo $$ $X\n";
    let imported = read(text).unwrap();
    assert_eq!(imported.stack.services["p"].command.as_deref(), Some("echo $$ $X"));
    assert!(imported.unmapped.is_empty());
}

#[rstest]
#[case("process_started", "started", false)]
#[case("process_healthy", "healthy", false)]
#[case("process_completed_successfully", "completed", false)]
#[case("process_log_ready", "log", false)]
#[case("process_completed", "completed", true)]
fn depends_on_conditions_map(#[case] condition: &str, #[case] mapped: &str, #[case] reported: bool) {
    let text = format!(
        "processes:\n  db:\n    command: x\n    ready_log_line: up\n  p:\n    command: y\n    depends_on:\n      db:\n        condition: {condition}\n"
    );
    let imported = read(&text).unwrap();
    let DependsOn::Map(edges) = &imported.stack.services["p"].depends_on else { panic!("a map") };
    assert_eq!(edges["db"].condition.as_deref(), Some(mapped));
    let on_p: Vec<_> = imported.unmapped.iter().filter(|u| u.service.as_deref() == Some("p")).collect();
    assert_eq!(on_p.len(), usize::from(reported), "{on_p:?}");
}

#[test]
fn a_dependency_without_condition_waits_for_completion_as_in_process_compose() {
    let text = "processes:\n  db:\n    command: x\n  p:\n    command: y\n    depends_on:\n      db: {}\n";
    let imported = read(text).unwrap();
    let DependsOn::Map(edges) = &imported.stack.services["p"].depends_on else { panic!("a map") };
    assert_eq!(edges["db"].condition.as_deref(), Some("completed"));
    assert_eq!(imported.unmapped[0].field, "depends_on.db.condition");
}

#[test]
fn a_dependency_on_a_process_not_in_the_file_is_an_error() {
    let err = read("processes:\n  p:\n    command: y\n    depends_on:\n      ghost: {condition: process_started}\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("processes.p.depends_on.ghost") && err.contains("not a process of this file"), "{err}");
}

#[test]
fn readiness_exec_and_ready_log_line_become_checks() {
    let (s, notes) = one("command: x\nreadiness_probe:\n  exec: { command: 'pg_isready' }\n  period_seconds: 2");
    assert_eq!(s.health.as_deref(), Some("exec:pg_isready"));
    assert_eq!(fields(&notes), ["readiness_probe.period_seconds"]);
    let (s, _) = one("command: x\nready_log_line: 'ready (port 5432)'");
    assert_eq!(s.health.as_deref(), Some(r"log:ready \(port 5432\)"), "a literal, as process-compose matches it");
}

#[test]
fn http_get_on_another_host_or_scheme_is_reported() {
    let (s, notes) = one(
        "command: x\nreadiness_probe:\n  http_get: { host: example.com, scheme: https, port: 443, headers: {a: b} }",
    );
    assert_eq!((s.health.as_deref(), s.port), (Some("http:/"), Some(443)));
    assert_eq!(
        fields(&notes),
        ["readiness_probe.http_get.host", "readiness_probe.http_get.scheme", "readiness_probe.http_get.headers"]
    );
}

#[test]
fn ready_log_line_with_a_readiness_probe_is_refused_as_in_process_compose() {
    let err = read("processes:\n  p:\n    command: x\n    ready_log_line: up\n    readiness_probe: { exec: { command: 'true' } }\n")
        .unwrap_err();
    assert!(matches!(err, ImportError::Invalid { .. }), "{err}");
}

#[rstest]
#[case("no", RestartPolicy::No, &[])]
#[case("on_failure", RestartPolicy::OnFailure, &[])]
#[case("always", RestartPolicy::Always, &[])]
#[case("exit_on_failure", RestartPolicy::No, &["availability.restart"])]
fn availability_restart_maps(#[case] policy: &str, #[case] mapped: RestartPolicy, #[case] reported: &[&str]) {
    let (s, notes) = one(&format!("command: x\navailability:\n  restart: {policy}"));
    assert_eq!(s.restart, mapped);
    assert_eq!(fields(&notes), reported);
}

#[test]
fn availability_backoff_and_max_restarts_are_reported() {
    let (_, notes) = one("command: x\navailability: { restart: always, backoff_seconds: 2, max_restarts: 3 }");
    assert_eq!(fields(&notes), ["availability.backoff_seconds", "availability.max_restarts"]);
}

#[test]
fn shutdown_timeout_is_the_stop_grace_and_the_rest_is_reported() {
    let (s, notes) = one("command: x\nshutdown: { timeout_seconds: 4, signal: 15, command: 'pkill x' }");
    assert_eq!(s.stop_grace, Some(4));
    assert_eq!(fields(&notes), ["shutdown.command"], "SIGTERM is what nexsock sends anyway");
    let (_, notes) = one("command: x\nshutdown: { signal: 2 }");
    assert_eq!(fields(&notes), ["shutdown.signal"]);
}

#[rstest]
#[case("replicas: 3")]
#[case("schedule: { interval: 30s }")]
#[case("liveness_probe: { exec: { command: 'true' } }")]
#[case("disabled: true")]
#[case("is_daemon: true")]
#[case("description: hello")]
#[case("log_location: ./x.log")]
#[case("env_file: .env.local")]
#[case("is_tty: true")]
#[case("success_exit_codes: [143]")]
#[case("watch: { paths: [src] }")]
#[case("no_such_key: 1")]
fn fields_without_a_counterpart_are_reported(#[case] field: &str) {
    let (_, notes) = one(&format!("command: x\n{field}"));
    let key = field.split(':').next().unwrap();
    assert_eq!(fields(&notes), [key]);
}

#[test]
fn one_replica_is_not_worth_reporting() {
    let (_, notes) = one("command: x\nreplicas: 1");
    assert!(notes.is_empty());
}

#[test]
fn top_level_settings_without_a_counterpart_are_reported_without_a_service() {
    let imported =
        read("version: '0.5'\nlog_level: info\nshell: { shell_command: bash }\nprocesses:\n  p: { command: x }\n")
            .unwrap();
    let top: Vec<_> = imported.unmapped.iter().map(|u| (u.service.clone(), u.field.as_str())).collect();
    assert_eq!(top, [(None, "log_level"), (None, "shell")]);
}

#[test]
fn entrypoint_is_the_command_when_there_is_none() {
    let (s, _) = one("entrypoint: ['python3', '-c', 'print(1)']");
    assert_eq!(s.command.as_deref(), Some("python3 -c 'print(1)'"));
}

#[rstest]
#[case("processes:\n  p: [1, 2]\n", "processes.p")]
#[case("version: '0.5'\n", "processes")]
#[case("processes:\n  p: { command: x, availability: { restart: sometimes } }\n", "processes.p.availability.restart")]
#[case("processes:\n  p: { }\n", "processes.p")]
fn invalid_fields_are_errors_naming_them(#[case] text: &str, #[case] at: &str) {
    match read(text).unwrap_err() {
        ImportError::Invalid { at: found, .. } => assert_eq!(found, at),
        other => panic!("{other}"),
    }
}

#[test]
fn malformed_yaml_is_an_error_naming_the_line() {
    match read("processes:\n  p:\n    command: [unclosed\n").unwrap_err() {
        ImportError::Syntax { line, .. } => assert!(line >= 3, "line {line}"),
        other => panic!("{other}"),
    }
}

#[test]
fn a_namespace_is_a_tag_and_the_default_namespace_none() {
    let text =
        "processes:\n  a:\n    command: x\n    namespace: backend\n  b:\n    command: y\n    namespace: default\n";
    let imported =
        import(Source { path: Path::new("/p/process-compose.yaml"), text }, None, Options::default()).unwrap();
    assert_eq!(imported.stack.services["a"].tags, ["backend"]);
    assert!(imported.stack.services["b"].tags.is_empty());
    assert!(imported.unmapped.iter().all(|u| u.field != "namespace"));
}
