//! `cargo xtask bench`: kiln and MicroFlow on the same emulated Cortex-M4F, one firmware per model.
//!
//! The firmware is the `bench/` workspace (`bench-kiln`: one binary per model and an empty one;
//! `bench-microflow`: MicroFlow 0.1.3 on its own three models), built with one profile
//! (opt-level 3, fat LTO, one codegen unit, panic abort) for `thumbv7em-none-eabihf` and run on
//! QEMU `mps2-an386` with the harness of `examples/firmware/harness`. Per firmware:
//!
//! * **flash** and **static RAM** from the ELF section headers ([`elf::sizes`]); the kiln
//!   firmware's reference input (symbol `kiln_bench_input`, a table in flash standing in for a
//!   sensor) is left out of flash;
//! * **peak stack** (stack painting; the whole program's deepest point) and **RAM total** =
//!   static RAM + peak stack;
//! * **instructions** of one inference call, exact (QEMU `-icount`, see `cargo xtask calib`);
//! * **outputs** against TFLM's for the same input (`shared/models/vectors/<id>/`).
//!
//! It first runs the harness calibration (`cargo xtask calib`), then writes `BENCHMARKS.md` and
//! `docs/bench.svg` and prints the tables.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use object::{Object, ObjectSymbol};
use serde_json::Value;

use crate::bench_report::{self, Engine, Measured, Report};
use crate::firmware::QEMU_TARGET;
use crate::process::{self, cargo, display};
use crate::qemu::{self, Run};
use crate::{calib, elf};
use crate::{repo_root, setup, Result};

/// One model of the benchmark.
pub struct Model {
    /// The id of the shared zoo (manifest, vectors) and the name of the kiln binary.
    pub id: &'static str,
    /// MicroFlow's binary for the same model, when MicroFlow runs it.
    pub microflow: Option<&'static str>,
}

/// The models, in the order of the tables.
pub const MODELS: [Model; 7] = [
    Model {
        id: "tflm_hello_world_float",
        microflow: None,
    },
    Model {
        id: "gen_sine_float32",
        microflow: None,
    },
    Model {
        id: "microflow_sine",
        microflow: Some("mf_sine"),
    },
    Model {
        id: "microflow_speech",
        microflow: Some("mf_speech"),
    },
    Model {
        id: "microflow_person_detect",
        microflow: Some("mf_person_detect"),
    },
    Model {
        id: "gen_cnn_int8",
        microflow: None,
    },
    Model {
        id: "gen_cnn_float32",
        microflow: None,
    },
];

/// The kiln firmware without a model: the baseline of the Δ columns.
const EMPTY: &str = "empty";

/// The model checked by `cargo xtask test`: small, quick to build.
/// The models `cargo xtask test` runs: the float sine, and int8 models between them running
/// every optimized int8 kernel (1×1, gathered, in-place and small-window convolutions,
/// depthwise, fully connected), so that the asm is checked on the emulated cores in CI.
const SMOKE_MODELS: [&str; 4] = [
    "gen_sine_float32",
    "gen_cnn_int8",
    "microflow_speech",
    "microflow_person_detect",
];

/// The symbol of the kiln firmware's reference input table.
const INPUT_SYMBOL: &str = "kiln_bench_input";

