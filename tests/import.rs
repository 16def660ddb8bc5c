//! `nexsock import` through the real CLI and host: a process-compose graph imported and chain
//! started with real processes, a Procfile with ports, a Compose file run through a stand-in
//! `docker`, and bad files that change nothing.

use std::{path::PathBuf, time::Duration};

use nexsock_proto::{ErrorCode, ImportRequest, Request};
use nexsock_tests::{TestHost, fixture, free_port, wait_for};
use serde_json::Value;

fn write(host: &TestHost, name: &str, text: &str) -> PathBuf {
    let dir = host.home().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn changes(report: &Value) -> Vec<String> {
    let services = report["applied"]["services"].as_array().unwrap().iter();
    services.map(|c| format!("{} {}", c["name"].as_str().unwrap(), c["change"].as_str().unwrap())).collect()
}

fn unmapped(report: &Value) -> Vec<String> {
    let notes = report["unmapped"].as_array().unwrap().iter();
    notes.map(|u| format!("{}:{}", u["service"].as_str().unwrap_or("-"), u["field"].as_str().unwrap())).collect()
}

/// db prints a ready line, migrate runs to completion, api serves HTTP on its probe's port.
fn chain_file(port: u16) -> String {
    format!(
        r#"version: "0.5"
vars:
  PORT: {port}
environment:
  - "MODE=import-test"
processes:
  db:
    command: "echo database system is ready; exec sleep 1000"
    ready_log_line: "system is ready"
  migrate:
    command: "echo migrating $$MODE; touch migrated"
    depends_on:
      db:
        condition: process_log_ready
  api:
    command: "exec python3 -m http.server {{{{.PORT}}}} --bind 127.0.0.1"
    working_dir: ./www
    depends_on:
      migrate:
        condition: process_completed_successfully
      db:
        condition: process_healthy
    readiness_probe:
      http_get:
        host: 127.0.0.1
        port: "{{{{.PORT}}}}"
        path: /
      period_seconds: 1
    availability:
      restart: on_failure
      max_restarts: 3
    shutdown:
      timeout_seconds: 3
"#
    )
}

#[test]
fn an_imported_process_compose_graph_chain_starts_with_real_processes() {
    let host = TestHost::start();
    let port = free_port();
    let file = write(&host, "process-compose.yaml", &chain_file(port));
    std::fs::create_dir_all(host.home().join("project/www")).unwrap();

    let preview = host.json(["import", file.to_str().unwrap(), "--dry-run"]);
    assert_eq!(preview["dry_run"], true);
    assert_eq!(changes(&preview), ["api created", "db created", "migrate created"]);
    assert!(host.json(["service", "list"]).as_array().unwrap().is_empty(), "a dry run stores nothing");

    let report = host.json(["import", file.to_str().unwrap()]);
    assert_eq!((report["format"].as_str(), report["dry_run"].as_bool()), (Some("process-compose"), Some(false)));
    assert_eq!(changes(&report), ["api created", "db created", "migrate created"]);
    assert_eq!(unmapped(&report), ["api:readiness_probe.period_seconds", "api:availability.max_restarts"]);
    let api = host.json(["service", "status", "api"]);
    assert_eq!(api["spec"]["port"], port);
    assert_eq!(api["spec"]["cwd"], host.home().join("project/www").to_str().unwrap());
    assert_eq!(api["spec"]["health"]["kind"], "http");
    assert_eq!(
        (api["spec"]["restart"].as_str(), api["spec"]["stop_grace_secs"].as_u64()),
        (Some("on-failure"), Some(3))
    );

    host.ok(["service", "start-chain", "api"]);
    assert_eq!(host.status("api")["state"], "ready");
    assert_eq!(host.status("db")["state"], "ready");
    assert_eq!(host.status("migrate")["state"], "completed");
    assert!(host.home().join("project/migrated").exists(), "migrate ran in the file's directory");
    let log = host.ok(["service", "logs", "migrate"]);
    assert!(log.contains("migrating import-test"), "`$$MODE` became `$MODE`, expanded from the environment: {log}");

    let again = host.json(["import", file.to_str().unwrap()]);
    assert!(changes(&again).iter().all(|c| c.ends_with("unchanged")), "{again}");
}

#[test]
fn a_procfile_imports_with_foreman_ports_and_warns_about_shared_ones() {
    let host = TestHost::start();
    let base = free_port();
    host.ok(["service", "add", "other", "--command", "sleep 1000", "--port", &base.to_string()]);
    let file = write(
        &host,
        "Procfile",
        "# web and a worker\nweb: exec python3 -m http.server $PORT --bind 127.0.0.1\n\nworker: exec sleep 1000\n",
    );
    let out = host.run(["import", file.to_str().unwrap(), "--port-base", &base.to_string()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("imported 2 services as procfile") && stdout.contains("service web: created"), "{stdout}");
    assert!(
        stderr.contains(&format!("warning: `other`, `web` declare port {base}; they cannot run at the same time")),
        "the same warning apply prints: {stderr}"
    );
    let worker = host.json(["service", "status", "worker"]);
    assert_eq!(worker["spec"]["env"]["PORT"], (base + 100).to_string());
    host.ok(["service", "start", "worker"]);
    assert_eq!(host.status("worker")["state"], "ready");
}

#[test]
fn a_dry_run_warns_about_shared_ports_too_and_the_report_lists_them() {
    let host = TestHost::start();
    let port = free_port();
    let p = port.to_string();
    host.ok(["service", "add", "existing", "--command", "sleep 1000", "--port", &p]);
    let file =
        write(&host, "Procfile", "web: exec python3 -m http.server $PORT --bind 127.0.0.1\nworker: exec sleep 1000\n");
    let path = file.to_str().unwrap();
    let warning = format!("warning: `existing`, `web` declare port {port}; they cannot run at the same time");
    let warnings =
        |stderr: &str| stderr.lines().filter(|l| l.starts_with("warning:")).map(str::to_owned).collect::<Vec<_>>();

    let preview = host.run(["import", path, "--port-base", &p, "--dry-run"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&preview.stdout), String::from_utf8_lossy(&preview.stderr));
    assert!(preview.status.success(), "{stderr}");
    assert!(stdout.starts_with("dry run, nothing changed: imported 2 services as procfile"), "{stdout}");
    assert_eq!(warnings(&stderr), std::slice::from_ref(&warning), "one line for the one shared port: {stderr}");
    let names = |list: Value| {
        list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names(host.json(["service", "list"])), ["existing"], "a dry run stores nothing");

    let out = host.run(["import", path, "--port-base", &p, "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(warnings(&stderr), [warning], "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], false);
    assert_eq!(
        report["applied"]["shared_ports"],
        serde_json::json!([{ "port": port, "services": ["existing", "web"] }])
    );
    assert_eq!(names(host.json(["service", "list"])), ["existing", "web", "worker"]);
}

/// A host whose services find the fake docker: the login shell's profile (in a home of the
/// test's own) puts it first on their PATH and names its state directory.
fn with_fake_docker(dir: &std::path::Path, state: &std::path::Path) -> TestHost {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(fixture("fake-docker"), bin.join("docker")).unwrap();
    let profile = format!("export PATH=\"{}:$PATH\"\nexport FAKE_DOCKER_DIR=\"{}\"\n", bin.display(), state.display());
    std::fs::write(dir.join(".profile"), profile).unwrap();
    TestHost::start_with_env(&[("HOME", dir.to_str().unwrap()), ("SHELL", "/bin/sh")])
}

#[test]
fn a_compose_file_runs_each_service_through_docker_compose() {
    let fake = tempfile::tempdir().unwrap();
    let state = fake.path().join("state");
    let host = with_fake_docker(fake.path(), &state);
    let compose = format!(
        "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [CMD, pg_isready]\n  \
         api:\n    build: .\n    ports: [\"{}:80\"]\n    depends_on:\n      db:\n        condition: service_healthy\n",
        free_port()
    );
    let file = write(&host, "compose.yaml", &compose);
    let report = host.json(["import", file.to_str().unwrap()]);
    assert_eq!(report["format"], "compose");
    assert_eq!(changes(&report), ["api created", "db created"]);

    host.ok(["service", "start-chain", "api"]);
    assert_eq!(host.status("db")["state"], "ready", "healthy by Docker's answer");
    assert_eq!(host.status("api")["state"], "ready");
    let calls = || -> Vec<Vec<String>> {
        let log = std::fs::read_to_string(state.join("argv.log")).unwrap_or_default();
        log.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let file = file.to_str().unwrap().to_owned();
    let up =
        |name: &str| ["compose", "-f", &file, "up", "--no-deps", "--no-log-prefix", name].map(str::to_owned).to_vec();
    // api is ready once spawned (it has no health check): its `up` may not have run yet.
    let ups = wait_for("both `up` calls", Duration::from_secs(10), || {
        let ups: Vec<Vec<String>> = calls().into_iter().filter(|c| c.get(3).is_some_and(|a| a == "up")).collect();
        (ups.len() == 2).then_some(ups)
    });
    assert_eq!(ups, [up("db"), up("api")], "db first, each container on its own");
    assert!(calls().iter().any(|c| c.first().is_some_and(|a| a == "inspect")), "health asked of Docker");

    host.ok(["service", "stop", "db", "--cascade"]);
    wait_for("both containers stopped gracefully", Duration::from_secs(10), || {
        let stopped = calls().into_iter().filter(|c| c.first().is_some_and(|a| a == "<stopped>")).count();
        (stopped == 2).then_some(())
    });
}

#[test]
fn a_compose_import_says_when_docker_compose_is_missing_and_not_when_it_is_there() {
    let compose = "services:\n  db:\n    image: postgres:16\n";
    // The services' PATH comes from the login shell's profile: one without docker on it.
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".profile"), "export PATH=/nonexistent\n").unwrap();
    let host = TestHost::start_with_env(&[("HOME", home.path().to_str().unwrap()), ("SHELL", "/bin/sh")]);
    let file = write(&host, "compose.yaml", compose);
    let out = host.ok(["import", file.to_str().unwrap(), "--dry-run"]);
    assert!(out.contains("`docker` is not on the services' PATH"), "{out}");
    assert!(out.contains("Compose v2"), "{out}");

    let fake = tempfile::tempdir().unwrap();
    let state = fake.path().join("state");
    let host = with_fake_docker(fake.path(), &state);
    let file = write(&host, "compose.yaml", compose);
    let report = host.json(["import", file.to_str().unwrap(), "--dry-run"]);
    let notes = report["unmapped"].as_array().unwrap();
    assert!(notes.iter().all(|n| n["field"] != "docker compose"), "{report}");
}

#[tokio::test]
async fn bad_files_give_typed_errors_and_store_nothing() {
    let host = TestHost::start();
    let malformed = write(&host, "process-compose.yaml", "processes:\n  a:\n    command: [unclosed\n");
    let err = host.fails(["import", malformed.to_str().unwrap()]);
    assert!(err.contains("line 3"), "{err}");
    let cycle = write(
        &host,
        "cycle.yaml",
        "processes:\n  a:\n    command: x\n    depends_on: { b: { condition: process_started } }\n  \
         b:\n    command: y\n    depends_on: { a: { condition: process_started } }\n",
    );
    let err = host.fails(["import", cycle.to_str().unwrap()]);
    assert!(err.contains("dependency cycle"), "{err}");

    let mut client = nexsock_proto::Client::connect(&host.socket()).await.unwrap();
    for (path, code) in [
        (malformed.clone(), ErrorCode::ImportInvalid),
        (cycle.clone(), ErrorCode::DependencyCycle),
        (host.home().join("project/missing.yaml"), ErrorCode::ImportInvalid),
    ] {
        let request = ImportRequest { path: path.display().to_string(), format: None, dry_run: false, port_base: None };
        match client.request(Request::Import(request)).await {
            Err(nexsock_proto::ClientError::Api(e)) => assert_eq!(e.code, code, "{e:?}"),
            other => panic!("{path:?}: {other:?}"),
        }
    }
    let relative = ImportRequest { path: "cycle.yaml".into(), format: None, dry_run: true, port_base: None };
    let Err(nexsock_proto::ClientError::Api(e)) = client.request(Request::Import(relative)).await else { panic!() };
    assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidArgument, Some("path")));
    assert!(host.json(["service", "list"]).as_array().unwrap().is_empty());
}
