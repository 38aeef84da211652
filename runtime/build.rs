//! Chooses the int8 inner loops of `src/arch`.
//!
//! Sets `cfg(kiln_dsp)` when the target has the Armv7E-M / Armv8-M DSP extension (`SMLAD`,
//! `SXTB16`, `SXTAB16`): always for the `thumbv7em-*` triples (Cortex-M4/M7, where it is
//! mandatory); for `thumbv8m.main-*` (Cortex-M33/M35P/M55/M85, where it is optional in silicon)
//! only when the build enables it, with `-C target-feature=+dsp` or a `-C target-cpu` that has it
//! (LLVM's default Armv8-M Mainline has no DSP, so the instructions would not assemble). Stable
//! Rust does not expose Arm target features to `cfg`, so this reads the triple and the flags.
//! Every other target (thumbv6m, thumbv7m, RISC-V, the host) gets the portable module.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kiln_dsp)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let target = std::env::var("TARGET").unwrap_or_default();
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let dsp_cpu = ["cortex-m33", "cortex-m35p", "cortex-m55", "cortex-m85"];
    let v8m_dsp = flags.contains("+dsp") || dsp_cpu.iter().any(|cpu| flags.contains(cpu));
    if target.starts_with("thumbv7em") || (target.starts_with("thumbv8m.main") && v8m_dsp) {
        println!("cargo::rustc-cfg=kiln_dsp");
    }
}
