//! `kiln`: inspect and check TensorFlow Lite models against what kiln compiles.
//!
//! ```text
//! kiln inspect [--json] [--plot plan.svg] model.tflite
//! kiln check model.tflite [more.tflite …]
//! ```

use std::process::ExitCode;

use kiln_compiler::inspect;

const USAGE: &str = "\
usage:
  kiln inspect [--json] [--plot FILE.svg] MODEL.tflite
      operators (dtypes, shapes, MACs, supported or not and why), tensors, the memory plan,
      the arena against its lower bound, weight bytes and MACs; --json prints the same as JSON,
      --plot also writes the memory plan as an SVG picture
  kiln check MODEL.tflite [MODEL.tflite ...]
      exit status 0 when kiln can compile every model, 1 otherwise (with every problem listed)
  kiln help";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("kiln: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read `{path}`: {e}"))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Err("no command".into());
    };
    match cmd.as_str() {
        "inspect" => {
            let (mut json, mut plot, mut model) = (false, None, None);
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--json" => json = true,
                    "--plot" => {
                        plot = Some(it.next().ok_or("--plot needs a file name")?.clone());
                    }
                    s if s.starts_with("--plot=") => plot = Some(s["--plot=".len()..].to_string()),
                    s if s.starts_with('-') => return Err(format!("unknown option `{s}`")),
                    s if model.is_none() => model = Some(s.to_string()),
                    s => return Err(format!("unexpected argument `{s}`")),
                }
            }
            let model = model.ok_or("no model file")?;
            let report = inspect::inspect(&read(&model)?);
            if json {
                print!("{}", report.to_json(&model));
            } else {
                print!("{}", report.to_text(&model));
            }
            if let Some(file) = plot {
                let Some(svg) = report.to_svg(&model) else {
                    eprintln!("kiln: no memory plan to plot: kiln cannot compile `{model}`");
                    return Ok(ExitCode::FAILURE);
                };
                std::fs::write(&file, svg).map_err(|e| format!("cannot write `{file}`: {e}"))?;
                eprintln!("kiln: wrote the memory plan to {file}");
            }
            Ok(ExitCode::SUCCESS)
        }
        "check" => {
            if rest.is_empty() {
                return Err("no model file".into());
            }
            let mut ok = true;
            for model in rest {
                if model.starts_with('-') {
                    return Err(format!("unknown option `{model}`"));
                }
                let report = inspect::inspect(&read(model)?);
                print!("{}", report.check_text(model));
                ok &= report.compiles();
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`")),
    }
}
