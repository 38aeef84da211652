//! Puts the harness's `memory.x` (mps2-an386) on the linker search path: cortex-m-rt's `link.x`
//! includes it.

use std::{env, fs, path::PathBuf};

const MEMORY: &str = "../harness/memory/mps2-an386.x";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={MEMORY}");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let text = fs::read(MEMORY).unwrap_or_else(|e| panic!("cannot read {MEMORY}: {e}"));
    fs::write(out_dir.join("memory.x"), text).expect("cannot write memory.x into OUT_DIR");
    println!("cargo:rustc-link-search={}", out_dir.display());
}
