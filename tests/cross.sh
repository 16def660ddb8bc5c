#!/usr/bin/env bash
# Cross-platform checks from this Linux machine (issue 10), as ../shared/PLATFORM.md verified them:
# - macOS: the whole workspace type-checks for aarch64-apple-darwin, with zig (a pinned ziglang
#   from PyPI, in a venv) as the target's C compiler; Apple's SDK is not here, so Objective-C
#   sources are compiled as empty C files (type-check only, nothing is linked).
# - Windows: the tray app type-checks for x86_64-pc-windows-gnu; nexsock.exe and the test
#   service are built with mingw-w64 and the Windows suite (tests/windows/suite.py) runs them
#   under Wine, next to a stand-in for the one DLL Wine 8 lacks (tests/windows/bcryptprimitives.c).
# Installs what it needs: the rustup targets and the ziglang venv (mingw-w64 and Wine come from
# tests/setup.sh). Needs ui/dist (tests/ui.sh) and the Linux CLI (target/debug/nexsock: the
# suite compares --json shapes with it).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add aarch64-apple-darwin x86_64-pc-windows-gnu > /dev/null
target=target/cross
venv=$target/zig-venv
if ! "$venv/bin/python" -c 'import ziglang' 2> /dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'ziglang==0.13.0'
fi
bin=$(realpath -m "$target/bin")
mkdir -p "$bin"
zig="$(cd "$venv" && pwd)/bin/python -m ziglang"
cat > "$bin/cc-aarch64-macos" <<SH
#!/usr/bin/env bash
# cc-rs's flags zig does not take are dropped; Objective-C sources become an empty C file.
args=()
for a in "\$@"; do
  case "\$a" in
    --target=*|-mmacosx-version-min=*|-mmacos-version-min=*) ;;
    *.m) args+=(-x c /dev/null) ;;
    *) args+=("\$a") ;;
  esac
done
exec $zig cc -target aarch64-macos "\${args[@]}"
SH
cat > "$bin/ar-zig" <<SH
#!/usr/bin/env bash
exec $zig ar "\$@"
SH
chmod +x "$bin/cc-aarch64-macos" "$bin/ar-zig"
echo "cross: macOS (aarch64-apple-darwin) type-check of the workspace"
CC_aarch64_apple_darwin="$bin/cc-aarch64-macos" AR_aarch64_apple_darwin="$bin/ar-zig" \
  cargo check --workspace --all-targets --locked --target aarch64-apple-darwin --target-dir "$target"
echo "cross: Windows (x86_64-pc-windows-gnu) type-check of the tray app"
cargo check -p nexsock-desktop --locked --target x86_64-pc-windows-gnu --target-dir "$target"
echo "cross: Windows build of nexsock.exe and the test service, run under Wine"
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
  cargo build -p nexsock-cli -p nexsock-testsvc --locked --target x86_64-pc-windows-gnu --target-dir "$target"
out="$target/x86_64-pc-windows-gnu/debug"
x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" tests/windows/bcryptprimitives.c -ladvapi32
python3 tests/windows/suite.py "$out" target/debug/nexsock
echo "cross: ok"
