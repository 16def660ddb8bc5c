//! Generates the Tauri context (config, capabilities, icons) at build time. The window's page is
//! the built UI (`ui/dist`), embedded into the binary.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist/index.html");
    if !dist.is_file() {
        println!(
            "cargo::error=the UI is not built: run `npm ci && npm run build` in ui/ (tests/run-all.sh and examples/demo.sh do it)"
        );
        return;
    }
    println!("cargo::rerun-if-changed=../ui/dist");
    tauri_build::build();
}
