//! Puts the board's `memory.x` on the linker search path of the final binary.
//!
//! cortex-m-rt's `link.x` and riscv-rt's `link.x` (feature `memory`) both `INCLUDE memory.x`; the
//! file is picked by target architecture, so firmware crates carry no linker script of their own.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let source = match arch.as_str() {
        "arm" => "memory/mps2-an386.x",
        "riscv32" => "memory/riscv32.x",
        // Other architectures are rejected by a compile_error! in lib.rs.
        _ => return,
    };
    println!("cargo:rerun-if-changed={source}");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let text = fs::read(source).unwrap_or_else(|e| panic!("cannot read {source}: {e}"));
    fs::write(out_dir.join("memory.x"), text).expect("cannot write memory.x into OUT_DIR");
    println!("cargo:rustc-link-search={}", out_dir.display());
}