pub fn run() -> Result {
    let started = Instant::now();
    setup::run()?;
    // The harness's counts are exact: fw-calib's loops of known length prove it on this machine.
    calib::run()?;
    let zoo = Zoo::open()?;
    build(&[])?;
    let built = Instant::now();

    let empty = measure(EMPTY)?;
    let mut rows = Vec::new();
    for model in &MODELS {
        let entry = zoo.model(model.id)?;
        let run = measure(model.id)?;
        let output = check_kiln(&zoo, model.id, &run.run)?;
        let macs_const = run
            .run
            .words("@MODEL")
            .next()
            .map(|words| qemu::field(&words, "macs").unwrap_or(0));
        if macs_const.is_some_and(|macs| macs != entry.macs) {
            println!(
                "note: {}: the model's MACS const is {:?}, the manifest's macs_estimate {}",
                model.id, macs_const, entry.macs
            );
        }
        let (set, index) = case(&run.run)?;
        let input = format!("{set}[{index}]");
        rows.push(Measured {
            model: model.id,
            input: input.clone(),
            engine: Engine::Kiln,
            macs: entry.macs,
            figures: run.figures,
            output,
        });
        if let Some(bin) = model.microflow {
            let run = measure(bin)?;
            rows.push(Measured {
                model: model.id,
                input: input.clone(),
                engine: Engine::MicroFlow,
                macs: entry.macs,
                output: check_microflow(&zoo, &entry, &run.run)?,
                figures: run.figures,
            });
        }
    }

    let wrong: Vec<&str> = rows
        .iter()
        .filter(|row| row.engine == Engine::Kiln && !row.output.matches)
        .map(|row| row.model)
        .collect();
    let report = Report {
        empty: empty.figures,
        rows,
        build_seconds: (built - started).as_secs(),
        run_seconds: built.elapsed().as_secs(),
    };
    let markdown = report.markdown();
    let md_path = repo_root().join("BENCHMARKS.md");
    write(&md_path, &markdown)?;
    let svg_path = repo_root().join("docs").join("bench.svg");
    write(&svg_path, &bench_report::svg(&report))?;
    println!("\n{markdown}");
    println!(
        "wrote {} and {} (setup and build {} s, runs {} s)",
        display(&md_path),
        display(&svg_path),
        report.build_seconds,
        report.run_seconds
    );
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("kiln's output differs from TFLM's on {wrong:?}"))
    }
}

/// What `cargo xtask test` runs: the empty firmware and [`SMOKE_MODELS`], built and checked
/// against TFLM like the full benchmark on the Cortex-M4, then on the other cores (the other
/// models cost minutes of build time).
pub fn smoke() -> Result {
    let zoo = Zoo::open()?;
    let mut args = vec!["--bin", EMPTY];
    for id in SMOKE_MODELS {
        args.extend(["--bin", id]);
    }
    build(&args)?;
    let empty = measure(EMPTY)?;
    for id in SMOKE_MODELS {
        let run = measure(id)?;
        let output = check_kiln(&zoo, id, &run.run)?;
        if !output.matches {
            return Err(format!("{id}: {}", output.text));
        }
        println!(
            "bench {id}: output {}, {} instructions, Δflash {} B",
            output.text,
            run.figures.instructions,
            run.figures.flash as i64 - empty.figures.flash as i64
        );
    }
    check_cores(&zoo, &SMOKE_MODELS)
}

/// The other cores the kiln benchmark firmware is checked on (`cargo xtask bench --cores`):
/// target, QEMU machine, core, and the models that do not fit the board.
const CORES: [(&str, &str, &str, &[&str]); 3] = [
    (
        "thumbv6m-none-eabi",
        "microbit",
        "Cortex-M0",
        // 16 KiB of RAM and 256 KiB of flash.
        &["microflow_person_detect", "gen_cnn_float32"],
    ),
    ("thumbv7em-none-eabihf", "mps2-an500", "Cortex-M7", &[]),
    ("thumbv8m.main-none-eabihf", "mps2-an505", "Cortex-M33", &[]),
];

/// The kiln firmware of every model that fits, on Cortex-M0, M7 and M33: outputs against TFLM
/// (bit for bit), the kernels of each architecture (portable on Armv6-M, DSP on Armv7E-M and
/// Armv8-M Mainline with its extension).
pub fn cores() -> Result {
    let zoo = Zoo::open()?;
    let all: Vec<&str> = MODELS.iter().map(|model| model.id).collect();
    check_cores(&zoo, &all)
}

