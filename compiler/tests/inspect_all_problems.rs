//! `kiln check` lists every problem at once: an unsupported operator does not hide the dtype
//! problems of the supported operators after it.

mod support;
use support::{build_one, Op, Sg, T};

/// A model of activations only: `(shape, tensor type)` per tensor, `(builtin code, inputs,
/// outputs)` per operator.
fn build(
    tensors: &[(&[i32], i8)],
    ops: &[(i32, &[i32], &[i32])],
    inputs: &[i32],
    outputs: &[i32],
) -> Vec<u8> {
    build_one(&Sg {
        tensors: tensors
            .iter()
            .map(|(shape, ty)| T {
                shape: shape.to_vec(),
                ty: *ty,
                data: None,
                quant: None,
            })
            .collect(),
        inputs: inputs.to_vec(),
        outputs: outputs.to_vec(),
        ops: ops
            .iter()
            .map(|(code, ins, outs)| Op {
                code: *code,
                ins: ins.to_vec(),
                outs: outs.to_vec(),
                opt: None,
            })
            .collect(),
    })
}

const I32: i8 = 2;
const UNIDIRECTIONAL_SEQUENCE_LSTM: i32 = 44;
const TANH: i32 = 28;

#[test]
fn unsupported_operator_and_dtype_problem_together() {
    let bytes = build(
        &[(&[1, 4], I32), (&[1, 4], I32), (&[1, 4], I32)],
        &[
            (UNIDIRECTIONAL_SEQUENCE_LSTM, &[0], &[1]),
            (TANH, &[1], &[2]),
        ],
        &[0],
        &[2],
    );
    // The compiler stops after lowering…
    let errors = kiln_compiler::analyze(&bytes)
        .err()
        .expect("does not compile");
    assert_eq!(errors.0.len(), 1, "{errors}");
    // …the inspector goes on and reports the supported operator's problem too.
    let r = kiln_compiler::inspect::inspect(&bytes);
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    assert!(r.problems[0]
        .starts_with("operator #0 UNIDIRECTIONAL_SEQUENCE_LSTM: operator is not supported"));
    assert!(
        r.problems[1].starts_with("operator #1 TANH: int32"),
        "{}",
        r.problems[1]
    );
    assert_eq!(r.ops.len(), 2);
    assert!(r.ops[0].problem.is_some() && r.ops[1].problem.is_some());
    assert!(r.memory.is_none());
}
