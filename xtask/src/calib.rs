//! `cargo xtask calib`: checks that the harness counts instructions and stack bytes exactly.
//!
//! fw-calib measures asm loops of K instructions per iteration run N times, and asm blocks that
//! reserve and write N bytes of stack. A count is exact when `measured - N*K` (loops) or
//! `call_stack - N` (stack) is the same constant for every N: that constant is the fixed code or
//! frames around the asm, identical for every N.

use std::collections::BTreeMap;

use crate::firmware::{self, QEMU_TARGET};
use crate::qemu::{self, field, Run};
use crate::Result;

pub fn run() -> Result {
    firmware::build(QEMU_TARGET, &["fw-calib"])?;
    check(&qemu::run(&firmware::elf_path("fw-calib"))?)
}

/// Checks the `@CAL` and `@STK` lines of a fw-calib run.
pub fn check(run: &Run) -> Result {
    // loop name -> (N, offset) for every run of it
    let mut loops: BTreeMap<String, Vec<(u64, i64)>> = BTreeMap::new();
    for words in run.words("@CAL") {
        let name = words.first().ok_or("`@CAL` line without a name")?;
        let n = field(&words, "n")?;
        let k = field(&words, "k")?;
        let measured = field(&words, "instructions")?;
        loops
            .entry(name.to_string())
            .or_default()
            .push((n, measured as i64 - (n * k) as i64));
    }
    let mut stack = Vec::new();
    for words in run.words("@STK") {
        let n = field(&words, "n")?;
        stack.push((n, field(&words, "call_stack")? as i64 - n as i64));
    }
    if loops.is_empty() || stack.is_empty() {
        return Err("fw-calib printed no @CAL or no @STK lines".to_string());
    }

    let mut problems = Vec::new();
    for (name, runs) in &loops {
        report(&format!("instructions, {name}"), runs, &mut problems);
    }
    report("stack bytes", &stack, &mut problems);
    if problems.is_empty() {
        println!("calibration: instruction and stack counts are exact");
        Ok(())
    } else {
        Err(format!("calibration failed:\n  {}", problems.join("\n  ")))
    }
}

/// Prints one series and records a problem unless all its offsets are equal.
fn report(what: &str, runs: &[(u64, i64)], problems: &mut Vec<String>) {
    let offsets: Vec<i64> = runs.iter().map(|&(_, offset)| offset).collect();
    let n_min = runs.iter().map(|&(n, _)| n).min().unwrap_or(0);
    let n_max = runs.iter().map(|&(n, _)| n).max().unwrap_or(0);
    if runs.len() >= 2 && offsets.iter().all(|&offset| offset == offsets[0]) {
        println!(
            "calibration: {what}: constant offset {} over {} runs, N = {n_min}..{n_max}",
            offsets[0],
            runs.len()
        );
    } else {
        problems.push(format!(
            "{what}: offsets differ across N (N, offset): {runs:?}"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::qemu::run_from_text;

    #[test]
    fn constant_offsets_pass() {
        let run = run_from_text(
            "@CAL loop4 n=1 k=4 instructions=21\n@CAL loop4 n=100 k=4 instructions=417\n\
             @STK n=16 call_stack=56\n@STK n=256 call_stack=296\n",
        );
        assert!(check(&run).is_ok());
    }

    #[test]
    fn drifting_offsets_fail() {
        let run = run_from_text(
            "@CAL loop4 n=1 k=4 instructions=21\n@CAL loop4 n=100 k=4 instructions=418\n\
             @STK n=16 call_stack=56\n@STK n=256 call_stack=296\n",
        );
        assert!(check(&run).is_err());
    }
}
