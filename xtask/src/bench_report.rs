//! The benchmark's output: the markdown of BENCHMARKS.md and the chart docs/bench.svg.

use std::fmt::Write as _;
use std::process::Command;

use crate::bench::{Verdict, MODELS};
use crate::firmware::QEMU_TARGET;
use crate::process;

/// Footprint and cost of one firmware, in bytes and instructions.
#[derive(Clone, Copy)]
pub struct Figures {
    /// Flash without the kiln firmware's reference input table.
    pub flash: u64,
    pub static_ram: u64,
    pub peak_stack: u64,
    /// Stack of the measured call alone.
    pub call_stack: u64,
    /// Instructions of one inference, exact.
    pub instructions: u64,
}

impl Figures {
    pub fn ram_total(&self) -> u64 {
        self.static_ram + self.peak_stack
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Kiln,
    MicroFlow,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Kiln => "kiln",
            Engine::MicroFlow => "MicroFlow 0.1.3",
        }
    }
}

/// One engine on one model.
pub struct Measured {
    pub model: &'static str,
    /// The reference case it ran: `<set>[<index>]` of the model's TFLM vectors.
    pub input: String,
    pub engine: Engine,
    /// The manifest's `macs_estimate`.
    pub macs: u64,
    pub figures: Figures,
    pub output: Verdict,
}

impl Measured {
    fn per_mac(&self) -> f64 {
        self.figures.instructions as f64 / self.macs as f64
    }
}

/// Everything one `cargo xtask bench` measured.
pub struct Report {
    /// The kiln firmware without a model.
    pub empty: Figures,
    pub rows: Vec<Measured>,
    /// Wall-clock time of setup and build, and of the QEMU runs and the rest.
    pub build_seconds: u64,
    pub run_seconds: u64,
}

