//! `cargo xtask demo`: the sine model on an emulated Cortex-M4F, with its footprint.

use crate::elf::{self, Sizes};
use crate::firmware::{self, QEMU_TARGET};
use crate::qemu::{self, Measurement, Run};
use crate::{setup, Result};

pub fn run() -> Result {
    setup::run()?;
    firmware::build(QEMU_TARGET, &["fw-empty", "fw-sine", "fw-sine-footprint"])?;
    let empty = Firmware::run("fw-empty", "empty")?;
    let sine = Firmware::run("fw-sine", "predict")?;
    let footprint_fw = Firmware::run("fw-sine-footprint", "run")?;

    println!();
    println!("kiln sine_float32 on QEMU mps2-an386 (Cortex-M4F), {QEMU_TARGET}, release");
    println!();
    predictions(&sine.run)?;
    // The footprint firmware runs the same input as fw-sine's measured case: same output bits.
    let verified = first(sine.run.f32s("@OUT", "predict")?, "predict")?;
    let got = first(footprint_fw.run.f32s("@OUT", "run")?, "run")?;
    if got.to_bits() != verified.to_bits() {
        return Err(format!(
            "fw-sine-footprint printed {got}, but fw-sine verified {verified} for the same input"
        ));
    }
    println!();
    println!(
        "What the model costs: fw-sine-footprint (model in a static, input written with \
         input_mut, one run) minus fw-empty (same harness and output printing, no model):"
    );
    println!();
    footprint(&empty, &footprint_fw);
    Ok(())
}

/// One firmware's run and figures.
struct Firmware {
    run: Run,
    sizes: Sizes,
    measurement: Measurement,
}

impl Firmware {
    fn run(bin: &str, measured: &str) -> Result<Self> {
        let elf = firmware::elf_path(bin);
        let run = qemu::run(&elf)?;
        Ok(Firmware {
            measurement: run.measurement(measured)?,
            sizes: elf::sizes(&elf)?,
            run,
        })
    }

    fn ram_total(&self) -> u64 {
        self.sizes.static_ram + self.measurement.peak_stack
    }
}

/// The table of predictions next to the TFLM reference.
fn predictions(run: &Run) -> Result {
    println!(
        "{:<10} {:>14} {:>16} {:>16} {:>10}",
        "case", "input", "kiln", "TFLM", "rel. err"
    );
    for name in run.names("@OUT") {
        let input = first(run.f32s("@IN", name)?, name)?;
        let output = first(run.f32s("@OUT", name)?, name)?;
        let expected = first(run.f32s("@EXPECT", name)?, name)?;
        let error = ((output - expected) / expected).abs();
        println!("{name:<10} {input:>14.9} {output:>16.9} {expected:>16.9} {error:>10.1e}");
    }
    println!("(all within 1e-5 relative of TFLM: checked by the firmware)");
    Ok(())
}

fn first(values: Vec<f32>, name: &str) -> Result<f32> {
    values
        .first()
        .copied()
        .ok_or_else(|| format!("`{name}`: no value"))
}

/// Flash, RAM and instruction figures, with the model's increment over the empty harness.
fn footprint(empty: &Firmware, sine: &Firmware) {
    let rows = [
        ("flash", empty.sizes.flash, sine.sizes.flash),
        ("static RAM", empty.sizes.static_ram, sine.sizes.static_ram),
        (
            "peak stack",
            empty.measurement.peak_stack,
            sine.measurement.peak_stack,
        ),
        ("RAM total", empty.ram_total(), sine.ram_total()),
    ];
    println!(
        "{:<24} {:>10} {:>10} {:>10}",
        "bytes", "fw-empty", "model", "Δ"
    );
    for (what, base, model) in rows {
        println!(
            "{what:<24} {base:>10} {model:>10} {:>+10}",
            model as i64 - base as i64
        );
    }
    let (base, model) = (&empty.measurement, &sine.measurement);
    println!(
        "{:<24} {:>10} {:>10} {:>+10}",
        "instructions / run",
        base.instructions,
        model.instructions,
        model.instructions as i64 - base.instructions as i64
    );
    println!(
        "{:<24} {:>10} {:>10} {:>+10}",
        "stack of the call",
        base.call_stack,
        model.call_stack,
        model.call_stack as i64 - base.call_stack as i64
    );
    println!();
    println!(
        "Instructions are exact (QEMU -icount, harness region of {} instructions subtracted); \
         fw-empty's count is the harness's own glue around the call.",
        model.empty
    );
}
