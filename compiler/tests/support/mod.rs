//! The test-side TFLite writer shared by the compiler's integration tests: models built field by
//! field on the flatbuffers builder, so that tests can make any shape of model, hostile ones
//! included (wrong identifier, schema version, several subgraphs, inconsistent buffers).
#![allow(dead_code)]

use flatbuffers::FlatBufferBuilder;

pub fn slot(id: u16) -> u16 {
    4 + 2 * id
}

#[derive(Clone)]
pub struct T {
    pub shape: Vec<i32>,
    pub ty: i8,
    pub data: Option<Vec<u8>>,
    /// `(scales, zero points)`.
    pub quant: Option<(Vec<f32>, Vec<i64>)>,
}

#[derive(Clone)]
pub struct Op {
    pub code: i32,
    pub ins: Vec<i32>,
    pub outs: Vec<i32>,
    /// Builtin options: union tag and `(field id, value)` of float (`F`), 32-bit (`I`) or 8-bit
    /// (`B`) fields.
    pub opt: Option<(u8, Vec<(u16, Val)>)>,
}

#[derive(Clone, Copy)]
pub enum Val {
    F(f32),
    I(i32),
    B(i8),
}

#[derive(Clone)]
pub struct Sg {
    pub tensors: Vec<T>,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub ops: Vec<Op>,
}

#[derive(Clone)]
pub struct M {
    pub version: u32,
    pub identifier: &'static str,
    pub subgraphs: Vec<Sg>,
}

pub fn build(m: &M) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let mut codes_list: Vec<i32> = Vec::new();
    for op in m.subgraphs.iter().flat_map(|s| &s.ops) {
        if !codes_list.contains(&op.code) {
            codes_list.push(op.code);
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
    // Buffer 0 is the empty sentinel; then one per constant tensor.
    let mut buffers = Vec::new();
    let t0 = fbb.start_table();
    buffers.push(fbb.end_table(t0));
    let mut sgs = Vec::new();
    for sg in &m.subgraphs {
        let mut buf_index = Vec::new();
        for t in &sg.tensors {
            if let Some(d) = &t.data {
                let v = fbb.create_vector(d);
                let b = fbb.start_table();
                fbb.push_slot_always(slot(0), v);
                buffers.push(fbb.end_table(b));
                buf_index.push(buffers.len() as u32 - 1);
            } else {
                buf_index.push(0);
            }
        }
        let tensors: Vec<_> = sg
            .tensors
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let shape = fbb.create_vector(&t.shape);
                let name = fbb.create_string(&format!("t{i}"));
                let q = t.quant.as_ref().map(|(s, z)| {
                    let sv = fbb.create_vector(s);
                    let zv = fbb.create_vector(z);
                    let q = fbb.start_table();
                    fbb.push_slot_always(slot(2), sv);
                    fbb.push_slot_always(slot(3), zv);
                    fbb.end_table(q)
                });
                let tt = fbb.start_table();
                fbb.push_slot_always(slot(0), shape);
                fbb.push_slot_always(slot(1), t.ty);
                fbb.push_slot_always(slot(2), buf_index[i]);
                fbb.push_slot_always(slot(3), name);
                if let Some(q) = q {
                    fbb.push_slot_always(slot(4), q);
                }
                fbb.end_table(tt)
            })
            .collect();
        let ops: Vec<_> = sg
            .ops
            .iter()
            .map(|op| {
                let ins = fbb.create_vector(&op.ins);
                let outs = fbb.create_vector(&op.outs);
                let opt = op.opt.as_ref().map(|(tag, fields)| {
                    let t = fbb.start_table();
                    for (id, v) in fields {
                        match v {
                            Val::F(f) => fbb.push_slot_always(slot(*id), *f),
                            Val::I(i) => fbb.push_slot_always(slot(*id), *i),
                            Val::B(b) => fbb.push_slot_always(slot(*id), *b),
                        }
                    }
                    (*tag, fbb.end_table(t))
                });
                let idx = codes_list.iter().position(|c| *c == op.code).unwrap() as u32;
                let t = fbb.start_table();
                fbb.push_slot_always(slot(0), idx);
                fbb.push_slot_always(slot(1), ins);
                fbb.push_slot_always(slot(2), outs);
                if let Some((tag, o)) = opt {
                    fbb.push_slot_always(slot(3), tag);
                    fbb.push_slot_always(slot(4), o);
                }
                fbb.end_table(t)
            })
            .collect();
        let tensors = fbb.create_vector(&tensors);
        let ops = fbb.create_vector(&ops);
        let inputs = fbb.create_vector(&sg.inputs);
        let outputs = fbb.create_vector(&sg.outputs);
        let s = fbb.start_table();
        fbb.push_slot_always(slot(0), tensors);
        fbb.push_slot_always(slot(1), inputs);
        fbb.push_slot_always(slot(2), outputs);
        fbb.push_slot_always(slot(3), ops);
        sgs.push(fbb.end_table(s));
    }
    let codes = fbb.create_vector(&codes);
    let sgs = fbb.create_vector(&sgs);
    let buffers = fbb.create_vector(&buffers);
    let model = fbb.start_table();
    fbb.push_slot_always(slot(0), m.version);
    fbb.push_slot_always(slot(1), codes);
    fbb.push_slot_always(slot(2), sgs);
    fbb.push_slot_always(slot(4), buffers);
    let model = fbb.end_table(model);
    fbb.finish(model, Some(m.identifier));
    fbb.finished_data().to_vec()
}

/// A TFLite 3 model of one subgraph.
pub fn build_one(sg: &Sg) -> Vec<u8> {
    build(&M {
        version: 3,
        identifier: "TFL3",
        subgraphs: vec![sg.clone()],
    })
}
