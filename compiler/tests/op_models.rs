//! Single-operator models built in memory (FlatBufferBuilder) for every operator and dtype the
//! element-wise, activation, quantization and layout modules support: each must compile, and
//! the emitted code must call the expected kernel with the constants TFLM's Prepare computes.
//! Unsupported combinations must fail with an error naming the operator and what is supported.
//! (The numerics of the kernels are unit-tested in the runtime; the zoo conformance suite runs
//! the generated code end to end.)

use kiln_compiler::{compile, Options};

mod support;
use support::{Op, Sg, Val, T};

type Opt = Option<(u8, Vec<(u16, Val)>)>;
/// A single-subgraph model.
type M = Sg;

fn build(m: &M) -> Vec<u8> {
    support::build_one(m)
}

const F32: i8 = 0;
const F16: i8 = 1;
const I32: i8 = 2;
const U8: i8 = 3;
const I16: i8 = 7;
const I8: i8 = 9;
fn act(shape: &[i32], ty: i8, q: Option<(f32, i64)>) -> T {
    let q = q.map(|(s, z)| (vec![s], vec![z]));
    T {
        shape: shape.to_vec(),
        ty,
        data: None,
        quant: q,
    }
}
fn cst(shape: &[i32], ty: i8, data: Vec<u8>, q: Option<(f32, i64)>) -> T {
    let q = q.map(|(s, z)| (vec![s], vec![z]));
    T {
        shape: shape.to_vec(),
        ty,
        data: Some(data),
        quant: q,
    }
}
fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn unary(code: i32, a: T, b: T, opt: Opt, extra: Vec<T>) -> M {
    let mut tensors = vec![a, b];
    let mut ins = vec![0];
    for (k, e) in extra.into_iter().enumerate() {
        tensors.push(e);
        ins.push(2 + k as i32);
    }
    M {
        tensors,
        inputs: vec![0],
        outputs: vec![1],
        ops: vec![Op {
            code,
            ins,
            outs: vec![1],
            opt,
        }],
    }
}

fn opts() -> Options {
    Options {
        name: quote::format_ident!("M"),
        vis: quote::quote!(pub),
        source_path: None,
    }
}

/// Compiles `m` and returns the generated code with whitespace removed.
fn code(m: &M) -> String {
    match compile(&build(m), &opts()) {
        Ok(t) => t
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        Err(e) => panic!("compile failed: {e}"),
    }
}

fn error(m: &M) -> String {
    match compile(&build(m), &opts()) {
        Ok(_) => panic!("compiled, expected an error"),
        Err(e) => e.to_string(),
    }
}

fn with_const(code: i32, a: T, b: T, c: T) -> M {
    let mut m = unary(code, a, b, None, vec![c]);
    m.ops[0].ins = vec![0, 2];
    m
}

