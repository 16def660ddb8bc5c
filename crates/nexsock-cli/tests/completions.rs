//! The CLI's own surface: completion scripts for the common shells, and help.

#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn completion_scripts_are_printed_for_bash_zsh_and_fish() {
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef nexsock"), ("fish", "complete -c nexsock")] {
        let out = Command::new(env!("CARGO_BIN_EXE_nexsock")).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell} script lacks `{marker}`");
        assert!(script.contains("start"), "{shell} script should know the subcommands");
    }
}
