//! `cargo xtask <command>`: the project's tasks that need more than one cargo call.
//!
//! * `setup`     installs the cross targets, QEMU and the Arm binutils when they are missing
//! * `bench`     measures kiln and MicroFlow per model on QEMU: BENCHMARKS.md, docs/bench.svg
//! * `demo`      runs the sine model firmware on QEMU and prints its predictions and footprint
//! * `firmware`  builds the firmware for every target and checks it on QEMU
//! * `calib`     checks that the firmware instruction and stack counts are exact
//! * `nopanic`   proves no panic path is reachable from a model's `run` (release Cortex-M4F image)
//! * `miri`      the runtime's kernel tests under Miri (nightly; not part of `test`, too slow for CI)
//! * `test`      the whole test suite, as CI runs it
//!
//! The firmware lives in `examples/firmware`, a cargo workspace of its own.

mod bench;
mod bench_report;
mod calib;
mod demo;
mod elf;
mod firmware;
mod miri;
mod nopanic;
mod process;
mod qemu;
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Every failure is a message for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  bench     measure kiln and MicroFlow per model on QEMU: writes BENCHMARKS.md, docs/bench.svg
            (`--smoke`: the empty firmware and four models, on all four cores, as `test` runs it;
             `--cores`: kiln's outputs against TFLM on Cortex-M0, M7 and M33)
  setup     install missing rustup targets, qemu-system-arm and binutils-arm-none-eabi
  demo      run the sine model on QEMU (Cortex-M4F): predictions, flash, RAM, instructions
  firmware  build the firmware for all targets and check it on QEMU
  calib     check that the instruction and stack counts of the harness are exact
  nopanic   prove that no panic path is reachable from predict (link without a panic handler)
  miri      run the runtime's kernel tests under Miri (nightly toolchain): miri [filter…]
  test      everything CI runs: setup, fmt, clippy, tests, firmware";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["setup"] => setup::run(),
        ["bench"] => bench::run(),
        ["bench", "--smoke"] => bench::smoke(),
        ["bench", "--cores"] => bench::cores(),
        ["demo"] => demo::run(),
        ["firmware"] => firmware::run(),
        ["calib"] => calib::run(),
        ["nopanic"] => nopanic::run(),
        ["miri", ..] => miri::run(&args[1..]),
        ["test"] => test::run(),
        ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate's directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits one level below the repository root")
        .to_path_buf()
}
