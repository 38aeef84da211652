//! Hostile and malformed models: each gives an error that says what is wrong (and what is
//! supported), never a panic, a hang or an allocation the file does not pay for.
//!
//! The models of the `kiln-tests` trybuild suite (`tests/ui/models/*.tflite`, one per failure)
//! are built here with a small in-memory TFLite writer (the one of `op_models.rs`, extended
//! with schema version, file identifier, subgraph count and raw quantization vectors).
//! Regenerate them with
//! `cargo test -p kiln-compiler --test hostile -- --ignored write_ui_models`.

use kiln_compiler::{analyze, compile, Options};

mod support;
use support::{build, Op, Sg, Val, M, T};

const F32: i8 = 0;
const I16: i8 = 7;
const I8: i8 = 9;
const ADD: i32 = 0;
const RELU: i32 = 19;
const HARD_SWISH: i32 = 117;

fn act(shape: &[i32], ty: i8) -> T {
    T {
        shape: shape.to_vec(),
        ty,
        data: None,
        quant: None,
    }
}

fn quantized(shape: &[i32], ty: i8, scale: f32, zero_point: i64) -> T {
    T {
        quant: Some((vec![scale], vec![zero_point])),
        ..act(shape, ty)
    }
}

/// One operator `code` from tensor 0 to tensor 1 (extra tensors are further inputs).
fn single(code: i32, input: T, output: T, extra: Vec<T>) -> M {
    let mut tensors = vec![input, output];
    let mut ins = vec![0];
    for e in extra {
        ins.push(tensors.len() as i32);
        tensors.push(e);
    }
    M {
        version: 3,
        identifier: "TFL3",
        subgraphs: vec![Sg {
            tensors,
            inputs: vec![0],
            outputs: vec![1],
            ops: vec![Op {
                code,
                ins,
                outs: vec![1],
                opt: None,
            }],
        }],
    }
}

/// A valid float RELU: the starting point of the byte-level corruptions.
fn relu_f32() -> M {
    single(RELU, act(&[1, 4], F32), act(&[1, 4], F32), vec![])
}

/// The trybuild models: `(failure name, file bytes)`. Each is named after its failure, like
/// the `tests/ui/<name>.rs` case that includes it.
fn ui_models() -> Vec<(&'static str, Vec<u8>)> {
    let valid = build(&relu_f32());
    let mut v = vec![("empty_file", Vec::new())];
    v.push((
        "wrong_file_identifier",
        build(&M {
            identifier: "TFL2",
            ..relu_f32()
        }),
    ));
    v.push(("truncated_file", valid[..valid.len() / 2].to_vec()));
    let mut out_of_bounds = valid.clone();
    // The root offset (bytes 0..4) points past the end of the file.
    let past_end = (valid.len() as u32 + 64).to_le_bytes();
    out_of_bounds[..4].copy_from_slice(&past_end);
    v.push(("offset_out_of_bounds", out_of_bounds));
    v.push((
        "schema_version_mismatch",
        build(&M {
            version: 2,
            ..relu_f32()
        }),
    ));
    v.push((
        "unsupported_dtype",
        build(&single(
            HARD_SWISH,
            quantized(&[1, 4], I16, 0.01, 0),
            quantized(&[1, 4], I16, 0.01, 0),
            vec![],
        )),
    ));
    v.push((
        "dynamic_dimension",
        build(&single(
            RELU,
            act(&[-1, 4], F32),
            act(&[-1, 4], F32),
            vec![],
        )),
    ));
    let mut two = relu_f32();
    two.subgraphs.push(two.subgraphs[0].clone());
    v.push(("multiple_subgraphs", build(&two)));
    v.push((
        "buffer_smaller_than_shape",
        build(&single(
            ADD,
            act(&[1, 4], F32),
            act(&[1, 4], F32),
            vec![T {
                data: Some(vec![0; 8]),
                ..act(&[1, 4], F32)
            }],
        )),
    ));
    v.push((
        "inconsistent_shapes",
        build(&single(RELU, act(&[1, 4], F32), act(&[1, 5], F32), vec![])),
    ));
    v.push((
        "missing_quantization",
        build(&single(RELU, act(&[1, 4], I8), act(&[1, 4], I8), vec![])),
    ));
    v.push((
        "zero_scale",
        build(&single(
            RELU,
            quantized(&[1, 4], I8, 0.0, 0),
            quantized(&[1, 4], I8, 0.5, 0),
            vec![],
        )),
    ));
    v.push((
        "negative_scale",
        build(&single(
            RELU,
            quantized(&[1, 4], I8, 0.5, 0),
            quantized(&[1, 4], I8, -0.5, 0),
            vec![],
        )),
    ));
    v.push((
        "huge_tensor",
        build(&single(
            RELU,
            act(&[1024, 1024, 1024], F32),
            act(&[1024, 1024, 1024], F32),
            vec![],
        )),
    ));
    v
}

fn ui_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ui/models")
}

