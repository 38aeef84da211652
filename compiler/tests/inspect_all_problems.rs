//! `kiln check` lists every problem at once: an unsupported operator does not hide the dtype
//! problems of the supported operators after it.

use flatbuffers::FlatBufferBuilder;

fn slot(id: u16) -> u16 {
    4 + 2 * id
}

/// A model of activations only: `(shape, tensor type)` per tensor, `(builtin code, inputs,
/// outputs)` per operator.
fn build(
    tensors: &[(&[i32], i8)],
    ops: &[(i32, &[i32], &[i32])],
    inputs: &[i32],
    outputs: &[i32],
) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let mut codes_list: Vec<i32> = Vec::new();
    for op in ops {
        if !codes_list.contains(&op.0) {
            codes_list.push(op.0);
        }
    }
    let codes: Vec<_> = codes_list
        .iter()
        .map(|c| {
            let t = fbb.start_table();
            fbb.push_slot_always(slot(0), (*c).min(127) as i8);
            fbb.push_slot_always(slot(2), 1i32);
            fbb.push_slot_always(slot(3), *c);
            fbb.end_table(t)
        })
        .collect();
    let b = fbb.start_table();
    let buffers = vec![fbb.end_table(b)];
    let tensors: Vec<_> = tensors
        .iter()
        .enumerate()
        .map(|(i, (shape, ty))| {
            let shape = fbb.create_vector(shape);
            let name = fbb.create_string(&format!("t{i}"));
            let t = fbb.start_table();
            fbb.push_slot_always(slot(0), shape);
            fbb.push_slot_always(slot(1), *ty);
            fbb.push_slot_always(slot(2), 0u32);
            fbb.push_slot_always(slot(3), name);
            fbb.end_table(t)
        })
        .collect();
    let ops: Vec<_> = ops
        .iter()
        .map(|(code, ins, outs)| {
            let ins = fbb.create_vector(ins);
            let outs = fbb.create_vector(outs);
            let idx = codes_list.iter().position(|c| c == code).unwrap_or(0) as u32;
            let t = fbb.start_table();
            fbb.push_slot_always(slot(0), idx);
            fbb.push_slot_always(slot(1), ins);
            fbb.push_slot_always(slot(2), outs);
            fbb.end_table(t)
        })
        .collect();
    let codes = fbb.create_vector(&codes);
    let tensors = fbb.create_vector(&tensors);
    let ops = fbb.create_vector(&ops);
    let buffers = fbb.create_vector(&buffers);
    let inputs = fbb.create_vector(inputs);
    let outputs = fbb.create_vector(outputs);
    let sg = fbb.start_table();
    fbb.push_slot_always(slot(0), tensors);
    fbb.push_slot_always(slot(1), inputs);
    fbb.push_slot_always(slot(2), outputs);
    fbb.push_slot_always(slot(3), ops);
    let sg = fbb.end_table(sg);
    let sgs = fbb.create_vector(&[sg]);
    let model = fbb.start_table();
    fbb.push_slot_always(slot(0), 3u32);
    fbb.push_slot_always(slot(1), codes);
    fbb.push_slot_always(slot(2), sgs);
    fbb.push_slot_always(slot(4), buffers);
    let model = fbb.end_table(model);
    fbb.finish(model, Some("TFL3"));
    fbb.finished_data().to_vec()
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