/// [`cores`] for the given models.
fn check_cores(zoo: &Zoo, ids: &[&str]) -> Result {
    let mut wrong = Vec::new();
    let mut lines = Vec::new();
    for (target, machine, core, skipped) in CORES {
        let models: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !skipped.contains(id))
            .collect();
        let mut args = vec!["-p", "bench-kiln"];
        for id in &models {
            args.extend(["--bin", id]);
        }
        if let Err(message) = build_for(target, &args) {
            wrong.push(format!("{core}: {message}"));
            lines.push(format!(
                "{core:<11} {machine:<11} (the firmware does not build)"
            ));
            continue;
        }
        for id in models {
            let run = qemu::run_on(machine, &elf_path(target, id))?;
            let verdict = check_kiln(zoo, id, &run)?;
            let m = run.measurement("run")?;
            lines.push(format!(
                "{core:<11} {machine:<11} {id:<24} {:<10} {:>12}",
                verdict.text,
                if m.instructions == 0 {
                    "-".to_string()
                } else {
                    m.instructions.to_string()
                }
            ));
            if !verdict.matches {
                wrong.push(format!("{id} on {core}: {}", verdict.text));
            }
        }
    }
    println!(
        "\n{:<11} {:<11} {:<24} {:<10} {:>12}",
        "core", "machine", "model", "output", "instructions"
    );
    for line in lines {
        println!("{line}");
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", wrong.join("\n")))
    }
}

/// The benchmark workspace.
pub fn dir() -> PathBuf {
    repo_root().join("bench")
}