#[test]
fn every_supported_op_and_dtype_compiles_to_its_kernel() {
    let q8 = |s: f32, z: i64| Some((s, z));
    let cases: Vec<(&str, M)> = vec![
        (
            "mul_s8",
            with_const(
                18,
                act(&[1, 2, 3], I8, q8(0.5, 1)),
                act(&[1, 2, 3], I8, q8(0.25, -2)),
                cst(&[3], I8, vec![2, 254, 10], q8(0.5, 0)),
            ),
        ),
        (
            "mul_f32",
            with_const(
                18,
                act(&[2, 3], F32, None),
                act(&[2, 3], F32, None),
                cst(
                    &[2, 1],
                    F32,
                    [2.0f32, -1.0]
                        .iter()
                        .flat_map(|x| x.to_le_bytes())
                        .collect(),
                    None,
                ),
            ),
        ),
        (
            "add_s16",
            with_const(
                0,
                act(&[4], I16, q8(0.5, 0)),
                act(&[4], I16, q8(1.0, 0)),
                cst(&[1], I16, vec![1, 0], q8(0.25, 0)),
            ),
        ),
        (
            "sub_s32",
            with_const(
                41,
                act(&[2, 2], I32, None),
                act(&[2, 2], I32, None),
                cst(&[2], I32, i32s(&[1, 100]), None),
            ),
        ),
        (
            "logistic_s8",
            unary(
                14,
                act(&[1, 8], I8, q8(1.0 / 16.0, 0)),
                act(&[1, 8], I8, q8(1.0 / 256.0, -128)),
                None,
                vec![],
            ),
        ),
        (
            "tanh_s8",
            unary(
                28,
                act(&[8], I8, q8(1.0 / 16.0, 0)),
                act(&[8], I8, q8(1.0 / 128.0, 0)),
                None,
                vec![],
            ),
        ),
        (
            "tanh_s16",
            unary(
                28,
                act(&[8], I16, q8(1.0 / 4096.0, 0)),
                act(&[8], I16, q8(1.0 / 32768.0, 0)),
                None,
                vec![],
            ),
        ),
        (
            "logistic_s16",
            unary(
                14,
                act(&[8], I16, q8(0.001, 0)),
                act(&[8], I16, q8(1.0 / 32768.0, 0)),
                None,
                vec![],
            ),
        ),
        (
            "logistic_f32",
            unary(14, act(&[4], F32, None), act(&[4], F32, None), None, vec![]),
        ),
        (
            "hard_swish_s8",
            unary(
                117,
                act(&[8], I8, q8(1.0 / 16.0, 0)),
                act(&[8], I8, q8(1.0 / 16.0, 0)),
                None,
                vec![],
            ),
        ),
        (
            "hard_swish_f32",
            unary(
                117,
                act(&[4], F32, None),
                act(&[4], F32, None),
                None,
                vec![],
            ),
        ),
        (
            "relu_s8",
            unary(
                19,
                act(&[4], I8, q8(0.5, -10)),
                act(&[4], I8, q8(0.25, -128)),
                None,
                vec![],
            ),
        ),
        (
            "relu6_s16",
            unary(
                21,
                act(&[4], I16, q8(0.01, 0)),
                act(&[4], I16, q8(0.01, 0)),
                None,
                vec![],
            ),
        ),
        (
            "leaky_relu_s8",
            unary(
                98,
                act(&[4], I8, q8(0.5, 0)),
                act(&[4], I8, q8(0.5, 0)),
                Some((75, vec![(0, Val::F(0.25))])),
                vec![],
            ),
        ),
        (
            "leaky_relu_f32",
            unary(
                98,
                act(&[4], F32, None),
                act(&[4], F32, None),
                Some((75, vec![(0, Val::F(0.25))])),
                vec![],
            ),
        ),
        (
            "transpose_f32",
            unary(
                39,
                act(&[2, 3, 4], F32, None),
                act(&[4, 2, 3], F32, None),
                None,
                vec![cst(&[3], I32, i32s(&[2, 0, 1]), None)],
            ),
        ),
        (
            "transpose_u8",
            unary(
                39,
                act(&[2, 3], U8, q8(1.0, 0)),
                act(&[3, 2], U8, q8(1.0, 0)),
                None,
                vec![cst(&[2], I32, i32s(&[1, 0]), None)],
            ),
        ),
        (
            "dequantize_s8_f32",
            unary(
                6,
                act(&[4], I8, q8(0.1, 3)),
                act(&[4], F32, None),
                None,
                vec![],
            ),
        ),
        (
            "quantize_f32_s8",
            unary(
                114,
                act(&[4], F32, None),
                act(&[4], I8, q8(0.5, -1)),
                None,
                vec![],
            ),
        ),
        (
            "requantize_s8_u8",
            unary(
                114,
                act(&[4], I8, q8(0.5, -128)),
                act(&[4], U8, q8(0.5, 0)),
                None,
                vec![],
            ),
        ),
        (
            "requantize_s32_s16",
            unary(
                114,
                act(&[4], I32, q8(0.001, 0)),
                act(&[4], I16, q8(0.002, 0)),
                None,
                vec![],
            ),
        ),
        (
            "pad_f32",
            unary(
                60,
                act(&[2, 2], F32, None),
                act(&[3, 4], F32, None),
                None,
                vec![
                    cst(&[2, 2], I32, i32s(&[1, 0, 1, 1]), None),
                    cst(&[], F32, 9.5f32.to_le_bytes().to_vec(), None),
                ],
            ),
        ),
        (
            "pad_s8",
            unary(
                34,
                act(&[2, 2], I8, q8(1.0, 5)),
                act(&[2, 4], I8, q8(1.0, 5)),
                None,
                vec![cst(&[2, 2], I32, i32s(&[0, 0, 1, 1]), None)],
            ),
        ),
        (
            "strided_slice_s8",
            unary(
                45,
                act(&[4, 3], I8, q8(1.0, 0)),
                act(&[2, 3], I8, q8(1.0, 0)),
                None,
                vec![
                    cst(&[2], I32, i32s(&[3, 0]), None),
                    cst(&[2], I32, i32s(&[0, 3]), None),
                    cst(&[2], I32, i32s(&[-2, 1]), None),
                ],
            ),
        ),
        (
            "softmax_s16",
            unary(
                25,
                act(&[2, 4], I16, q8(1.0 / 1024.0, 0)),
                act(&[2, 4], I16, q8(1.0 / 32768.0, 0)),
                Some((9, vec![(0, Val::F(1.0))])),
                vec![],
            ),
        ),
        (
            "softmax_s8_s16",
            unary(
                25,
                act(&[1, 4], I8, q8(0.1, 0)),
                act(&[1, 4], I16, q8(1.0 / 65536.0, -32768)),
                Some((9, vec![(0, Val::F(1.0))])),
                vec![],
            ),
        ),
    ];
    for (kernel, m) in &cases {
        let c = code(m);
        assert!(
            c.contains(&format!("::kiln::__private::{kernel}(")),
            "{kernel}: {c}"
        );
    }
}

