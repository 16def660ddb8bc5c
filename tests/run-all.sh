#!/usr/bin/env bash
# Runs every nexsock check: formatting, lints (warnings are errors), then the whole test suite —
# unit tests, the black-box suites that drive real hosts, processes and sockets, the desktop shell
# on Tauri's mock runtime, the UI's tests against its mock backend, the desktop app headless
# under Xvfb, the cross-platform checks (macOS type-check; Windows suite under Wine), and the .deb package
# built, installed, run and removed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
# The webview UI first (typecheck, Vitest against the mock backend, production build): the desktop
# app embeds ui/dist, so clippy and the builds below need it.
bash tests/ui.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The black-box suites run the real `nexsock` binary: build it first.
cargo build --workspace --locked
# macOS type-check; Windows: the app type-checked, the CLI built and its suite run under Wine.
bash tests/cross.sh
cargo nextest run --workspace --locked --no-fail-fast
# The desktop app for real: Xvfb, its own D-Bus session, a notification daemon, a keyring.
bash tests/desktop/run.sh
# The package a user installs: built, installed, its app and CLI run, removed.
bash tests/package.sh
