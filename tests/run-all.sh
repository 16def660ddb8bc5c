#!/usr/bin/env bash
# Runs every nexsock check: formatting, lints (warnings are errors), then the whole test suite —
# unit tests and the black-box suites that drive real hosts, processes and sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The black-box suites run the real `nexsock` binary: build it first.
cargo build --workspace --locked
cargo nextest run --workspace --locked --no-fail-fast