#[test]
fn reshape_family_emits_no_code() {
    for op in [22, 43, 70] {
        let c = code(&unary(
            op,
            act(&[1, 4, 1], F32, None),
            act(&[4], F32, None),
            None,
            vec![],
        ));
        assert!(!c.contains("split("), "op {op}: {c}");
    }
}

#[test]
fn float16_weights_stay_16_bit_in_flash() {
    let halves: Vec<u8> = [0x3c00u16, 0xc000, 0x3800, 0x0001]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let m = M {
        tensors: vec![
            act(&[4], F32, None),
            act(&[4], F32, None),
            cst(&[4], F16, halves, None),
            act(&[4], F32, None),
        ],
        inputs: vec![0],
        outputs: vec![1],
        ops: vec![
            Op {
                code: 6,
                ins: vec![2],
                outs: vec![3],
                opt: None,
            },
            Op {
                code: 0,
                ins: vec![0, 3],
                outs: vec![1],
                opt: None,
            },
        ],
    };
    let c = code(&m);
    assert!(
        c.contains("[i16;4usize]=::kiln::__private::bytes_to_i16"),
        "{c}"
    );
    assert!(c.contains("dequantize_f16_f32("), "{c}");
}

#[test]
fn prepare_constants_are_emitted() {
    // LOGISTIC int8 at input scale 1/16: multiplier 2^30, shift 24, radius 120.
    let c = code(&unary(
        14,
        act(&[8], I8, Some((1.0 / 16.0, 0))),
        act(&[8], I8, Some((1.0 / 256.0, -128))),
        None,
        vec![],
    ));
    assert!(
        c.contains("input_range_radius:120i32,input_multiplier:1073741824i32,input_shift:24i32"),
        "{c}"
    );
    // SOFTMAX int8 at input scale 1/16: multiplier 2^30, left shift 23, diff_min -248.
    let c = code(&unary(
        25,
        act(&[1, 4], I8, Some((1.0 / 16.0, 0))),
        act(&[1, 4], I8, Some((1.0 / 256.0, -128))),
        Some((9, vec![(0, Val::F(1.0))])),
        vec![],
    ));
    assert!(
        c.contains("input_multiplier:1073741824i32,input_left_shift:23i32,diff_min:-248i32"),
        "{c}"
    );
}

