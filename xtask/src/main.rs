//! `cargo xtask <command>`: the project's tasks that need more than one cargo call.
//!
//! * `setup`     installs the cross targets, QEMU and the Arm binutils when they are missing
//! * `demo`      runs the sine model firmware on QEMU and prints its predictions and footprint
//! * `firmware`  builds the firmware for every target and checks it on QEMU
//! * `calib`     checks that the firmware instruction and stack counts are exact
//! * `test`      the whole test suite, as CI runs it
//!
//! The firmware lives in `examples/firmware`, a cargo workspace of its own.

mod calib;
mod demo;
mod elf;
mod firmware;
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
  setup     install missing rustup targets, qemu-system-arm and binutils-arm-none-eabi
  demo      run the sine model on QEMU (Cortex-M4F): predictions, flash, RAM, instructions
  firmware  build the firmware for all targets and check it on QEMU
  calib     check that the instruction and stack counts of the harness are exact
  test      everything CI runs: setup, fmt, clippy, tests, firmware";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["setup"] => setup::run(),
        ["demo"] => demo::run(),
        ["firmware"] => firmware::run(),
        ["calib"] => calib::run(),
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