/// A `cargo` command in the benchmark workspace.
pub fn cargo_command() -> Command {
    let mut command = cargo();
    command
        .current_dir(dir())
        // The benchmark keeps its own target dir, whatever the caller's cargo uses.
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// `cargo build --release --target <QEMU target>` in the benchmark workspace (everything when
/// `args` is empty).
fn build(args: &[&str]) -> Result {
    build_for(QEMU_TARGET, args)
}

fn build_for(target: &str, args: &[&str]) -> Result {
    process::run(
        cargo_command()
            .args(["build", "--release", "--target", target])
            .args(args),
    )
}

/// The release ELF of benchmark firmware `bin` for `target`.
fn elf_path(target: &str, bin: &str) -> PathBuf {
    dir().join("target").join(target).join("release").join(bin)
}

/// One firmware's run and figures.
struct Firmware {
    run: Run,
    figures: bench_report::Figures,
}

/// Runs firmware `bin` on QEMU and takes its figures.
fn measure(bin: &str) -> Result<Firmware> {
    let elf = elf_path(QEMU_TARGET, bin);
    let run = qemu::run(&elf)?;
    let m = run.measurement("run")?;
    let sizes = elf::sizes(&elf)?;
    let input = symbol_size(&elf, INPUT_SYMBOL)?;
    Ok(Firmware {
        figures: bench_report::Figures {
            flash: sizes.flash - input,
            static_ram: sizes.static_ram,
            peak_stack: m.peak_stack,
            call_stack: m.call_stack,
            instructions: m.instructions,
        },
        run,
    })
}

/// The size of symbol `name` in the ELF `path`, 0 when there is none.
fn symbol_size(path: &Path, name: &str) -> Result<u64> {
    let data = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file = object::File::parse(&*data)
        .map_err(|e| format!("{}: not an object file: {e}", path.display()))?;
    Ok(file
        .symbols()
        .find(|symbol| symbol.name() == Ok(name))
        .map_or(0, |symbol| symbol.size()))
}

/// How an engine's output compares with TFLM's.
pub struct Verdict {
    pub matches: bool,
    pub text: String,
}

/// The case a firmware ran (`@CASE <set> <index>`).
fn case(run: &Run) -> Result<(String, usize)> {
    let words = run.words("@CASE").next().ok_or("no `@CASE` line")?;
    match words[..] {
        [set, index] => Ok((
            set.to_string(),
            index
                .parse()
                .map_err(|_| format!("bad case index {index}"))?,
        )),
        _ => Err(format!("bad `@CASE` line: {}", words.join(" "))),
    }
}

/// The `@OUT run <dtype> <bits>…` line: dtype and bit patterns.
fn outputs(run: &Run) -> Result<(String, Vec<u32>)> {
    let words = run
        .words("@OUT")
        .find(|words| words.first() == Some(&"run"))
        .ok_or("no `@OUT run` line")?;
    let dtype = words
        .get(1)
        .ok_or("`@OUT run` without a dtype")?
        .to_string();
    let bits = words[2..]
        .iter()
        .map(|hex| {
            u32::from_str_radix(hex.trim_start_matches("0x"), 16)
                .map_err(|_| format!("`@OUT run`: bad bit pattern {hex}"))
        })
        .collect::<Result<_>>()?;
    Ok((dtype, bits))
}

/// kiln's output against TFLM's, bit for bit.
fn check_kiln(zoo: &Zoo, id: &str, run: &Run) -> Result<Verdict> {
    let (set, index) = case(run)?;
    let reference = zoo.reference(id, &set, index)?;
    let (dtype, got) = outputs(run)?;
    if dtype != reference.dtype.short() {
        return Err(format!(
            "{id}: the firmware printed {dtype} outputs, TFLM's are {}",
            reference.dtype.short()
        ));
    }
    let values =
        |bits: &[u32]| -> Vec<f64> { bits.iter().map(|&b| reference.dtype.value(b)).collect() };
    Ok(compare(
        &values(&got),
        &values(&reference.bits),
        got == reference.bits,
    ))
}

/// MicroFlow's dequantized f32 output, quantized again with the model's output scale and zero
/// point, against TFLM's int8 output.
fn check_microflow(zoo: &Zoo, entry: &ZooModel, run: &Run) -> Result<Verdict> {
    let (set, index) = case(run)?;
    let reference = zoo.reference(entry.id, &set, index)?;
    let (dtype, got) = outputs(run)?;
    let (scale, zero_point) = entry
        .output_quant
        .ok_or(format!("{}: the output is not quantized", entry.id))?;
    if dtype != "f32" || reference.dtype != Dtype::I8 {
        return Err(format!(
            "{}: expected MicroFlow's f32 and TFLM's int8 outputs",
            entry.id
        ));
    }
    let requantized: Vec<f64> = got
        .iter()
        .map(|&bits| {
            let y = f64::from(f32::from_bits(bits));
            ((y / scale).round() + zero_point).clamp(-128.0, 127.0)
        })
        .collect();
    let expected: Vec<f64> = reference.bits.iter().map(|&b| Dtype::I8.value(b)).collect();
    let same = requantized == expected;
    let mut verdict = compare(&requantized, &expected, same);
    if !same {
        let show = |values: &[f64]| {
            values
                .iter()
                .map(|q| format!("{}", (q - zero_point) * scale))
                .collect::<Vec<_>>()
                .join(", ")
        };
        verdict.text = format!(
            "{} (MicroFlow {}, TFLM {})",
            verdict.text,
            show(&requantized),
            show(&expected)
        );
    } else {
        verdict.text = "= TFLM (requantized to int8)".to_string();
    }
    Ok(verdict)
}

fn compare(got: &[f64], expected: &[f64], bit_exact: bool) -> Verdict {
    if bit_exact {
        return Verdict {
            matches: true,
            text: "bit-exact".to_string(),
        };
    }
    if got.len() != expected.len() {
        return Verdict {
            matches: false,
            text: format!("{} values, TFLM has {}", got.len(), expected.len()),
        };
    }
    let differing = got.iter().zip(expected).filter(|(a, b)| a != b).count();
    let max = got
        .iter()
        .zip(expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    Verdict {
        matches: false,
        text: format!(
            "differs: {differing} of {} values, max \\|Δ\\| {max}",
            got.len()
        ),
    }
}

/// Element types of the outputs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dtype {
    F32,
    I8,
    U8,
    I16,
}

impl Dtype {
    fn parse(name: &str) -> Result<Self> {
        match name {
            "float32" => Ok(Dtype::F32),
            "int8" => Ok(Dtype::I8),
            "uint8" => Ok(Dtype::U8),
            "int16" => Ok(Dtype::I16),
            other => Err(format!(
                "output dtype {other} is not supported by the benchmark"
            )),
        }
    }

    /// The name the firmware prints.
    fn short(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::I8 => "i8",
            Dtype::U8 => "u8",
            Dtype::I16 => "i16",
        }
    }

    fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16 => 2,
        }
    }

    /// The value of a bit pattern as printed by the firmware.
    fn value(self, bits: u32) -> f64 {
        match self {
            Dtype::F32 => f64::from(f32::from_bits(bits)),
            Dtype::I8 => f64::from(bits as u8 as i8),
            Dtype::U8 => f64::from(bits as u8),
            Dtype::I16 => f64::from(bits as u16 as i16),
        }
    }

    /// The bit pattern of one little-endian element.
    fn bits(self, bytes: &[u8]) -> u32 {
        match self {
            Dtype::F32 => u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            Dtype::I8 | Dtype::U8 => u32::from(bytes[0]),
            Dtype::I16 => u32::from(u16::from_le_bytes([bytes[0], bytes[1]])),
        }
    }
}

