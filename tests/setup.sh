#!/usr/bin/env bash
# Installs what building and testing nexsock needs on a fresh Debian/Ubuntu machine: system
# packages (as root, or through sudo) and cargo-nextest. Safe to run again: it skips what is there.
set -euo pipefail

apt_packages=(
  # build
  build-essential pkg-config libdbus-1-dev libssl-dev file
  # the desktop app (Tauri 2 on WebKitGTK)
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libxdo-dev
  # demo and test services, keyring and desktop tests
  python3 python3-venv python3-dbus-next procps dbus dbus-x11 gnome-keyring libsecret-tools
  xvfb xauth x11-utils imagemagick dunst libnotify-bin at-spi2-core xdotool xclip webkit2gtk-driver
  # the package test (tests/package.sh)
  desktop-file-utils
  # Windows builds and their suite under Wine (tests/cross.sh)
  gcc-mingw-w64-x86-64 wine64 wine
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v npm >/dev/null 2>&1; then
  # The UI builds with Vite 7, which needs Node.js 20.19 or newer.
  echo "installing Node.js and npm"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# The WebDriver end-to-end test drives the app through tauri-driver (in front of WebKitWebDriver).
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
  echo "installing tauri-driver"
  cargo install tauri-driver@2.1.0 --locked
fi
