//! The `kiln` command-line tool end to end on the model zoo: golden text reports, JSON, the SVG
//! plan parsed back (one bar per arena tensor), and `check` exit codes.
//!
//! Regenerate the golden files with `UPDATE_GOLDEN=1 cargo test -p kiln-compiler --test inspect`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn models() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    assert!(
        dir.join("manifest.json").is_file(),
        "the model zoo is missing: {}",
        dir.display()
    );
    dir
}

/// Runs `kiln` in the zoo directory (so reports name models by their zoo path).
fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(models())
        .output()
        .expect("run kiln")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn golden(name: &str, model: &str) {
    let o = kiln(&["inspect", model]);
    assert!(o.status.success(), "kiln inspect {model}: {o:?}");
    let text = stdout(&o);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write golden file");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    if text != want {
        let line = text
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(text.lines().count().min(want.lines().count()));
        panic!(
            "kiln inspect {model} differs from {} at line {}:\n got: {:?}\nwant: {:?}\n(run with UPDATE_GOLDEN=1 if the change is intended)",
            path.display(),
            line + 1,
            text.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

#[test]
fn golden_sine_float32() {
    golden("sine_float32", "generated/sine_float32.tflite");
}

#[test]
fn golden_cnn_int8() {
    golden("cnn_int8", "generated/cnn_int8.tflite");
}

#[test]
fn golden_person_detect() {
    golden("person_detect", "microflow/person_detect.tflite");
}

#[test]
fn golden_mnist_lstm_float() {
    golden("mnist_lstm_float", "tflm/mnist_lstm_float.tflite");
}

fn json(model: &str) -> serde_json::Value {
    let o = kiln(&["inspect", "--json", model]);
    assert!(o.status.success(), "kiln inspect --json {model}: {o:?}");
    serde_json::from_str(&stdout(&o)).expect("--json prints JSON")
}

#[test]
fn json_matches_the_compiler() {
    let j = json("microflow/person_detect.tflite");
    let bytes = std::fs::read(models().join("microflow/person_detect.tflite")).expect("model");
    let c = kiln_compiler::analyze(&bytes).expect("compiles");
    assert_eq!(j["compiles"], true);
    assert_eq!(j["memory"]["arena_bytes"], c.plan.arena_bytes);
    assert_eq!(j["memory"]["lower_bound"], c.plan.lower_bound().bytes);
    assert_eq!(j["operators"].as_array().map(Vec::len), Some(31));
    assert_eq!(
        j["memory"]["buffers"].as_array().map(Vec::len),
        Some(c.plan.buffers().count())
    );
    // Every buffer lies inside the arena, and no two that are live at once overlap.
    let t = j["tensors"].as_array().expect("tensors");
    let bufs: Vec<(u64, u64, u64, u64)> = j["memory"]["buffers"]
        .as_array()
        .expect("buffers")
        .iter()
        .map(|b| {
            let r = &t[b.as_u64().expect("index") as usize];
            let off = r["offset"].as_u64().expect("offset");
            (
                off,
                off + r["bytes"].as_u64().expect("bytes"),
                r["first"].as_u64().expect("first"),
                r["last"].as_u64().expect("last"),
            )
        })
        .collect();
    let arena = j["memory"]["arena_bytes"].as_u64().expect("arena");
    for (i, a) in bufs.iter().enumerate() {
        assert!(a.1 <= arena);
        for b in &bufs[i + 1..] {
            let live = a.2 <= b.3 && b.2 <= a.3;
            let overlap = a.0 < b.1 && b.0 < a.1;
            assert!(!(live && overlap), "{a:?} and {b:?} overlap");
        }
    }
    let f = json("tflm/mnist_lstm_float.tflite");
    assert_eq!(f["compiles"], false);
    assert!(f["memory"].is_null());
    assert_eq!(f["operators"][0]["supported"], false);
    assert_eq!(f["operators"][2]["supported"], true);
}

/// A minimal XML reader: checks that tags balance and returns `(name, attributes)` of every
/// element start.
fn parse_xml(s: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unterminated tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "unbalanced </{name}>"
            );
            continue;
        }
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().expect("tag name").to_string();
        let mut attrs = Vec::new();
        let mut a = &tag[name.len()..];
        while let Some(eq) = a.find("=\"") {
            let key = a[..eq].trim().to_string();
            let close = a[eq + 2..].find('"').expect("unterminated attribute") + eq + 2;
            attrs.push((key, a[eq + 2..close].to_string()));
            a = &a[close + 1..];
        }
        if !self_closing {
            stack.push(name.clone());
        }
        out.push((name, attrs));
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    out
}

