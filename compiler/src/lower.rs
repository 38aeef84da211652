//! Phase 1+2: read the verified flatbuffer and lower it into the typed IR.
//!
//! This is the only module (with the op modules' `lower` functions) that touches flatbuffer
//! accessors. Every index and size read from the file is checked here, so later phases can
//! index tensors freely.

use crate::error::{Collector, Error, Errors};
use crate::ir::{DType, Graph, Node, Quant, Tensor};
use crate::ops;
use crate::tflite;

/// Largest tensor kiln accepts (bytes): far beyond any microcontroller, small enough that a
/// hostile shape cannot make the compiler allocate without bound.
pub const MAX_TENSOR_BYTES: usize = 256 << 20;
/// Largest number of operators or tensors in a subgraph.
pub const MAX_ITEMS: usize = 100_000;

/// An operator that `lower` could not turn into a [`Node`] (unsupported, or bad options).
#[derive(Clone, Debug)]
pub struct Skipped {
    /// Index in the subgraph's operator list.
    pub index: usize,
    /// TFLite name (`UNIDIRECTIONAL_SEQUENCE_LSTM`, `CUSTOM:SignalRfft`, …).
    pub name: String,
    /// Input tensor indices; `None` for an omitted optional input.
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
    /// Why it was skipped.
    pub error: Error,
}

/// What [`lower_lenient`] makes of a model whose tensors could all be read.
pub struct Lowered {
    /// The graph of every operator that lowered (operators in `skipped` are missing).
    pub graph: Graph,
    /// Operators that did not lower, in file order.
    pub skipped: Vec<Skipped>,
    /// Every problem found (including those of `skipped`), in file order.
    pub errors: Vec<Error>,
}

/// Reads a `.tflite` file and lowers its single subgraph.
pub fn lower(bytes: &[u8]) -> Result<Graph, Errors> {
    let l = lower_lenient(bytes)?;
    if l.errors.is_empty() {
        Ok(l.graph)
    } else {
        Err(Errors(l.errors))
    }
}

