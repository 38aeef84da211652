//! Running a firmware on QEMU's Cortex-M4F board and reading its `@` lines.
//!
//! The firmware (examples/firmware/harness) prints one result per line over semihosting:
//!
//! ```text
//! @MEAS <name> instructions=<n> call_stack=<bytes> peak_stack=<bytes> empty=<n>
//! @IN|@OUT|@EXPECT <name> f32 0x<bits> ...
//! @MISMATCH <name>
//! @PASS            or   @FAIL <reason>
//! ```

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::process::{display, show};
use crate::Result;

/// QEMU's virtual clock advances 2^7 ns per instruction; the firmware's conversion assumes it.
const ICOUNT: &str = "shift=7,align=off,sleep=off";

/// A firmware that has not exited by then is stopped and counts as failed.
const TIMEOUT: Duration = Duration::from_secs(120);

/// What a firmware printed, for a run that ended with `@PASS` and exit status 0.
pub struct Run {
    lines: Vec<String>,
}

/// One `@MEAS` line.
pub struct Measurement {
    pub instructions: u64,
    pub call_stack: u64,
    pub peak_stack: u64,
    /// Instructions of the harness around an empty closure (already subtracted).
    pub empty: u64,
}

/// Runs the firmware `elf` on QEMU's Cortex-M4F board, `mps2-an386`.
pub fn run(elf: &Path) -> Result<Run> {
    run_on("mps2-an386", elf)
}

/// Runs the firmware `elf` on `qemu-system-arm -machine <machine>` with an exact instruction
/// clock. Fails on a timeout, a non-zero exit status, `@FAIL` or a missing `@PASS`.
pub fn run_on(machine: &str, elf: &Path) -> Result<Run> {
    let mut command = Command::new("qemu-system-arm");
    command
        .args(["-machine", machine, "-nographic", "-monitor", "none"])
        .args(["-serial", "none"])
        .args(["-semihosting-config", "enable=on,target=native"])
        .args(["-icount", ICOUNT, "-kernel"])
        .arg(elf);
    let shown = show(&command);
    println!("$ {shown}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{shown}`: {e} (run `cargo xtask setup`)"))?;

    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} s on QEMU",
                    display(elf),
                    TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for QEMU: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    let run = Run {
        lines: text.lines().map(str::to_string).collect(),
    };

    let failure = run.words("@FAIL").next().map(|words| words.join(" "));
    let passed = run.words("@PASS").next().is_some();
    if status.success() && passed && failure.is_none() {
        return Ok(run);
    }
    let reason = match failure {
        Some(reason) => format!("the firmware reported: {reason}"),
        None if !passed => "no @PASS line".to_string(),
        None => format!("QEMU exited with {status}"),
    };
    Err(format!(
        "{} failed on QEMU ({status}): {reason}\n--- firmware output ---\n{text}",
        display(elf)
    ))
}

impl Run {
    /// The words after `tag` on every line that starts with it.
    pub fn words<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
        self.lines.iter().filter_map(move |line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(tag)).then(|| words.collect())
        })
    }

    /// The `@MEAS` line called `name`.
    pub fn measurement(&self, name: &str) -> Result<Measurement> {
        let words = self
            .words("@MEAS")
            .find(|words| words.first() == Some(&name))
            .ok_or_else(|| format!("no `@MEAS {name}` line"))?;
        Ok(Measurement {
            instructions: field(&words, "instructions")?,
            call_stack: field(&words, "call_stack")?,
            peak_stack: field(&words, "peak_stack")?,
            empty: field(&words, "empty")?,
        })
    }

    /// The f32 values of the `tag` line (`@IN`, `@OUT`, `@EXPECT`) called `name`.
    pub fn f32s(&self, tag: &str, name: &str) -> Result<Vec<f32>> {
        let words = self
            .words(tag)
            .find(|words| words.first() == Some(&name))
            .ok_or_else(|| format!("no `{tag} {name}` line"))?;
        if words.get(1) != Some(&"f32") {
            return Err(format!("`{tag} {name}`: not f32 values"));
        }
        words[2..]
            .iter()
            .map(|hex| {
                let digits = hex.strip_prefix("0x").unwrap_or(hex);
                u32::from_str_radix(digits, 16)
                    .map(f32::from_bits)
                    .map_err(|_| format!("`{tag} {name}`: bad bit pattern {hex}"))
            })
            .collect()
    }

    /// The names of the `tag` lines, in order.
    pub fn names<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.words(tag).filter_map(|words| words.first().copied())
    }
}

/// The number in `key=<number>` among `words`.
pub fn field(words: &[&str], key: &str) -> Result<u64> {
    words
        .iter()
        .filter_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        .map(|value| {
            value
                .parse()
                .map_err(|_| format!("`{key}={value}` is not a number"))
        })
        .next()
        .unwrap_or_else(|| Err(format!("no `{key}=` in `{}`", words.join(" "))))
}

#[cfg(test)]
pub(crate) fn run_from_text(text: &str) -> Run {
    Run {
        lines: text.lines().map(str::to_string).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
@IN grid72 f32 0x3fe314eb
@OUT grid72 f32 0x3f75e910
@MEAS predict instructions=157 call_stack=76 peak_stack=412 empty=6
@PASS
";

    #[test]
    fn reads_measurements_and_values() {
        let run = run_from_text(OUTPUT);
        let m = run.measurement("predict").unwrap();
        assert_eq!(
            (m.instructions, m.call_stack, m.peak_stack, m.empty),
            (157, 76, 412, 6)
        );
        assert_eq!(
            run.f32s("@OUT", "grid72").unwrap(),
            [f32::from_bits(0x3f75_e910)]
        );
        assert_eq!(run.names("@IN").collect::<Vec<_>>(), ["grid72"]);
    }

    #[test]
    fn missing_lines_and_fields_are_errors() {
        let run = run_from_text(OUTPUT);
        assert!(run.measurement("empty").is_err());
        assert!(run.f32s("@EXPECT", "grid72").is_err());
        assert!(field(&["n=12"], "k").is_err());
        assert!(field(&["k=x"], "k").is_err());
    }
}