fn opts() -> Options {
    Options {
        name: quote::format_ident!("M"),
        vis: quote::quote!(pub),
        source_path: None,
    }
}

fn error(bytes: &[u8]) -> String {
    match compile(bytes, &opts()) {
        Ok(_) => panic!("compiled, expected an error"),
        Err(e) => e.to_string(),
    }
}

/// Writes the trybuild models (then `TRYBUILD=overwrite cargo test -p kiln-tests --test
/// compile_fail` refreshes the `.stderr` snapshots).
#[test]
#[ignore]
fn write_ui_models() {
    std::fs::create_dir_all(ui_dir()).unwrap();
    for (name, bytes) in ui_models() {
        std::fs::write(ui_dir().join(format!("{name}.tflite")), bytes).unwrap();
    }
}

#[test]
fn ui_models_are_up_to_date() {
    for (name, bytes) in ui_models() {
        let path = ui_dir().join(format!("{name}.tflite"));
        let on_disk = std::fs::read(&path).unwrap_or_else(|_| vec![0xff]);
        assert!(
            on_disk == bytes,
            "{} is stale: run `cargo test -p kiln-compiler --test hostile -- --ignored write_ui_models`",
            path.display()
        );
    }
}

#[test]
fn the_valid_base_model_compiles() {
    compile(&build(&relu_f32()), &opts()).expect("float RELU compiles");
}

#[test]
fn every_ui_model_fails_with_its_message() {
    let expected = [
        (
            "empty_file",
            "file is too small to be a TFLite model (0 bytes)",
        ),
        (
            "wrong_file_identifier",
            "file identifier is \"TFL2\", expected \"TFL3\"",
        ),
        ("truncated_file", "flatbuffer verification failed"),
        ("offset_out_of_bounds", "flatbuffer verification failed"),
        (
            "schema_version_mismatch",
            "TFLite schema version 2 is not supported",
        ),
        (
            "unsupported_dtype",
            "operator #0 HARD_SWISH: int16 HARD_SWISH is not supported (supported: float32, int8)",
        ),
        ("dynamic_dimension", "dimension -1 is dynamic"),
        ("multiple_subgraphs", "the model has 2 subgraphs"),
        (
            "buffer_smaller_than_shape",
            "its buffer holds 8 bytes, but shape [1, 4] of float32 needs 16",
        ),
        ("inconsistent_shapes", "operator #0 RELU"),
        ("missing_quantization", "has no quantization"),
        (
            "zero_scale",
            "quantization scale 0 is not a positive finite number",
        ),
        (
            "negative_scale",
            "quantization scale -0.5 is not a positive finite number",
        ),
        ("huge_tensor", "is larger than 256 MiB"),
    ];
    let models = ui_models();
    assert_eq!(models.len(), expected.len());
    for ((name, bytes), (want_name, want)) in models.iter().zip(expected) {
        assert_eq!(*name, want_name);
        let e = error(bytes);
        assert!(e.contains(want), "{name}: {e}");
    }
}

/// A vector whose length field claims a billion elements is rejected by the verifier before
/// anything is allocated for it.
#[test]
fn a_billion_operators_are_rejected_up_front() {
    let bytes = build(&relu_f32());
    // Every vector of the model has length 1 (subgraphs, operators, operator codes, inputs,
    // outputs): patch each aligned u32 that equals 1; the vector lengths among them must fail.
    let mut rejected = 0;
    for at in (0..bytes.len() - 4).step_by(4) {
        if u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) != 1 {
            continue;
        }
        let mut hostile = bytes.clone();
        hostile[at..at + 4].copy_from_slice(&1_000_000_000u32.to_le_bytes());
        let started = std::time::Instant::now();
        if analyze(&hostile).is_err() {
            rejected += 1;
        }
        assert!(started.elapsed().as_secs() < 5, "slow rejection at {at}");
    }
    assert!(rejected > 0);
}