/// Like [`lower`], but keeps going past operators it cannot lower, so that a report (the
/// `kiln check` command) can list every problem of the model at once. Fails only when the file
/// or its tensors cannot be read.
pub fn lower_lenient(bytes: &[u8]) -> Result<Lowered, Errors> {
    let model = tflite::read_model(bytes).map_err(|e| Error::new(e.to_string()))?;
    if model.version() != tflite::SCHEMA_VERSION {
        return Err(Error::new(format!(
            "TFLite schema version {} is not supported (supported: {})",
            model.version(),
            tflite::SCHEMA_VERSION
        ))
        .into());
    }
    let subgraphs = model
        .subgraphs()
        .ok_or_else(|| Error::new("the model has no subgraph"))?;
    match subgraphs.len() {
        0 => return Err(Error::new("the model has no subgraph").into()),
        1 => {}
        n => {
            return Err(Error::new(format!(
                "the model has {n} subgraphs; kiln supports models with one subgraph \
                 (control flow and resource variables are not supported)"
            ))
            .into())
        }
    }
    let sg = subgraphs.get(0);
    let buffers = model.buffers();
    let codes = model.operator_codes();

    let mut c = Collector::default();
    let fb_tensors = sg
        .tensors()
        .map(|v| v.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    if fb_tensors.len() > MAX_ITEMS {
        return Err(Error::new(format!(
            "the model has {} tensors (at most {MAX_ITEMS})",
            fb_tensors.len()
        ))
        .into());
    }
    let mut tensors = Vec::with_capacity(fb_tensors.len());
    for (i, t) in fb_tensors.iter().enumerate() {
        if let Some(t) = c.take(lower_tensor(bytes, i, t, buffers)) {
            tensors.push(t);
        }
    }
    let n_tensors = fb_tensors.len();
    let index = |what: &str, v: i32| -> Result<usize, Error> {
        usize::try_from(v)
            .ok()
            .filter(|i| *i < n_tensors)
            .ok_or_else(|| {
                Error::new(format!(
                    "{what} refers to tensor {v}, but the model has {n_tensors} tensors"
                ))
            })
    };
    let inputs: Vec<usize> = sg
        .inputs()
        .map(|v| {
            v.iter()
                .filter_map(|i| c.take(index("a graph input", i)))
                .collect()
        })
        .unwrap_or_default();
    let outputs: Vec<usize> = sg
        .outputs()
        .map(|v| {
            v.iter()
                .filter_map(|i| c.take(index("a graph output", i)))
                .collect()
        })
        .unwrap_or_default();

    let fb_ops = sg
        .operators()
        .map(|v| v.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    if fb_ops.len() > MAX_ITEMS {
        return Err(Error::new(format!(
            "the model has {} operators (at most {MAX_ITEMS})",
            fb_ops.len()
        ))
        .into());
    }
    let mut nodes = Vec::with_capacity(fb_ops.len());
    let mut skipped: Vec<Skipped> = Vec::new();
    for (i, op) in fb_ops.iter().enumerate() {
        let code = codes.and_then(|cs| {
            let k = op.opcode_index() as usize;
            (k < cs.len()).then(|| cs.get(k))
        });
        let Some(code) = code else {
            c.push(Error::new(format!(
                "operator #{i} refers to operator code {} which does not exist",
                op.opcode_index()
            )));
            continue;
        };
        let builtin = code.effective_builtin_code();
        let name: &'static str = builtin.name().unwrap_or("UNKNOWN");
        let mut ins = Vec::new();
        for v in op
            .inputs()
            .map(|v| v.iter().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if v == -1 {
                ins.push(None);
            } else if let Some(t) = c.take(index(&format!("operator #{i} {name}: an input"), v)) {
                ins.push(Some(t));
            }
        }
        let mut outs = Vec::new();
        for v in op
            .outputs()
            .map(|v| v.iter().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if let Some(t) = c.take(index(&format!("operator #{i} {name}: an output"), v)) {
                outs.push(t);
            }
        }
        let mut skip = |shown: String, error: Error| {
            c.push(error.clone());
            skipped.push(Skipped {
                index: i,
                name: shown,
                inputs: ins.clone(),
                outputs: outs.clone(),
                error,
            });
        };
        if builtin == tflite::BuiltinOperator::CUSTOM {
            let custom = code.custom_code().unwrap_or("?");
            skip(
                format!("CUSTOM:{custom}"),
                Error::new(format!(
                    "operator #{i} CUSTOM:{custom}: custom operators are not supported (supported: {})",
                    ops::supported_names().join(", ")
                )),
            );
            continue;
        }
        let Some(lower_op) = ops::lookup(builtin) else {
            let shown = builtin
                .name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("builtin code {}", builtin.0));
            let e = Error::new(format!(
                "operator #{i} {shown}: operator is not supported (supported: {})",
                ops::supported_names().join(", ")
            ));
            skip(shown, e);
            continue;
        };
        match lower_op(op) {
            Ok(imp) => nodes.push(Node {
                index: i,
                name,
                inputs: ins,
                outputs: outs,
                op: imp,
            }),
            Err(m) => skip(name.to_string(), Error::op(i, name, m)),
        }
    }
    if tensors.len() != n_tensors {
        // Some tensors could not be read, so tensor indices do not line up: no graph.
        return Err(Errors(c.into_errors()));
    }
    Ok(Lowered {
        graph: Graph {
            tensors,
            nodes,
            inputs,
            outputs,
        },
        skipped,
        errors: c.into_errors(),
    })
}

fn dtype(t: tflite::TensorType) -> Option<DType> {
    Some(match t {
        tflite::TensorType::FLOAT32 => DType::F32,
        tflite::TensorType::FLOAT16 => DType::F16,
        tflite::TensorType::INT8 => DType::I8,
        tflite::TensorType::UINT8 => DType::U8,
        tflite::TensorType::INT16 => DType::I16,
        tflite::TensorType::INT32 => DType::I32,
        tflite::TensorType::INT64 => DType::I64,
        tflite::TensorType::BOOL => DType::Bool,
        _ => return None,
    })
}

fn lower_tensor(
    file: &[u8],
    index: usize,
    t: &tflite::Tensor<'_>,
    buffers: Option<flatbuffers::Vector<'_, flatbuffers::ForwardsUOffset<tflite::Buffer<'_>>>>,
) -> Result<Tensor, Error> {
    let name = t.name().unwrap_or("").to_string();
    let what = || format!("tensor #{index} '{name}'");
    let dtype = dtype(t.type_()).ok_or_else(|| {
        Error::new(format!(
            "{}: element type {} is not supported (supported: float32, float16, int8, uint8, int16, int32, int64, bool)",
            what(),
            t.type_().name().unwrap_or("UNKNOWN")
        ))
    })?;
    let mut shape = Vec::new();
    for d in t
        .shape()
        .map(|v| v.iter().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let d = usize::try_from(d).map_err(|_| {
            Error::new(format!(
                "{}: dimension {d} is dynamic or negative (kiln needs static shapes)",
                what()
            ))
        })?;
        shape.push(d);
    }
    // `shape_signature` may mark the batch dimension -1 (Keras exports do); like TFLM, kiln
    // runs the concrete `shape`, so only a -1 there is dynamic.
    let elements = shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d));
    // Zero dimensions count as 1 in this bound, so that no partial product of the shape
    // (strides, broadcast extents) can overflow in a later phase either.
    let extent = shape
        .iter()
        .try_fold(1usize, |a, d| a.checked_mul((*d).max(1)));
    let fits = extent
        .and_then(|n| n.checked_mul(dtype.size()))
        .is_some_and(|b| b <= MAX_TENSOR_BYTES);
    let bytes = elements
        .and_then(|n| n.checked_mul(dtype.size()))
        .filter(|_| fits);
    let Some(bytes) = bytes else {
        return Err(Error::new(format!(
            "{}: shape {:?} of {} is larger than {} MiB",
            what(),
            shape,
            dtype.name(),
            MAX_TENSOR_BYTES >> 20
        )));
    };
    let quant = t.quantization().and_then(|q| {
        let scale: Vec<f32> = q.scale().map(|v| v.iter().collect()).unwrap_or_default();
        if scale.is_empty() {
            return None;
        }
        let mut zero_point: Vec<i64> = q
            .zero_point()
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if zero_point.is_empty() {
            zero_point = vec![0; scale.len()];
        }
        Some(Quant {
            scale,
            zero_point,
            axis: usize::try_from(q.quantized_dimension()).unwrap_or(usize::MAX),
        })
    });
    if let Some(q) = &quant {
        if q.zero_point.len() != q.scale.len() {
            return Err(Error::new(format!(
                "{}: {} scales but {} zero points",
                what(),
                q.scale.len(),
                q.zero_point.len()
            )));
        }
        if let Some(s) = q.scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(Error::new(format!(
                "{}: quantization scale {s} is not a positive finite number",
                what()
            )));
        }
        if q.scale.len() > 1 && shape.get(q.axis) != Some(&q.scale.len()) {
            // person_detect ships rank-1 biases with quantized_dimension 3: tolerate what TFLM
            // tolerates, a per-channel vector along the only axis.
            if !(shape.len() == 1 && shape.first() == Some(&q.scale.len())) {
                return Err(Error::new(format!(
                    "{}: {} per-channel scales do not match dimension {} of shape {:?}",
                    what(),
                    q.scale.len(),
                    q.axis,
                    shape
                )));
            }
        }
    }
    let buffer_index = t.buffer() as usize;
    let data = match buffers {
        Some(bs) if buffer_index != 0 => {
            if buffer_index >= bs.len() {
                return Err(Error::new(format!(
                    "{}: refers to buffer {buffer_index}, but the model has {} buffers",
                    what(),
                    bs.len()
                )));
            }
            let raw = tflite::buffer_bytes(file, &bs.get(buffer_index))
                .map_err(|e| Error::new(format!("{}: {e}", what())))?;
            if raw.is_empty() {
                None
            } else if raw.len() != bytes {
                return Err(Error::new(format!(
                    "{}: its buffer holds {} bytes, but shape {:?} of {} needs {bytes}",
                    what(),
                    raw.len(),
                    shape,
                    dtype.name()
                )));
            } else {
                Some(raw.to_vec())
            }
        }
        _ => None,
    };
    Ok(Tensor {
        index,
        name,
        dtype,
        shape,
        quant,
        data,
    })
}