/// TFLM figures quoted from issue 4 (measured elsewhere with the same emulator and method):
/// flash (as quoted), RAM total in bytes, instructions.
struct Quoted {
    model: &'static str,
    label: &'static str,
    macs: u64,
    reference: Option<(&'static str, u64, u64)>,
    cmsis_nn: Option<(&'static str, u64, u64)>,
}

const TFLM: [Quoted; 4] = [
    Quoted {
        model: "sine float32",
        label: "sine float32",
        macs: 288,
        reference: Some(("25.7 kB", 1_828, 3_426)),
        cmsis_nn: Some(("37.3 kB", 1_868, 3_423)),
    },
    Quoted {
        model: "microflow_sine",
        label: "microflow_sine int8",
        macs: 288,
        reference: Some(("25.3 kB", 1_900, 5_324)),
        cmsis_nn: Some(("36.9 kB", 2_352, 3_542)),
    },
    Quoted {
        model: "microflow_speech",
        label: "microflow_speech",
        macs: 336_000,
        reference: Some(("56.6 kB", 8_048, 9_310_392)),
        cmsis_nn: Some(("80.8 kB", 8_728, 1_494_906)),
    },
    Quoted {
        model: "microflow_person_detect",
        label: "microflow_person_detect",
        macs: 7_157_888,
        reference: Some(("349.4 kB", 83_644, 95_660_032)),
        cmsis_nn: Some(("382.9 kB", 84_232, 22_928_452)),
    },
];

impl Report {
    fn row(&self, model: &str, engine: Engine) -> Option<&Measured> {
        self.rows
            .iter()
            .find(|row| row.model == model && row.engine == engine)
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let version = |program: &str| {
            process::output(Command::new(program).arg("--version"))
                .and_then(|text| text.lines().next().map(str::to_string))
                .unwrap_or_else(|| format!("{program} (version unknown)"))
        };
        let _ = writeln!(s, "# Benchmarks\n");
        let _ = writeln!(
            s,
            "Written by `cargo xtask bench` (setup and build {} s, runs {} s on the machine that \
             wrote it); do not edit by hand. kiln and MicroFlow 0.1.3 built by the same command with the same profile \
             (opt-level 3, fat LTO, codegen-units 1, panic abort) for `{QEMU_TARGET}` with {}, \
             run on {} `-machine mps2-an386` (Cortex-M4F) with an exact instruction clock.\n",
            self.build_seconds,
            self.run_seconds,
            version("rustc"),
            version("qemu-system-arm"),
        );
        let _ = writeln!(
            s,
            "![instructions per MAC and RAM total per model, kiln vs MicroFlow](docs/bench.svg)\n"
        );

        let _ = writeln!(s, "## Measured here\n");
        let _ = writeln!(
            s,
            "| model | MACs | engine | flash (B) | Δflash (B) | static RAM (B) | peak stack (B) \
             | RAM total (B) | ΔRAM (B) | stack of the call (B) | instructions | instr/MAC \
             | input | output vs TFLM |"
        );
        let _ = writeln!(
            s,
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
        );
        let e = &self.empty;
        let _ = writeln!(
            s,
            "| empty firmware (harness only) | | | {} | | {} | {} | {} | | {} | {} | | | |",
            n(e.flash),
            n(e.static_ram),
            n(e.peak_stack),
            n(e.ram_total()),
            n(e.call_stack),
            n(e.instructions)
        );
        for row in &self.rows {
            let f = &row.figures;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {} | {} |",
                row.model,
                n(row.macs),
                row.engine.name(),
                n(f.flash),
                delta(f.flash, e.flash),
                n(f.static_ram),
                n(f.peak_stack),
                n(f.ram_total()),
                delta(f.ram_total(), e.ram_total()),
                n(f.call_stack),
                n(f.instructions),
                row.per_mac(),
                row.input,
                row.output.text
            );
        }

        let _ = writeln!(s, "\n## kiln / MicroFlow\n");
        let _ = writeln!(
            s,
            "Ratios of kiln's figure to MicroFlow's on the same model (below 1: kiln is smaller \
             or faster). Flash and RAM ratios of the whole firmware and of the Δ over the empty \
             firmware.\n"
        );
        let _ = writeln!(
            s,
            "| model | instructions | flash | Δflash | RAM total | ΔRAM |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
        for model in &MODELS {
            let (Some(k), Some(m)) = (
                self.row(model.id, Engine::Kiln),
                self.row(model.id, Engine::MicroFlow),
            ) else {
                continue;
            };
            let (k, m) = (&k.figures, &m.figures);
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                model.id,
                ratio(k.instructions, m.instructions),
                ratio(k.flash, m.flash),
                ratio(k.flash - e.flash, m.flash - e.flash),
                ratio(k.ram_total(), m.ram_total()),
                ratio(k.ram_total() - e.ram_total(), m.ram_total() - e.ram_total()),
            );
        }

        let _ = writeln!(s, "\n## TFLM (quoted from issue 4, not measured here)\n");
        let _ = writeln!(
            s,
            "Measured outside this repository with the same emulator and method (TFLM built \
             with gcc; RAM total = static RAM + peak stack). Fixed reference figures: this \
             command does not rebuild or rerun them.\n"
        );
        let _ = writeln!(
            s,
            "| model (MACs) | TFLM reference kernels: flash / RAM / instructions (instr/MAC) \
             | TFLM + CMSIS-NN: flash / RAM / instructions (instr/MAC) |"
        );
        let _ = writeln!(s, "|---|---|---|");
        for q in &TFLM {
            let cell = |figures: Option<(&str, u64, u64)>| match figures {
                Some((flash, ram, instructions)) => format!(
                    "{flash} / {} B / {} ({:.2})",
                    n(ram),
                    n(instructions),
                    instructions as f64 / q.macs as f64
                ),
                None => "—".to_string(),
            };
            let _ = writeln!(
                s,
                "| {} ({}) | {} | {} |",
                q.label,
                n(q.macs),
                cell(q.reference),
                cell(q.cmsis_nn)
            );
        }

        let _ = writeln!(s, "\n## Method\n");
        for line in [
            "**Firmware**: `bench/`, a cargo workspace of its own. `bench-kiln` has one binary \
             per model (`kiln::include_model!`, the model struct in a `static`, so its arena is \
             static RAM) and `empty`; `bench-microflow` has MicroFlow's three models \
             (`#[microflow::model]`). Both use the harness of `examples/firmware/harness`.",
            "**Input**: kiln firmware copies the first case of the model's TFLM vectors into \
             the arena with `input_mut()` before the measured `run()`: set `microflow_test` when \
             the model has one (every element 0.5, quantized: the input of MicroFlow's own \
             tests), else `random`. MicroFlow builds that input in `main` as f32 and passes it \
             by value to `predict`, which quantizes it: the copy and the quantization are part of \
             its measured call.",
            "**Flash**: allocated sections below RAM plus the load image of `.data`, from the \
             ELF; kiln's reference input table (symbol `kiln_bench_input`) is left out, as a \
             sensor would supply the input. **Static RAM**: allocated sections in RAM.",
            "**Peak stack**: the stack is painted before the call and scanned after it; the \
             deepest point of the whole program (startup, `main`, harness, the call). **RAM \
             total** = static RAM + peak stack (no heap).",
            "**Instructions**: executed Thumb instructions of the inference call, exact: QEMU \
             `-icount shift=7` and the board's 25 MHz timer read around the call, minus the \
             same region around an empty closure (the calibration loops of known length that \
             `cargo xtask bench` runs first prove the count exact). \
             The empty firmware's count is the glue around the call that remains.",
            "**instr/MAC**: instructions / the manifest's `macs_estimate` (MACs of CONV_2D, \
             DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, BATCH_MATMUL).",
            "**Output vs TFLM**: the firmware prints its outputs as bit patterns; kiln's are \
             compared bit for bit with TFLM's output of the same case; MicroFlow returns \
             dequantized f32, which is quantized again with the model's output scale and zero \
             point and compared with TFLM's int8 output.",
            "**Δ**: the model firmware's figure minus the empty firmware's.",
        ] {
            let _ = writeln!(s, "* {line}");
        }
        s
    }
}

/// `n` with thousands separators.
fn n(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn delta(value: u64, base: u64) -> String {
    let d = value as i64 - base as i64;
    if d < 0 {
        format!("−{}", n(d.unsigned_abs()))
    } else {
        format!("+{}", n(d as u64))
    }
}

fn ratio(kiln: u64, microflow: u64) -> String {
    if microflow == 0 {
        return "—".to_string();
    }
    format!("{:.2}×", kiln as f64 / microflow as f64)
}

/// One bar of the chart.
struct Bar {
    series: usize,
    value: f64,
    label: String,
}

/// Bar colours and legend names, by series: kiln, MicroFlow, TFLM + CMSIS-NN (quoted).
const SERIES: [(&str, &str); 3] = [
    ("#d9480f", "kiln"),
    ("#1c7ed6", "MicroFlow 0.1.3"),
    ("#adb5bd", "TFLM + CMSIS-NN (quoted from issue 4)"),
];

const WIDTH: f64 = 860.0;
const LABEL_X: f64 = 190.0;
const PLOT_X: f64 = 200.0;
const PLOT_W: f64 = 520.0;
const BAR_H: f64 = 13.0;
const BAR_GAP: f64 = 3.0;
const GROUP_GAP: f64 = 12.0;

/// The chart: instructions per MAC (linear) and RAM total (logarithmic) per model.
pub fn svg(report: &Report) -> String {
    let quoted = |model: &str| TFLM.iter().find(|q| q.model == model);
    let groups = |value: &dyn Fn(&Measured) -> (f64, String),
                  tflm: &dyn Fn(&Quoted) -> Option<(f64, String)>| {
        MODELS
            .iter()
            .map(|model| {
                let mut bars = Vec::new();
                for (series, engine) in [Engine::Kiln, Engine::MicroFlow].into_iter().enumerate() {
                    if let Some(row) = report.row(model.id, engine) {
                        let (value, label) = value(row);
                        bars.push(Bar {
                            series,
                            value,
                            label,
                        });
                    }
                }
                if let Some((value, label)) = quoted(model.id).and_then(tflm) {
                    bars.push(Bar {
                        series: 2,
                        value,
                        label,
                    });
                }
                (model.id, bars)
            })
            .collect::<Vec<_>>()
    };
    let per_mac = groups(
        &|row| (row.per_mac(), format!("{:.2}", row.per_mac())),
        &|q| {
            q.cmsis_nn.map(|(_, _, instructions)| {
                let v = instructions as f64 / q.macs as f64;
                (v, format!("{v:.2}"))
            })
        },
    );
    let ram = groups(
        &|row| {
            let v = row.figures.ram_total();
            (v as f64, format!("{} B", n(v)))
        },
        &|q| {
            q.cmsis_nn
                .map(|(_, ram, _)| (ram as f64, format!("{} B", n(ram))))
        },
    );

    // The body first: the height is known at its end.
    let mut s = String::new();
    let mut y = 26.0;
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{y}\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">\
         kiln vs MicroFlow on Cortex-M4F (QEMU mps2-an386, opt-level 3): lower is better</text>",
        WIDTH / 2.0
    );
    y += 20.0;
    // Legend.
    let mut x = PLOT_X - 120.0;
    for (colour, name) in SERIES {
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{name}</text>",
            y - 10.0,
            x + 16.0,
            y
        );
        x += 30.0 + 7.0 * name.len() as f64;
    }
    y += 14.0;