/// TFLM's output of one case.
struct Reference {
    dtype: Dtype,
    bits: Vec<u32>,
}

/// The shared model zoo beside the repository: manifest and reference vectors.
struct Zoo {
    dir: PathBuf,
    manifest: Value,
}

/// What the benchmark takes from the manifest about one model.
struct ZooModel {
    id: &'static str,
    macs: u64,
    /// `(scale, zero_point)` of the output, when quantized.
    output_quant: Option<(f64, f64)>,
}

impl Zoo {
    fn open() -> Result<Self> {
        let dir = repo_root().join("..").join("shared").join("models");
        let manifest = read_json(&dir.join("manifest.json"))?;
        Ok(Zoo { dir, manifest })
    }

    fn model(&self, id: &'static str) -> Result<ZooModel> {
        let entry = self.manifest["models"]
            .as_array()
            .and_then(|models| models.iter().find(|m| m["id"] == id))
            .ok_or(format!("model {id} is not in the shared manifest"))?;
        let macs = entry["macs_estimate"]
            .as_u64()
            .ok_or(format!("{id}: no macs_estimate in the manifest"))?;
        let quant = &entry["outputs"][0]["quant"];
        let output_quant = quant["scale"][0]
            .as_f64()
            .zip(quant["zero_point"][0].as_f64());
        Ok(ZooModel {
            id,
            macs,
            output_quant,
        })
    }

    /// TFLM's output for case `index` of set `set` of model `id`.
    fn reference(&self, id: &str, set: &str, index: usize) -> Result<Reference> {
        let dir = self.dir.join("vectors").join(id);
        let vectors = read_json(&dir.join("vectors.json"))?;
        let output = &vectors["sets"][set]["outputs"]["tflm"][0];
        let file = output["file"]
            .as_str()
            .ok_or(format!("{id}: set `{set}` has no TFLM output"))?;
        let dtype = Dtype::parse(output["dtype"].as_str().unwrap_or("?"))?;
        let shape: Vec<u64> = output["shape"]
            .as_array()
            .map(|dims| dims.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let len = shape.iter().skip(1).product::<u64>() as usize * dtype.size();
        let bytes = fs::read(dir.join(file)).map_err(|e| format!("{id}/{file}: {e}"))?;
        let case = bytes
            .get(index * len..(index + 1) * len)
            .ok_or(format!("{id}/{file}: no case {index}"))?;
        Ok(Reference {
            dtype,
            bits: case
                .chunks_exact(dtype.size())
                .map(|b| dtype.bits(b))
                .collect(),
        })
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e} (the shared model zoo must sit beside the repository)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_are_read_as_bits() {
        let run = qemu::run_from_text("@CASE random 3\n@OUT run i8 0x000000ff 0x00000001\n@PASS\n");
        assert_eq!(case(&run).unwrap(), ("random".to_string(), 3));
        let (dtype, bits) = outputs(&run).unwrap();
        assert_eq!((dtype.as_str(), bits), ("i8", vec![0xff, 1]));
        assert_eq!(Dtype::I8.value(0xff), -1.0);
        assert_eq!(Dtype::F32.bits(&1.5f32.to_le_bytes()), 1.5f32.to_bits());
    }

    #[test]
    fn differences_are_counted() {
        assert!(compare(&[1.0, 2.0], &[1.0, 2.0], true).matches);
        let verdict = compare(&[1.0, 5.0], &[1.0, 2.0], false);
        assert!(!verdict.matches);
        assert!(verdict.text.contains("1 of 2"), "{}", verdict.text);
    }
}
