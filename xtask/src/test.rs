//! `cargo xtask test`: every check of the project, in the order CI runs them.

use crate::firmware::{self, QEMU_TARGET};
use crate::process::{self, cargo};
use crate::{bench, nopanic, repo_root, setup, Result};

pub fn run() -> Result {
    let host = || {
        let mut command = cargo();
        command.current_dir(repo_root());
        command
    };
    step("setup", setup::run)?;
    step("cargo fmt --check", || {
        process::run(host().args(["fmt", "--all", "--", "--check"]))
    })?;
    step("cargo fmt --check (firmware)", || {
        // Members only: `--all` would also check kiln itself, a path dependency.
        process::run(firmware::cargo_command().args(["fmt", "--", "--check"]))
    })?;
    step("cargo clippy", || {
        process::run(host().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("cargo clippy (firmware)", || {
        process::run(firmware::cargo_command().args([
            "clippy",
            "--release",
            "--target",
            QEMU_TARGET,
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("cargo test", || {
        process::run(host().args(["test", "--workspace"]))
    })?;
    step("firmware", firmware::run)?;
    step("bench firmware of four models, on four cores", bench::smoke)?;
    step("no panic path from predict", nopanic::run)?;
    println!("\n==> xtask test: all steps passed");
    Ok(())
}

/// Runs one step; a failure names the step.
fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    println!("\n==> xtask test: {name}");
    f().map_err(|message| format!("step `{name}` failed: {message}"))
}