fn svg_has_one_bar_per_buffer(model: &str, file: &str) {
    let dir = std::env::temp_dir().join(format!("kiln-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join(file);
    let o = kiln(&["inspect", "--plot", svg.to_str().expect("path"), model]);
    assert!(o.status.success(), "{o:?}");
    let text = std::fs::read_to_string(&svg).expect("svg written");
    let elements = parse_xml(&text);
    assert_eq!(elements.first().map(|e| e.0.as_str()), Some("svg"));
    let attr = |e: &(String, Vec<(String, String)>), k: &str| {
        e.1.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone())
    };
    let bars: Vec<_> = elements
        .iter()
        .filter(|e| e.0 == "rect" && attr(e, "class").as_deref() == Some("tensor"))
        .collect();
    let tensors: BTreeSet<u64> = bars
        .iter()
        .map(|e| {
            attr(e, "data-tensor")
                .expect("data-tensor")
                .parse()
                .expect("index")
        })
        .collect();
    assert_eq!(tensors.len(), bars.len(), "one bar per tensor");
    let j = json(model);
    let want: BTreeSet<u64> = j["memory"]["buffers"]
        .as_array()
        .expect("buffers")
        .iter()
        .map(|b| b.as_u64().expect("index"))
        .collect();
    assert_eq!(tensors, want, "the bars are exactly the arena tensors");
    for b in bars {
        let h: f64 = attr(b, "height").expect("height").parse().expect("number");
        let w: f64 = attr(b, "width").expect("width").parse().expect("number");
        assert!(h > 0.0 && w > 0.0);
    }
    std::fs::remove_file(&svg).ok();
}

#[test]
fn svg_person_detect() {
    svg_has_one_bar_per_buffer("microflow/person_detect.tflite", "person.svg");
}

#[test]
fn svg_cnn_float16w() {
    svg_has_one_bar_per_buffer("generated/cnn_float16w.tflite", "cnn.svg");
}

#[test]
fn plot_of_an_unsupported_model_fails() {
    let o = kiln(&[
        "inspect",
        "--plot",
        "/nonexistent/x.svg",
        "tflm/mnist_lstm_float.tflite",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn check_exit_codes() {
    let ok = kiln(&["check", "microflow/person_detect.tflite"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(stdout(&ok).contains(": ok ("));

    let bad = kiln(&["check", "tflm/mnist_lstm_float.tflite"]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(stdout(&bad)
        .contains("operator #0 UNIDIRECTIONAL_SEQUENCE_LSTM: operator is not supported"));

    // Several models: fails if any fails, and reports every one.
    let both = kiln(&[
        "check",
        "generated/sine_int8.tflite",
        "tflm/keyword_scrambled.tflite",
    ]);
    assert_eq!(both.status.code(), Some(1));
    let out = stdout(&both);
    assert!(out.contains("generated/sine_int8.tflite: ok"));
    assert_eq!(
        out.matches("SVDF: operator is not supported").count(),
        7,
        "{out}"
    );

    assert_eq!(
        kiln(&["check", "no/such/model.tflite"]).status.code(),
        Some(2)
    );
    assert_eq!(kiln(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(kiln(&[]).status.code(), Some(2));
}

#[test]
fn check_on_the_whole_zoo_agrees_with_the_compiler() {
    let text = std::fs::read_to_string(models().join("manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for m in manifest["models"].as_array().expect("models") {
        let file = m["file"].as_str().expect("file");
        let bytes = std::fs::read(models().join(file)).expect("model");
        let report = kiln_compiler::inspect::inspect(&bytes);
        let compiled = kiln_compiler::analyze(&bytes);
        assert_eq!(report.compiles(), compiled.is_ok(), "{file}");
        if let Err(e) = compiled {
            // Everything the compiler reports, check reports too (and possibly more).
            for err in e.iter() {
                assert!(
                    report.problems.contains(&err.to_string()),
                    "{file}: check misses `{err}`"
                );
            }
        }
    }
}
