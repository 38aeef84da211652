//! `cargo xtask nopanic`: proves that inference cannot panic, and that the runtime's only
//! `unsafe` is its documented target-intrinsics module.
//!
//! * **No panic path from `run`/`predict`.** `examples/firmware/nopanic` (fw-nopanic) runs every
//!   conformance model (the zoo models and the single-operator fixtures) on arenas hidden from
//!   the optimiser by `black_box`, in the release profile of the QEMU target (Cortex-M4F, fat
//!   LTO, `panic = "abort"`). Its `#[panic_handler]` calls a symbol defined nowhere, so the
//!   image links only if no panic path survives optimisation. When the link fails, the step
//!   rebuilds with `--features locate` (a looping panic handler), disassembles the ELF with
//!   `arm-none-eabi-objdump` and names the source lines (`arm-none-eabi-addr2line -i`) of every
//!   call into `core::panicking`.
//! * **One unsafe module.** `runtime/src/lib.rs` denies `unsafe_code`; only the target-intrinsics
//!   module `runtime/src/arch/` (inline assembly, one file per target family) may lift that and
//!   contain `unsafe`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::firmware::{self, QEMU_TARGET};
use crate::process::{self, cargo};
use crate::{repo_root, Result};

/// The only runtime module whose files may contain `unsafe` (relative to `runtime/src`).
const UNSAFE_MODULE: &str = "arch/";

/// The symbol fw-nopanic's panic handler calls; defined nowhere.
const SENTINEL: &str = "kiln_predict_can_panic";

pub fn run() -> Result {
    check_unsafe()?;
    check_firmware()
}

/// The runtime crate denies `unsafe_code` and only files of [`UNSAFE_MODULE`] allow it.
pub fn check_unsafe() -> Result {
    let src = repo_root().join("runtime").join("src");
    let lib = read(&src.join("lib.rs"))?;
    if !lib.contains("#![deny(unsafe_code)]") && !lib.contains("#![forbid(unsafe_code)]") {
        return Err("runtime/src/lib.rs must deny unsafe_code".into());
    }
    let mut offenders = Vec::new();
    for file in rust_files(&src)? {
        let relative = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let text = read(&file)?;
        let uses_unsafe = text.lines().any(|line| {
            let code = line.split("//").next().unwrap_or("");
            code.contains("unsafe") && !code.contains("deny(unsafe_code)")
        });
        if uses_unsafe && !relative.starts_with(UNSAFE_MODULE) {
            offenders.push(relative);
        }
    }
    if offenders.is_empty() {
        println!("runtime: `unsafe` only in runtime/src/{UNSAFE_MODULE}");
        Ok(())
    } else {
        Err(format!(
            "`unsafe` outside runtime/src/{UNSAFE_MODULE}: {}",
            offenders.join(", ")
        ))
    }
}

/// Builds fw-nopanic; on a link failure, lists the panic call sites.
fn check_firmware() -> Result {
    if process::run(&mut build_command(false)).is_ok() {
        println!(
            "fw-nopanic: links without a panic handler: no panic path reachable from `run` / \
             `predict` ({QEMU_TARGET}, release)"
        );
        return Ok(());
    }
    println!("fw-nopanic did not link; looking for the panic call sites (--features locate)");
    process::run(&mut build_command(true))?;
    let elf = dir()
        .join("..")
        .join("target")
        .join(QEMU_TARGET)
        .join("release")
        .join("fw-nopanic");
    let sites = panic_call_sites(&elf)?;
    Err(format!(
        "a panic path is reachable from a model's `run` (the link needed `{SENTINEL}`):\n{}",
        if sites.is_empty() {
            "  (no direct call into core::panicking found; inspect the ELF)".to_string()
        } else {
            sites.join("\n")
        }
    ))
}

/// The fw-nopanic crate (its own workspace; it builds into examples/firmware/target).
fn dir() -> PathBuf {
    firmware::dir().join("nopanic")
}

fn build_command(locate: bool) -> Command {
    let mut command = cargo();
    command
        .current_dir(dir())
        .env_remove("CARGO_TARGET_DIR")
        .args(["build", "--release", "--target", QEMU_TARGET])
        .args(["--target-dir", "../target"]);
    if locate {
        command.args(["--features", "locate"]);
    }
    command
}