#[test]
fn unsupported_combinations_name_what_is_supported() {
    let e = error(&unary(
        117,
        act(&[4], I16, Some((0.01, 0))),
        act(&[4], I16, Some((0.01, 0))),
        None,
        vec![],
    ));
    assert!(
        e.contains(
            "operator #0 HARD_SWISH: int16 HARD_SWISH is not supported (supported: float32, int8)"
        ),
        "{e}"
    );
    let e = error(&unary(
        114,
        act(&[4], F32, None),
        act(&[4], I32, Some((1.0, 0))),
        None,
        vec![],
    ));
    assert!(
        e.contains("operator #0 QUANTIZE: float32 → int32 is not supported (supported:"),
        "{e}"
    );
    let e = error(&unary(
        25,
        act(&[1, 4], I8, Some((0.1, 0))),
        act(&[1, 4], I8, Some((0.1, 0))),
        Some((9, vec![(0, Val::F(1.0))])),
        vec![],
    ));
    assert!(
        e.contains(
            "operator #0 SOFTMAX: int8 output must have scale 0.00390625 and zero point -128"
        ),
        "{e}"
    );
    let e = error(&unary(
        45,
        act(&[4], I8, Some((1.0, 0))),
        act(&[2], I8, Some((1.0, 0))),
        Some((32, vec![(2, Val::I(1))])),
        vec![
            cst(&[1], I32, i32s(&[0]), None),
            cst(&[1], I32, i32s(&[2]), None),
            cst(&[1], I32, i32s(&[1]), None),
        ],
    ));
    assert!(
        e.contains("operator #0 STRIDED_SLICE: ellipsis_mask and new_axis_mask are not supported"),
        "{e}"
    );
    let e = error(&with_const(
        0,
        act(&[2, 3], F32, None),
        act(&[2, 3], F32, None),
        cst(&[4], F32, vec![0; 16], None),
    ));
    assert!(
        e.contains("operator #0 ADD: shapes [2, 3] and [4] do not broadcast"),
        "{e}"
    );
    let e = error(&unary(
        39,
        act(&[2, 3], F32, None),
        act(&[3, 2], F32, None),
        None,
        vec![cst(&[2], I32, i32s(&[0, 0]), None)],
    ));
    assert!(
        e.contains("operator #0 TRANSPOSE: [0, 0] is not a permutation of 0..2"),
        "{e}"
    );
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The single-operator fixtures of `tests/fixtures/ops`, checked against TFLM by
/// `kiln-tests`' `op_conformance` suite. Deterministic: regenerate with
/// `cargo test -p kiln-compiler --test op_models -- --ignored write_fixtures`.
fn fixture_models() -> Vec<(&'static str, M)> {
    let mut v: Vec<(&'static str, M)> = Vec::new();
    let q = |s: f32, z: i64| Some((s, z));
    let n = [256];
    v.push((
        "logistic_s8",
        unary(
            14,
            act(&n, I8, q(0.07, 3)),
            act(&n, I8, q(1.0 / 256.0, -128)),
            None,
            vec![],
        ),
    ));
    v.push((
        "tanh_s8",
        unary(
            28,
            act(&n, I8, q(0.05, -7)),
            act(&n, I8, q(1.0 / 128.0, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "hard_swish_s8",
        unary(
            117,
            act(&n, I8, q(0.05, 10)),
            act(&n, I8, q(0.03, -20)),
            None,
            vec![],
        ),
    ));
    v.push((
        "relu_s8",
        unary(
            19,
            act(&n, I8, q(0.05, 10)),
            act(&n, I8, q(0.03, -100)),
            None,
            vec![],
        ),
    ));
    v.push((
        "relu6_s8",
        unary(
            21,
            act(&n, I8, q(0.05, -100)),
            act(&n, I8, q(0.04, -128)),
            None,
            vec![],
        ),
    ));
    v.push((
        "leaky_s8",
        unary(
            98,
            act(&n, I8, q(0.05, 10)),
            act(&n, I8, q(0.04, -5)),
            Some((75, vec![(0, Val::F(0.3))])),
            vec![],
        ),
    ));
    v.push((
        "leaky_neg_s8",
        unary(
            98,
            act(&n, I8, q(0.05, 10)),
            act(&n, I8, q(0.04, -5)),
            Some((75, vec![(0, Val::F(-0.5))])),
            vec![],
        ),
    ));
    v.push((
        "req_s8_s8",
        unary(
            114,
            act(&n, I8, q(0.05, 10)),
            act(&n, I8, q(0.07, -3)),
            None,
            vec![],
        ),
    ));
    v.push((
        "req_s8_u8",
        unary(
            114,
            act(&n, I8, q(0.05, -128)),
            act(&n, U8, q(0.05, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "req_s8_s16",
        unary(
            114,
            act(&n, I8, q(0.05, 10)),
            act(&n, I16, q(0.001, 0)),
            None,
            vec![],
        ),
    ));
    let m = [4096];
    v.push((
        "logistic_s16",
        unary(
            14,
            act(&m, I16, q(0.0007, 0)),
            act(&m, I16, q(1.0 / 32768.0, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "logistic_s16_pot",
        unary(
            14,
            act(&m, I16, q(1.0 / 4096.0, 0)),
            act(&m, I16, q(1.0 / 32768.0, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "tanh_s16",
        unary(
            28,
            act(&m, I16, q(0.0009, 0)),
            act(&m, I16, q(1.0 / 32768.0, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "tanh_s16_pot1",
        unary(
            28,
            act(&m, I16, q(1.0 / 2048.0, 0)),
            act(&m, I16, q(1.0 / 32768.0, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "relu_s16",
        unary(
            19,
            act(&m, I16, q(0.001, 0)),
            act(&m, I16, q(0.0023, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "leaky_s16",
        unary(
            98,
            act(&m, I16, q(0.001, 0)),
            act(&m, I16, q(0.0013, 0)),
            Some((75, vec![(0, Val::F(0.1))])),
            vec![],
        ),
    ));
    v.push((
        "req_s16_s8",
        unary(
            114,
            act(&m, I16, q(0.001, 0)),
            act(&m, I8, q(0.05, 4)),
            None,
            vec![],
        ),
    ));
    // binary with constant broadcast operand
    let c8: Vec<u8> = (0..64).map(|i| ((i * 37 + 11) % 256) as u8).collect();
    v.push((
        "mul_s8",
        with_const(
            18,
            act(&[4, 64], I8, q(0.05, 3)),
            act(&[4, 64], I8, q(0.02, -7)),
            cst(&[64], I8, c8.clone(), q(0.03, -2)),
        ),
    ));
    v.push((
        "add_s8",
        with_const(
            0,
            act(&[4, 64], I8, q(0.05, 3)),
            act(&[4, 64], I8, q(0.06, -7)),
            cst(&[1, 64], I8, c8.clone(), q(0.03, -2)),
        ),
    ));
    v.push((
        "sub_s8",
        with_const(
            41,
            act(&[4, 64], I8, q(0.05, 3)),
            act(&[4, 64], I8, q(0.06, -7)),
            cst(&[4, 1], I8, c8[..4].to_vec(), q(0.03, -2)),
        ),
    ));
    let c16: Vec<u8> = (0..64i32)
        .flat_map(|i| ((i * 1237 - 30000) as i16).to_le_bytes())
        .collect();
    v.push((
        "mul_s16",
        with_const(
            18,
            act(&[4, 64], I16, q(0.001, 0)),
            act(&[4, 64], I16, q(0.0017, 0)),
            cst(&[64], I16, c16.clone(), q(0.0009, 0)),
        ),
    ));
    v.push((
        "add_s16",
        with_const(
            0,
            act(&[4, 64], I16, q(0.001, 0)),
            act(&[4, 64], I16, q(0.0017, 0)),
            cst(&[64], I16, c16, q(0.0009, 0)),
        ),
    ));
    let mut relu = with_const(
        0,
        act(&[4, 64], I8, q(0.05, 3)),
        act(&[4, 64], I8, q(0.06, -7)),
        cst(&[1, 64], I8, c8.clone(), q(0.03, -2)),
    );
    relu.ops[0].opt = Some((11, vec![(0, Val::B(3))]));
    // fused RELU6 on ADD: AddOptions.fused_activation_function is a byte at slot 0
    v.push(("add_relu6_s8", relu));
    v.push((
        "mul_f32",
        with_const(
            18,
            act(&[4, 64], F32, None),
            act(&[4, 64], F32, None),
            cst(
                &[64],
                F32,
                f32s(&(0..64).map(|i| i as f32 * 0.1 - 3.0).collect::<Vec<_>>()),
                None,
            ),
        ),
    ));
    // softmax
    let s = [16, 16];
    v.push((
        "softmax_s8",
        unary(
            25,
            act(&s, I8, q(0.1, 3)),
            act(&s, I8, q(1.0 / 256.0, -128)),
            Some((9, vec![(0, Val::F(1.0))])),
            vec![],
        ),
    ));
    v.push((
        "softmax_s8b",
        unary(
            25,
            act(&s, I8, q(0.3, -10)),
            act(&s, I8, q(1.0 / 256.0, -128)),
            Some((9, vec![(0, Val::F(0.5))])),
            vec![],
        ),
    ));
    v.push((
        "softmax_s8_s16",
        unary(
            25,
            act(&s, I8, q(0.1, 3)),
            act(&s, I16, q(1.0 / 65536.0, -32768)),
            Some((9, vec![(0, Val::F(1.0))])),
            vec![],
        ),
    ));
    v.push((
        "softmax_s16",
        unary(
            25,
            act(&s, I16, q(0.0007, 0)),
            act(&s, I16, q(1.0 / 32768.0, 0)),
            Some((9, vec![(0, Val::F(1.0))])),
            vec![],
        ),
    ));
    v.push((
        "softmax_f32",
        unary(
            25,
            act(&s, F32, None),
            act(&s, F32, None),
            Some((9, vec![(0, Val::F(1.0))])),
            vec![],
        ),
    ));
    // float activations
    let f = [1024];
    v.push((
        "logistic_f32",
        unary(14, act(&f, F32, None), act(&f, F32, None), None, vec![]),
    ));
    v.push((
        "tanh_f32",
        unary(28, act(&f, F32, None), act(&f, F32, None), None, vec![]),
    ));
    v.push((
        "hard_swish_f32",
        unary(117, act(&f, F32, None), act(&f, F32, None), None, vec![]),
    ));
    v.push((
        "quant_f32_s8",
        unary(
            114,
            act(&f, F32, None),
            act(&f, I8, q(0.01, -5)),
            None,
            vec![],
        ),
    ));
    v.push((
        "quant_f32_s16",
        unary(
            114,
            act(&f, F32, None),
            act(&f, I16, q(0.0003, 0)),
            None,
            vec![],
        ),
    ));
    v.push((
        "deq_s8",
        unary(
            6,
            act(&n, I8, q(0.037, -9)),
            act(&n, F32, None),
            None,
            vec![],
        ),
    ));
    // layout
    v.push((
        "transpose_s8",
        unary(
            39,
            act(&[2, 3, 4, 5], I8, q(1.0, 0)),
            act(&[5, 3, 2, 4], I8, q(1.0, 0)),
            None,
            vec![cst(&[4], I32, i32s(&[3, 1, 0, 2]), None)],
        ),
    ));
    v.push((
        "pad_f32",
        unary(
            60,
            act(&[2, 3, 4], F32, None),
            act(&[3, 6, 5], F32, None),
            None,
            vec![
                cst(&[3, 2], I32, i32s(&[1, 0, 2, 1, 0, 1]), None),
                cst(&[], F32, (-1.25f32).to_le_bytes().to_vec(), None),
            ],
        ),
    ));
    let mut sl = unary(
        45,
        act(&[6, 5], I8, q(1.0, 0)),
        act(&[3, 2], I8, q(1.0, 0)),
        Some((32, vec![(0, Val::I(0)), (1, Val::I(0))])),
        vec![
            cst(&[2], I32, i32s(&[5, -1]), None),
            cst(&[2], I32, i32s(&[0, 0]), None),
            cst(&[2], I32, i32s(&[-2, -2]), None),
        ],
    );
    v.push(("slice_s8", sl));
    sl = unary(
        45,
        act(&[6, 5], I8, q(1.0, 0)),
        act(&[5], I8, q(1.0, 0)),
        Some((32, vec![(0, Val::I(0)), (1, Val::I(0)), (4, Val::I(1))])),
        vec![
            cst(&[2], I32, i32s(&[-2, 0]), None),
            cst(&[2], I32, i32s(&[0, 5]), None),
            cst(&[2], I32, i32s(&[1, 1]), None),
        ],
    );
    v.push(("slice_shrink_s8", sl));
    let mut cc = unary(
        2,
        act(&[2, 3, 4], I8, q(0.5, 1)),
        act(&[2, 5, 4], I8, q(0.5, 1)),
        Some((10, vec![(0, Val::I(1))])),
        vec![cst(
            &[2, 2, 4],
            I8,
            (0..16).map(|i| i as u8).collect(),
            q(0.5, 1),
        )],
    );
    cc.ops[0].ins = vec![0, 2];
    v.push(("concat_s8", cc));
    v
}

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ops")
}

#[test]
fn fixtures_compile_and_are_up_to_date() {
    for (name, m) in fixture_models() {
        let bytes = build(&m);
        if let Err(e) = compile(&bytes, &opts()) {
            panic!("{name}: {e}");
        }
        let path = fixture_dir().join(format!("{name}.tflite"));
        let on_disk = std::fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "{} is stale: run `cargo test -p kiln-compiler --test op_models -- --ignored write_fixtures`",
            path.display()
        );
    }
}

/// Writes the fixture models (then run `tests/fixtures/ops/oracle.py` for the TFLM vectors).
#[test]
#[ignore]
fn write_fixtures() {
    std::fs::create_dir_all(fixture_dir()).unwrap();
    for (name, m) in fixture_models() {
        std::fs::write(fixture_dir().join(format!("{name}.tflite")), build(&m)).unwrap();
    }
}
