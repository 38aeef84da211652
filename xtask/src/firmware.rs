//! `cargo xtask firmware`: builds examples/firmware for every target and checks it on QEMU.

use std::path::PathBuf;
use std::process::Command;

use crate::process::{self, cargo};
use crate::{calib, elf, qemu, repo_root, Result};

/// Every target the firmware must build for.
pub const TARGETS: [&str; 5] = [
    "thumbv7em-none-eabihf",
    "thumbv6m-none-eabi",
    "thumbv7m-none-eabi",
    "thumbv8m.main-none-eabihf",
    "riscv32imc-unknown-none-elf",
];

/// The target that runs on QEMU's mps2-an386 board (Cortex-M4F): all figures come from it.
pub const QEMU_TARGET: &str = "thumbv7em-none-eabihf";

/// The other cores fw-sine's checks (outputs against TFLM, in the firmware) run on: target, QEMU
/// machine, core. The harness's `memory.x` follows the target (see its build.rs): the Armv6-M
/// image fits both the micro:bit and mps2-an385; Armv8-M runs Secure on mps2-an505.
const OTHER_CORES: [(&str, &str, &str); 5] = [
    ("thumbv7m-none-eabi", "mps2-an385", "Cortex-M3, soft float"),
    (
        "thumbv6m-none-eabi",
        "mps2-an385",
        "Cortex-M3, Armv6-M code",
    ),
    ("thumbv6m-none-eabi", "microbit", "Cortex-M0"),
    ("thumbv7em-none-eabihf", "mps2-an500", "Cortex-M7"),
    ("thumbv8m.main-none-eabihf", "mps2-an505", "Cortex-M33"),
];

pub fn run() -> Result {
    for target in TARGETS {
        build(target, &[])?;
    }
    check_on_qemu()
}

/// Runs every firmware on QEMU: the baseline, the sine model and the calibration.
pub fn check_on_qemu() -> Result {
    let empty = qemu::run(&elf_path("fw-empty"))?;
    let m = empty.measurement("empty")?;
    println!(
        "fw-empty: harness floor {} instructions, call stack {} B, peak stack {} B",
        m.instructions, m.call_stack, m.peak_stack
    );

    let sine = qemu::run(&elf_path("fw-sine"))?;
    let m = sine.measurement("predict")?;
    let sizes = elf::sizes(&elf_path("fw-sine"))?;
    println!(
        "fw-sine: {} predictions match TFLM; predict: {} instructions, call stack {} B, \
         peak stack {} B; flash {} B, static RAM {} B",
        sine.names("@OUT").count(),
        m.instructions,
        m.call_stack,
        m.peak_stack,
        sizes.flash,
        sizes.static_ram
    );

    for (target, machine, core) in OTHER_CORES {
        let run = qemu::run_on(machine, &target_elf_path(target, "fw-sine"))?;
        let m = run.measurement("predict")?;
        // The micro:bit has no CMSDK timer: its count reads 0.
        let count = match m.instructions {
            0 => "not counted on this board".to_string(),
            n => format!("{n} instructions"),
        };
        println!(
            "fw-sine ({target} on {machine}, {core}): predictions match TFLM; predict: {count}"
        );
    }

    calib::check(&qemu::run(&elf_path("fw-calib"))?)
}

/// The firmware workspace.
pub fn dir() -> PathBuf {
    repo_root().join("examples").join("firmware")
}

/// `cargo build --release --target <target>` in the firmware workspace, for `packages` (all
/// of them when empty).
pub fn build(target: &str, packages: &[&str]) -> Result {
    let mut command = cargo_command();
    command.args(["build", "--release", "--target", target]);
    for package in packages {
        command.args(["-p", package]);
    }
    process::run(&mut command)
}

/// A `cargo` command in the firmware workspace.
pub fn cargo_command() -> Command {
    let mut command = cargo();
    command
        .current_dir(dir())
        // The firmware keeps its own target dir, whatever the caller's cargo uses.
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// The release ELF of firmware `bin` for [`QEMU_TARGET`].
pub fn elf_path(bin: &str) -> PathBuf {
    target_elf_path(QEMU_TARGET, bin)
}

/// The release ELF of firmware `bin` for `target`.
fn target_elf_path(target: &str, bin: &str) -> PathBuf {
    dir().join("target").join(target).join("release").join(bin)
}