/// More operators than kiln accepts stop at the operator limit, before lowering any of them.
#[test]
fn too_many_operators_are_rejected_before_lowering() {
    let mut m = relu_f32();
    let op = m.subgraphs[0].ops[0].clone();
    m.subgraphs[0].ops = vec![op; 200_000];
    let e = match analyze(&build(&m)) {
        Ok(_) => panic!("200 000 operators accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("operators (at most 100000)") || e.contains("verification failed"),
        "{e}"
    );
}

/// Shapes whose element count is zero or small while single dimensions are huge, through every
/// supported operator with every input count and dtype: products of partial shapes must not
/// overflow (tests build with overflow checks, like the proc macro in a debug build).
#[test]
fn degenerate_shapes_never_panic() {
    const BIG: i32 = i32::MAX;
    let shapes: [&[i32]; 7] = [
        &[0, BIG, BIG, BIG],
        &[BIG, BIG, BIG, 0],
        &[1, 0, BIG, 3],
        &[],
        &[0],
        &[1, 1, 1, 1],
        &[2, 3, 4, 5],
    ];
    let codes = [
        0, 1, 2, 3, 4, 6, 9, 14, 17, 18, 19, 21, 22, 25, 28, 34, 39, 40, 41, 43, 45, 60, 67, 70,
        98, 114, 117,
    ];
    let types: [(i8, bool); 5] = [
        (F32, false),
        (I8, true),
        (I16, true),
        (2, false),
        (I8, false),
    ];
    for code in codes {
        for n_in in 1..=3 {
            for (si, so) in [
                (0, 0),
                (0, 1),
                (1, 3),
                (2, 5),
                (3, 3),
                (4, 5),
                (5, 6),
                (6, 0),
            ] {
                for (ty, q) in types {
                    let t = |shape: &[i32]| {
                        if q {
                            quantized(shape, ty, 0.5, 1)
                        } else {
                            act(shape, ty)
                        }
                    };
                    let extra = (1..n_in)
                        .map(|k| t(shapes[(si + k) % shapes.len()]))
                        .collect();
                    let m = single(code, t(shapes[si]), t(shapes[so]), extra);
                    let _ = compile(&build(&m), &opts());
                }
            }
        }
    }
}

/// Window operators with extreme options (strides, dilations, filter sizes, paddings, depth
/// multipliers, axes, masks) on small real tensors: every combination is an error or compiles.
#[test]
fn extreme_options_never_panic() {
    let extremes = [0, 1, 2, 3, -1, -2, i32::MAX, i32::MIN, 1 << 16, 1 << 30];
    let act4 = |shape: &[i32], q: bool| {
        if q {
            quantized(shape, I8, 0.5, 1)
        } else {
            act(shape, F32)
        }
    };
    let weights = |shape: &[i32], q: bool| {
        let n: i32 = shape.iter().product();
        let size = if q { 1 } else { 4 };
        T {
            data: Some(vec![1; n as usize * size]),
            // Symmetric int8 weights, as TFLite requires.
            quant: q.then(|| (vec![0.5], vec![0])),
            ..act(shape, if q { I8 } else { F32 })
        }
    };
    let i32s = |v: &[i32]| T {
        data: Some(v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        ty: 2,
        ..act(&[v.len() as i32], F32)
    };
    let bias = |n: i32, q: bool| T {
        data: Some(vec![0; n as usize * 4]),
        ty: if q { 2 } else { F32 },
        quant: q.then(|| (vec![0.25], vec![0])),
        ..act(&[n], F32)
    };
    /// Operator code, options tag, the i32 option fields exercised, weights shape.
    type Window = (i32, u8, &'static [u16], Option<&'static [i32]>);
    let windows: [Window; 6] = [
        (3, 1, &[1, 2, 4, 5], Some(&[4, 3, 3, 4])),    // CONV_2D
        (4, 2, &[1, 2, 3, 5, 6], Some(&[1, 3, 3, 4])), // DEPTHWISE_CONV_2D
        (1, 5, &[1, 2, 3, 4], None),                   // AVERAGE_POOL_2D
        (17, 5, &[1, 2, 3, 4], None),                  // MAX_POOL_2D
        (2, 10, &[0], None),                           // CONCATENATION axis
        (45, 32, &[0, 1, 2, 3, 4], None),              // STRIDED_SLICE masks
    ];
    let mut compiled = std::collections::BTreeSet::new();
    for q in [false, true] {
        for (code, tag, fields, w) in windows {
            for field in fields.iter().copied() {
                for v in extremes {
                    for padding in [0i8, 1, 2] {
                        for out in [
                            [1, 8, 8, 4],
                            [1, 4, 4, 4],
                            [1, 1, 1, 4],
                            [1, 0, 0, 4],
                            [1, 8, 8, 8],
                        ] {
                            let mut opt = vec![(0u16, Val::B(padding))];
                            for f in fields.iter().copied().filter(|f| *f != 0) {
                                opt.push((f, Val::I(if f == field { v } else { 1 })));
                            }
                            if field == 0 {
                                opt = vec![(0, Val::I(v))];
                            }
                            let extra = match w {
                                Some(shape) => vec![weights(shape, q), bias(4, q)],
                                None if code == 2 => vec![T {
                                    data: Some(vec![0; 256 * if q { 1 } else { 4 }]),
                                    ..act4(&[1, 8, 8, 4], q)
                                }],
                                // begin, end, strides (one extreme stride)
                                None if code == 45 => vec![
                                    i32s(&[0, 0, 0, 0]),
                                    i32s(&[1, 4, 4, 4]),
                                    i32s(&[1, v, -1, 2]),
                                ],
                                None => vec![],
                            };
                            let mut m = single(code, act4(&[1, 8, 8, 4], q), act4(&out, q), extra);
                            m.subgraphs[0].ops[0].opt = Some((tag, opt));
                            if compile(&build(&m), &opts()).is_ok() {
                                compiled.insert((code, q));
                            }
                        }
                    }
                }
            }
        }
    }
    // The base cases are valid: each operator compiled for some options, in both dtypes.
    assert_eq!(compiled.len(), 2 * windows.len(), "{compiled:?}");
}