    let max = per_mac
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|bar| bar.value))
        .fold(1.0, f64::max);
    let step = nice_step(max / 5.0);
    let top = (max / step).ceil() * step;
    let ticks: Vec<(f64, String)> = (0..=(top / step).round() as usize)
        .map(|i| (i as f64 * step / top, format!("{}", i as f64 * step)))
        .collect();
    y = panel(
        &mut s,
        y,
        "Instructions per MAC (executed instructions of one inference / MACs)",
        &per_mac,
        &|v| v / top,
        &ticks,
    );

    let (lo, hi) = (2.0_f64, 6.0_f64); // 100 B … 1 MB
    let log = |v: f64| ((v.max(1.0).log10() - lo) / (hi - lo)).clamp(0.0, 1.0);
    let ticks: Vec<(f64, String)> = ["100 B", "1 kB", "10 kB", "100 kB", "1 MB"]
        .iter()
        .enumerate()
        .map(|(i, label)| (i as f64 / (hi - lo), label.to_string()))
        .collect();
    y += 10.0;
    y = panel(
        &mut s,
        y,
        "RAM total = static RAM + peak stack (bytes, logarithmic)",
        &ram,
        &log,
        &ticks,
    );
    let height = y + 10.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" \
         font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n\
         <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"white\"/>\n{s}</svg>\n"
    )
}

