//! `cargo xtask miri`: the runtime's kernel tests under Miri, which checks every memory access
//! (and the inline assembly module's callers, through the portable fallback Miri runs) for
//! undefined behaviour.
//!
//! Not a step of `cargo xtask test`: interpreting the randomized and exhaustive kernel tests
//! takes about half an hour on two cores, beyond the CI budget. `cargo xtask miri <filter>…` runs the
//! tests whose names contain a filter (e.g. `cargo xtask miri arena quant`). Needs the nightly
//! toolchain; installs its `miri` component when missing.

use std::process::Command;

use crate::process;
use crate::{repo_root, Result};

/// `filters`: test name filters passed on to the test binary (all tests when empty).
pub fn run(filters: &[String]) -> Result {
    let nightly = || {
        let mut command = Command::new("cargo");
        command
            .current_dir(repo_root())
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO")
            .arg("+nightly");
        command
    };
    if process::output(nightly().args(["miri", "--version"])).is_none() {
        process::run(Command::new("rustup").args([
            "component",
            "add",
            "--toolchain",
            "nightly",
            "miri",
            "rust-src",
        ]))?;
    }
    process::run(
        nightly()
            // Miri perturbs float intrinsics (exp, tanh, powi) by default, to model imprecise
            // libm; the kernel tests compare kiln's own math with the host's bit for bit.
            .env("MIRIFLAGS", "-Zmiri-deterministic-floats")
            .args(["miri", "test", "-p", "kiln", "--lib", "--"])
            .args(filters),
    )
}
