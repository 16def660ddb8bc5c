//! The UI's TypeScript types are generated from this contract (ts-rs) and checked in under
//! `ui/src/api/types`; this test regenerates them and fails when the checked-in ones are stale.
//! `NEXSOCK_UPDATE_TYPES=1 cargo test -p nexsock-proto --test typescript` rewrites them.

#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use nexsock_proto::{ApiError, ClientFrame, Event, Request, Response, ServerFrame};
use ts_rs::{Config, TS};

fn checked_in() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/api/types")
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()))
        .collect()
}

fn export(dir: &Path) {
    // JSON numbers: the contract's u64 fields (times, ids) stay well inside 2^53.
    let cfg = Config::new().with_large_int("number").with_out_dir(dir);
    Request::export_all(&cfg).unwrap();
    Response::export_all(&cfg).unwrap();
    Event::export_all(&cfg).unwrap();
    ClientFrame::export_all(&cfg).unwrap();
    ServerFrame::export_all(&cfg).unwrap();
    ApiError::export_all(&cfg).unwrap();
}

#[test]
fn the_checked_in_typescript_types_match_the_contract() {
    let fresh = tempfile::tempdir().unwrap();
    export(fresh.path());
    let generated = files(fresh.path());
    assert!(generated.contains_key("Request.ts") && generated.len() > 20, "{:?}", generated.keys());
    if std::env::var_os("NEXSOCK_UPDATE_TYPES").is_some() {
        let dir = checked_in();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let current = files(&checked_in());
    let stale: Vec<_> = generated.iter().filter(|(n, t)| current.get(*n) != Some(t)).map(|(n, _)| n.clone()).collect();
    let extra: Vec<_> = current.keys().filter(|n| !generated.contains_key(*n)).cloned().collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "ui/src/api/types is stale (changed: {stale:?}, no longer generated: {extra:?}); \
         run `NEXSOCK_UPDATE_TYPES=1 cargo test -p nexsock-proto --test typescript`"
    );
}
