//! Puts the board's `memory.x` on the linker search path of the final binary.
//!
//! cortex-m-rt's `link.x` and riscv-rt's `link.x` (feature `memory`) both `INCLUDE memory.x`; the
//! file is picked by target, so firmware crates carry no linker script of their own: Armv8-M
//! Mainline runs on mps2-an505 (Cortex-M33), Armv6-M on the micro:bit (Cortex-M0, also inside the
//! map of mps2-an385), every other Arm target on mps2-an386 (also mps2-an385 and mps2-an500).

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let target = env::var("TARGET").unwrap_or_default();
    // The CMSDK timer at its Secure alias: the Armv8-M build runs Secure on mps2-an505.
    println!("cargo::rustc-check-cfg=cfg(kiln_harness_secure_timer)");
    let source = match arch.as_str() {
        "arm" if target.starts_with("thumbv8m.main") => {
            println!("cargo:rustc-cfg=kiln_harness_secure_timer");
            "memory/mps2-an505.x"
        }
        "arm" if target.starts_with("thumbv6m") => "memory/microbit.x",
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
