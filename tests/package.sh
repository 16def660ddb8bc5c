#!/usr/bin/env bash
# The package a user installs: builds the .deb with Tauri's bundler (the tray app, the `nexsock`
# command line in /usr/bin, a desktop entry and the icons; release build, stripped), installs it
# with apt as a user would, checks what it put where, runs the installed `nexsock --version`,
# starts the installed app in the background under Xvfb in its own D-Bus session and drives it
# with the installed CLI (a service added, started, seen running, then `nexsock shutdown` ends the
# app), and removes the package again — also when a step fails.
#
# `--build-only` stops after the build and prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

[ -f ui/dist/index.html ] || bash tests/ui.sh --build-only
# The package holds stripped binaries without debug info; the release profile keeps line tables
# for profiling (Cargo.toml), so the package build overrides it here.
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true
cargo build --locked --release -p nexsock-cli
ui/node_modules/.bin/tauri build --bundles deb --ci -- --locked
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
deb="$PWD/target/release/bundle/deb/nexsock_${version}_amd64.deb"
[ -f "$deb" ] || { echo "package.sh: no package at $deb" >&2; exit 1; }
if [ "${1:-}" = "--build-only" ]; then
  echo "$deb"
  exit 0
fi

fail() { echo "package.sh: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' nexsock 2>/dev/null | grep -q "install ok installed"; then
  fail "a nexsock package is installed already; remove it first (this test installs and removes its own)"
fi

# What the package holds, before installing it.
contents=$(dpkg-deb --contents "$deb")
for path in usr/bin/nexsock-desktop usr/bin/nexsock usr/share/applications/nexsock.desktop \
  usr/share/icons/hicolor/128x128/apps/nexsock-desktop.png; do
  grep -Eq " (\./)?$path\$" <<<"$contents" || fail "the package lacks /$path"
done
echo "package.sh: $(du -h "$deb" | cut -f1) $(basename "$deb") holds the app, the CLI, a desktop entry and icons"

state=$(mktemp -d)
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq nexsock >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT

# apt resolves the package's dependencies (WebKitGTK, GTK, the app indicator) as a user's install does.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
[ "$(command -v nexsock)" = /usr/bin/nexsock ] || fail "nexsock is not /usr/bin/nexsock after the install"
installed=$(/usr/bin/nexsock --version)
[ "$installed" = "nexsock $version" ] || fail "nexsock --version said '$installed', expected 'nexsock $version'"
echo "package.sh: installed; /usr/bin/nexsock --version: $installed"

desktop_entry=/usr/share/applications/nexsock.desktop
grep -q '^Exec=nexsock-desktop' "$desktop_entry" || fail "the desktop entry does not start nexsock-desktop"
grep -q '^Icon=nexsock-desktop' "$desktop_entry" || fail "the desktop entry names no icon"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$desktop_entry"
fi

# The installed app, started as the start at login starts it, in its own state directory.
export NEXSOCK_HOME="$state/home"
mkdir -p "$NEXSOCK_HOME"
cat >"$state/drive.sh" <<'EOF'
set -euo pipefail
/usr/bin/nexsock-desktop --background >"$NEXSOCK_HOME/app.log" 2>&1 &
app=$!
echo "$app" >"$NEXSOCK_HOME/app.pid"
# The app owns the host: wait until its host holds the state's lock and listens (the CLI would
# otherwise start a host of its own).
deadline=$((SECONDS + 60))
until [ "$(cat "$NEXSOCK_HOME/host.lock" 2>/dev/null)" = "$app" ] && [ -S "$NEXSOCK_HOME/run/nexsock.sock" ]; do
  kill -0 "$app" 2>/dev/null || { cat "$NEXSOCK_HOME/app.log" >&2; echo "the installed app exited" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "the installed app did not open its socket in 60 s" >&2; exit 1; }
  sleep 0.1
done
nexsock service add pkg-probe --command 'sleep 300' >/dev/null
nexsock service start pkg-probe >/dev/null
read -r state pid < <(nexsock --json service list |
  python3 -c 'import json,sys; s = {s["name"]: s for s in json.load(sys.stdin)}["pkg-probe"]; print(s["state"], s["pid"])')
[ "$state" = ready ] || { echo "the service started through the installed app is '$state'" >&2; exit 1; }
nexsock shutdown >/dev/null
# The app exits with the host it owns, and its service (that very process) with it.
wait "$app" || { echo "the installed app exited with $? after shutdown" >&2; exit 1; }
! kill -0 "$pid" 2>/dev/null || { echo "the service (pid $pid) outlived the app" >&2; exit 1; }
EOF
dbus-run-session -- xvfb-run -a bash "$state/drive.sh"
echo "package.sh: the installed app ran in the background, ran a service for the installed CLI and exited on shutdown"

DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq nexsock >/dev/null
[ ! -e /usr/bin/nexsock ] && [ ! -e /usr/bin/nexsock-desktop ] || fail "files remain after removing the package"
echo "package.sh: removed; nothing left in /usr/bin"
