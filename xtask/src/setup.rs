//! `cargo xtask setup`: installs what the firmware steps need, only where it is missing.

use std::fs;
use std::process::Command;

use crate::firmware::TARGETS;
use crate::process::{self, find_on_path};
use crate::{repo_root, Result};

/// Debian packages for running and inspecting the Arm firmware, with a program each provides.
const APT_PACKAGES: [(&str, &str); 2] = [
    ("qemu-system-arm", "qemu-system-arm"),
    ("binutils-arm-none-eabi", "arm-none-eabi-objdump"),
];

pub fn run() -> Result {
    rustup_targets()?;
    apt_packages()
}

/// Adds the firmware targets missing from the pinned toolchain.
fn rustup_targets() -> Result {
    let toolchain = pinned_toolchain()?;
    let Some(installed) = process::output(Command::new("rustup").args([
        "target",
        "list",
        "--installed",
        "--toolchain",
        &toolchain,
    ])) else {
        println!("setup: rustup not found; assuming the targets {TARGETS:?} are installed");
        return Ok(());
    };
    let missing: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|target| !installed.lines().any(|line| line.trim() == *target))
        .collect();
    if missing.is_empty() {
        println!("setup: rustup targets present ({toolchain})");
        return Ok(());
    }
    process::run(
        Command::new("rustup")
            .args(["target", "add", "--toolchain", &toolchain])
            .args(&missing),
    )
}

/// The `channel` of rust-toolchain.toml.
fn pinned_toolchain() -> Result<String> {
    let path = repo_root().join("rust-toolchain.toml");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("channel"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"').to_string())
        .next()
        .ok_or_else(|| format!("{}: no `channel = \"…\"` line", path.display()))
}

/// Installs QEMU and the Arm binutils with apt-get when qemu-system-arm is not on PATH.
fn apt_packages() -> Result {
    if find_on_path("qemu-system-arm").is_some() {
        println!("setup: qemu-system-arm present");
        return Ok(());
    }
    let packages: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, program)| find_on_path(program).is_none())
        .map(|(package, _)| *package)
        .collect();
    process::run(privileged("apt-get").arg("update"))?;
    process::run(
        privileged("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// `program` as root: directly when we are root, else through sudo.
fn privileged(program: &str) -> Command {
    let uid = process::output(Command::new("id").arg("-u"));
    if uid.as_deref().map(str::trim) == Some("0") {
        Command::new(program)
    } else {
        let mut sudo = Command::new("sudo");
        // sudo resets the environment; keep apt-get from asking questions.
        sudo.args(["DEBIAN_FRONTEND=noninteractive", program]);
        sudo
    }
}