fn panel_height(groups: &[(&str, Vec<Bar>)]) -> f64 {
    groups
        .iter()
        .map(|(_, bars)| bars.len() as f64 * (BAR_H + BAR_GAP) + GROUP_GAP)
        .sum::<f64>()
        + 50.0
}

/// Draws one horizontal bar chart from `y` down; `scale` maps a value to 0..1 of the plot
/// width. Returns the `y` below it.
fn panel(
    s: &mut String,
    mut y: f64,
    title: &str,
    groups: &[(&str, Vec<Bar>)],
    scale: &dyn Fn(f64) -> f64,
    ticks: &[(f64, String)],
) -> f64 {
    y += 18.0;
    let _ = writeln!(
        s,
        "<text x=\"{PLOT_X}\" y=\"{y}\" font-size=\"13\" font-weight=\"bold\">{title}</text>"
    );
    y += 12.0;
    let top = y;
    let bottom = top + panel_height(groups) - 50.0;
    for (at, label) in ticks {
        let x = PLOT_X + at * PLOT_W;
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#dee2e6\"/>\
             <text x=\"{x:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" \
             fill=\"#495057\">{label}</text>",
            bottom + 14.0
        );
    }
    for (model, bars) in groups {
        let group_h = bars.len() as f64 * (BAR_H + BAR_GAP) - BAR_GAP;
        let _ = writeln!(
            s,
            "<text x=\"{LABEL_X}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{model}</text>",
            y + group_h / 2.0 + 4.0
        );
        for bar in bars {
            let w = (scale(bar.value) * PLOT_W).max(1.0);
            let _ = writeln!(
                s,
                "<rect x=\"{PLOT_X}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR_H}\" \
                 fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
                SERIES[bar.series].0,
                PLOT_X + w + 4.0,
                y + BAR_H - 2.5,
                bar.label
            );
            y += BAR_H + BAR_GAP;
        }
        y += GROUP_GAP;
    }
    let _ = writeln!(
        s,
        "<line x1=\"{PLOT_X}\" y1=\"{top}\" x2=\"{PLOT_X}\" y2=\"{bottom}\" stroke=\"#212529\"/>"
    );
    bottom + 20.0
}

/// A round step (1, 2 or 5 × 10^k) of at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= raw)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(n(0), "0");
        assert_eq!(n(999), "999");
        assert_eq!(n(1_000), "1,000");
        assert_eq!(n(329_945_698), "329,945,698");
        assert_eq!(delta(5, 7), "−2");
        assert_eq!(ratio(1, 2), "0.50×");
    }

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(9.2), 10.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(0.4), 0.5);
    }
}