/// One line per source location of `elf` that calls into a panic entry point ([`panic_calls`]):
/// `count × first address: function (file:line) ← inlined into …`.
fn panic_call_sites(elf: &Path) -> Result<Vec<String>> {
    let disassembly = process::output(
        Command::new("arm-none-eabi-objdump")
            .args(["-d", "-C", "--no-show-raw-insn"])
            .arg(elf),
    )
    .ok_or("arm-none-eabi-objdump failed (run `cargo xtask setup`)")?;
    // Source location → (number of call sites, first address).
    let mut sites: Vec<(String, usize, String)> = Vec::new();
    for (function, address) in panic_calls(&disassembly) {
        let frames = process::output(
            Command::new("arm-none-eabi-addr2line")
                .args(["-i", "-f", "-C", "-e"])
                .arg(elf)
                .arg(format!("0x{address}")),
        )
        .unwrap_or_default();
        let lines: Vec<&str> = frames.lines().collect();
        let inlined: Vec<String> = lines
            .chunks(2)
            .filter(|frame| frame.get(1).is_some_and(|l| !l.starts_with("/rustc/")))
            .map(|frame| format!("{} ({})", frame[0], frame.get(1).unwrap_or(&"?")))
            .collect();
        let shown = if inlined.is_empty() {
            function
        } else {
            inlined.join(" ← ")
        };
        match sites.iter_mut().find(|(s, _, _)| *s == shown) {
            Some((_, count, _)) => *count += 1,
            None => sites.push((shown, 1, address)),
        }
    }
    Ok(sites
        .into_iter()
        .map(|(shown, count, address)| format!("  {count:>3} × 0x{address}: {shown}"))
        .collect())
}

/// `(function, address)` of every call or branch from outside `core` into a panic entry point,
/// in `objdump -d -C` output: `core::panicking::*`, and the `core` functions that reach one.
fn panic_calls(disassembly: &str) -> Vec<(String, String)> {
    // (function, address, callee) for every direct call or branch into another function.
    let mut calls: Vec<(String, String, String)> = Vec::new();
    let mut function = String::new();
    for line in disassembly.lines() {
        if let Some((_, name)) = line.strip_suffix(">:").and_then(|l| l.split_once(" <")) {
            function = name.to_string();
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(address), Some(mnemonic), Some(operand)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        // b, bl, b.w, conditional branches (bne.w …) and cbz/cbnz.
        let mnemonic = mnemonic.trim();
        if !(mnemonic.starts_with('b') || mnemonic.starts_with("cb")) || mnemonic.starts_with("bx")
        {
            continue;
        }
        let Some(callee) = operand
            .split_once('<')
            .and_then(|(_, c)| c.strip_suffix('>'))
        else {
            continue;
        };
        let callee = callee.rsplit_once('+').map_or(callee, |(f, _)| f);
        if callee != function {
            let address = address.trim().trim_end_matches(':').to_string();
            calls.push((function.clone(), address, callee.to_string()));
        }
    }
    let mut panics: Vec<&str> = calls
        .iter()
        .map(|(_, _, callee)| callee.as_str())
        .filter(|c| c.starts_with("core::panicking::"))
        .collect();
    loop {
        let more: Vec<&str> = calls
            .iter()
            .filter(|(f, _, c)| {
                f.starts_with("core::")
                    && panics.contains(&c.as_str())
                    && !panics.contains(&f.as_str())
            })
            .map(|(f, _, _)| f.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        panics.extend(more);
    }
    calls
        .iter()
        .filter(|(f, _, c)| !f.starts_with("core::") && panics.contains(&c.as_str()))
        .map(|(f, a, _)| (f.clone(), a.clone()))
        .collect()
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::panic_calls;

    #[test]
    fn finds_direct_and_indirect_panic_calls() {
        let disassembly = "\
00000400 <kiln::kernels::ok>:
     400:\tbl\t500 <kiln::kernels::helper>
     404:\tb.n\t400 <kiln::kernels::ok>
00000500 <kiln::kernels::helper>:
     500:\tcmp\tr0, r1
     502:\tbcs.w\t600 <core::panicking::panic_bounds_check>
     506:\tbl\t610 <core::slice::index::slice_index_fail>
00000600 <core::panicking::panic_bounds_check>:
     600:\tbl\t620 <core::panicking::panic_fmt>
00000610 <core::slice::index::slice_index_fail>:
     610:\tbl\t620 <core::panicking::panic_fmt>
00000620 <core::panicking::panic_fmt>:
     620:\tb.n\t620 <core::panicking::panic_fmt+0x0>
";
        let calls = panic_calls(disassembly);
        let want = [
            ("kiln::kernels::helper".to_string(), "502".to_string()),
            ("kiln::kernels::helper".to_string(), "506".to_string()),
        ];
        assert_eq!(calls, want);
    }
}
