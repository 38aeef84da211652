//! Tests of the TFLite reader (`kiln_compiler::tflite`):
//! * every model of the shared zoo against its `manifest.json` entry;
//! * hand-built flatbuffers for the corner cases (opcode fields, unions, external buffers);
//! * malformed input (truncations, byte corruptions), which must give errors, never panics.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use flatbuffers::{FlatBufferBuilder, WIPOffset};
use kiln_compiler::tflite::{
    self, ActivationFunctionType, BuiltinOperator, BuiltinOptions, BuiltinOptions2,
    BuiltinOptionsValue, Model, ReadError, TensorType,
};
use serde_json::Value;

const MODELS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/models");

fn read_file(relative: &str) -> Vec<u8> {
    let path = Path::new(MODELS_DIR).join(relative);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); the shared model zoo is required",
            path.display()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Walking a model
// ---------------------------------------------------------------------------------------------

/// Calls every accessor reachable from `model` and returns a count that depends on all of
/// them, so nothing is optimized away. `Debug` of a table prints every field of it and of
/// every table below it, union views included.
fn walk(file: &[u8], model: &Model<'_>) -> usize {
    let mut n = format!("{model:?}").len();
    for buffer in model.buffers().into_iter().flatten() {
        n += tflite::buffer_bytes(file, &buffer).map_or(1, <[u8]>::len);
    }
    for code in model.operator_codes().into_iter().flatten() {
        n += code.effective_builtin_code().name().map_or(0, str::len);
    }
    for sg in model.subgraphs().into_iter().flatten() {
        for op in sg.operators().into_iter().flatten() {
            n += usize::from(model.operator_code_of(&op).is_some());
            n += tflite::custom_options_bytes(file, &op).map_or(1, <[u8]>::len);
            for index in op.inputs().into_iter().flatten() {
                n += usize::from(sg.tensor_at(index).is_some());
            }
            n += usize::from(op.builtin_options_as_fully_connected_options().is_some());
            n += usize::from(op.builtin_options_as_conv2d_options().is_some());
            n += usize::from(
                op.builtin_options_2_as_stablehlo_composite_options()
                    .is_some(),
            );
        }
        for tensor in sg.tensors().into_iter().flatten() {
            n += usize::from(model.buffer(tensor.buffer() as usize).is_some());
            let details = tensor.quantization().and_then(|q| q.details());
            n += usize::from(details.is_some());
        }
    }
    n
}

/// Reads `bytes` and walks the model when it verifies; fails the test, naming `case`, if
/// anything panics. Returns whether the bytes were accepted.
fn exercise(case: &str, bytes: &[u8]) -> bool {
    let outcome = catch_unwind(AssertUnwindSafe(|| match tflite::read_model(bytes) {
        Ok(model) => {
            walk(bytes, &model);
            true
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
            false
        }
    }));
    match outcome {
        Ok(accepted) => accepted,
        Err(_) => panic!("reading or walking {case} panicked"),
    }
}

// ---------------------------------------------------------------------------------------------
// The model zoo
// ---------------------------------------------------------------------------------------------

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn op_name(model: &Model<'_>, op: &tflite::Operator<'_>) -> Result<String, String> {
    let code = model
        .operator_code_of(op)
        .ok_or_else(|| format!("opcode index {} out of range", op.opcode_index()))?;
    let builtin = code.effective_builtin_code();
    if builtin == BuiltinOperator::CUSTOM {
        return Ok(format!("CUSTOM:{}", code.custom_code().unwrap_or("")));
    }
    builtin
        .name()
        .map(str::to_owned)
        .ok_or_else(|| format!("unknown builtin {}", builtin.0))
}

fn json_i64s(value: &Value) -> Option<Vec<i64>> {
    value.as_array()?.iter().map(Value::as_i64).collect()
}

/// Checks one tensor of subgraph 0 against a manifest `inputs`/`outputs` entry.
fn check_io(sg: &tflite::SubGraph<'_>, index: i32, expected: &Value) -> Result<(), String> {
    ensure!(
        expected["index"].as_i64() == Some(i64::from(index)),
        "tensor index {index}, manifest says {}",
        expected["index"]
    );
    let tensor = sg
        .tensor_at(index)
        .ok_or_else(|| format!("tensor {index} out of range"))?;
    ensure!(
        tensor.name() == expected["name"].as_str(),
        "tensor {index} name {:?}, manifest says {}",
        tensor.name(),
        expected["name"]
    );
    let shape: Vec<i64> = tensor
        .shape()
        .into_iter()
        .flatten()
        .map(i64::from)
        .collect();
    ensure!(
        Some(&shape) == json_i64s(&expected["shape"]).as_ref(),
        "tensor {index} shape {shape:?}, manifest says {}",
        expected["shape"]
    );
    if let Some(signature) = json_i64s(&expected["shape_signature"]) {
        let ours: Vec<i64> = match tensor.shape_signature() {
            Some(sig) => sig.iter().map(i64::from).collect(),
            None => shape.clone(),
        };
        ensure!(
            ours == signature,
            "tensor {index} shape signature {ours:?} vs {signature:?}"
        );
    }
    let dtype = tensor.type_().name().unwrap_or("?");
    let expected_dtype = expected["dtype"].as_str().unwrap_or("");
    ensure!(
        dtype.eq_ignore_ascii_case(expected_dtype),
        "tensor {index} dtype {dtype}, manifest says {expected_dtype}"
    );
    let scales: Vec<f32> = tensor
        .quantization()
        .and_then(|q| q.scale())
        .into_iter()
        .flatten()
        .collect();
    match expected.get("quant").filter(|q| !q.is_null()) {
        None => ensure!(
            scales.is_empty(),
            "tensor {index} has scales {scales:?}, manifest none"
        ),
        Some(quant) => {
            let q = tensor
                .quantization()
                .ok_or_else(|| format!("tensor {index} not quantized"))?;
            let want_scales: Vec<f32> = quant["scale"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .map(|s| s as f32)
                .collect();
            ensure!(
                scales == want_scales,
                "tensor {index} scales {scales:?} vs {want_scales:?}"
            );
            let zero_points: Vec<i64> = q.zero_point().into_iter().flatten().collect();
            ensure!(
                Some(&zero_points) == json_i64s(&quant["zero_point"]).as_ref(),
                "tensor {index} zero points {zero_points:?} vs {}",
                quant["zero_point"]
            );
            ensure!(
                quant["quantized_dimension"].as_i64() == Some(i64::from(q.quantized_dimension())),
                "tensor {index} quantized dimension {} vs {}",
                q.quantized_dimension(),
                quant["quantized_dimension"]
            );
        }
    }
    Ok(())
}

fn check_model(entry: &Value) -> Result<(), String> {
    let file = entry["file"].as_str().ok_or("entry has no file")?;
    let bytes = read_file(file);
    ensure!(
        entry["size_bytes"].as_u64() == Some(bytes.len() as u64),
        "file is {} bytes, manifest says {}",
        bytes.len(),
        entry["size_bytes"]
    );
    let model = tflite::read_model(&bytes).map_err(|e| e.to_string())?;
    ensure!(
        entry["schema_version"].as_u64() == Some(u64::from(model.version())),
        "schema version {}",
        model.version()
    );
    ensure!(
        model.description() == entry["description"].as_str(),
        "description {:?}",
        model.description()
    );

    let subgraphs = model.subgraphs().ok_or("no subgraphs")?;
    ensure!(
        entry["num_subgraphs"].as_u64() == Some(subgraphs.len() as u64),
        "{} subgraphs, manifest says {}",
        subgraphs.len(),
        entry["num_subgraphs"]
    );
    let mut histogram = BTreeMap::<String, u64>::new();
    for sg in subgraphs {
        for op in sg.operators().into_iter().flatten() {
            *histogram.entry(op_name(&model, &op)?).or_default() += 1;
        }
    }
    let expected: BTreeMap<String, u64> = entry["op_histogram"]
        .as_object()
        .ok_or("no op_histogram")?
        .iter()
        .map(|(name, count)| (name.clone(), count.as_u64().unwrap_or(u64::MAX)))
        .collect();
    ensure!(
        histogram == expected,
        "op histogram {histogram:?}, manifest says {expected:?}"
    );
    ensure!(
        entry["num_ops"].as_u64() == Some(histogram.values().sum()),
        "{} operators, manifest says {}",
        histogram.values().sum::<u64>(),
        entry["num_ops"]
    );

    let main = model.subgraph(0).ok_or("no subgraph 0")?;
    for (what, indices) in [("inputs", main.inputs()), ("outputs", main.outputs())] {
        let indices: Vec<i32> = indices.into_iter().flatten().collect();
        let expected = entry[what].as_array().ok_or(format!("no {what}"))?;
        ensure!(
            indices.len() == expected.len(),
            "{} {what}, manifest says {}",
            indices.len(),
            expected.len()
        );
        for (index, expected) in indices.iter().zip(expected) {
            check_io(&main, *index, expected).map_err(|e| format!("{what}: {e}"))?;
        }
    }

    // Element types of constant (buffer with data) and other tensors over all subgraphs;
    // the manifest counts variables as `VARIABLE_<type>` and leaves out constant int32/int64
    // shape and axis operands, so those two types may only be over-counted here.
    let mut constant = BTreeMap::<String, u64>::new();
    let mut nonconstant = BTreeMap::<String, u64>::new();
    for sg in subgraphs {
        for tensor in sg.tensors().into_iter().flatten() {
            let buffer = model
                .buffer(tensor.buffer() as usize)
                .ok_or_else(|| format!("buffer {} out of range", tensor.buffer()))?;
            let data = tflite::buffer_bytes(&bytes, &buffer).map_err(|e| e.to_string())?;
            let dtype = tensor.type_().name().unwrap_or("?");
            let (map, key) = match (data.is_empty(), tensor.is_variable()) {
                (false, _) => (&mut constant, dtype.to_owned()),
                (true, false) => (&mut nonconstant, dtype.to_owned()),
                (true, true) => (&mut nonconstant, format!("VARIABLE_{dtype}")),
            };
            *map.entry(key).or_default() += 1;
        }
    }
    for (what, ours) in [
        ("constant_tensor_dtypes", constant),
        ("nonconstant_tensor_dtypes", nonconstant),
    ] {
        let expected = entry[what].as_object().ok_or(format!("no {what}"))?;
        let keys: Vec<&str> = ours
            .keys()
            .chain(expected.keys())
            .map(String::as_str)
            .collect();
        for key in keys {
            let have = ours.get(key).copied().unwrap_or(0);
            let want = expected.get(key).and_then(Value::as_u64).unwrap_or(0);
            let shape_operand =
                what == "constant_tensor_dtypes" && matches!(key, "INT32" | "INT64");
            ensure!(
                have == want || (shape_operand && have > want),
                "{what}: {have} {key} tensors, manifest says {want}"
            );
        }
    }

    ensure!(walk(&bytes, &model) > 0, "walk saw nothing");
    Ok(())
}

#[test]
fn zoo_models_match_manifest() {
    let manifest_path = Path::new(MODELS_DIR).join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); the shared model zoo is required",
            manifest_path.display()
        )
    });
    let manifest: Value = serde_json::from_str(&text).expect("manifest.json is not valid JSON");
    let entries = manifest["models"]
        .as_array()
        .expect("manifest.json has no `models` array");
    assert!(!entries.is_empty(), "manifest.json lists no models");
    let failures: Vec<String> = entries
        .iter()
        .filter_map(|entry| {
            check_model(entry)
                .err()
                .map(|e| format!("{}: {e}", entry["id"]))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} models differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

#[test]
fn zoo_opcodes_resolve_from_either_field() {
    // person_detect was converted by TOCO before `builtin_code` existed: only the byte field.
    let bytes = read_file("microflow/person_detect.tflite");
    let model = tflite::read_model(&bytes).expect("person_detect reads");
    let codes: Vec<_> = model.operator_codes().into_iter().flatten().collect();
    assert!(!codes.is_empty());
    assert!(codes
        .iter()
        .all(|c| c.builtin_code() == BuiltinOperator::ADD));
    assert!(codes
        .iter()
        .any(|c| c.effective_builtin_code() == BuiltinOperator::CONV_2D));

    // microWakeWord uses codes above 127: the byte field holds the placeholder.
    let bytes = read_file("microwakeword/okay_nabu.tflite");
    let model = tflite::read_model(&bytes).expect("okay_nabu reads");
    let high: Vec<_> = model
        .operator_codes()
        .into_iter()
        .flatten()
        .filter(|c| c.deprecated_builtin_code() == 127)
        .map(|c| c.effective_builtin_code())
        .collect();
    assert_eq!(
        high,
        [
            BuiltinOperator::CALL_ONCE,
            BuiltinOperator::VAR_HANDLE,
            BuiltinOperator::READ_VARIABLE,
            BuiltinOperator::ASSIGN_VARIABLE,
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-built flatbuffers
// ---------------------------------------------------------------------------------------------

/// Vtable offset of field `id`.
fn slot(id: u16) -> u16 {
    4 + 2 * id
}

/// Something that adds one table to a builder.
type TableFn<'b> =
    Box<dyn Fn(&mut FlatBufferBuilder<'b>) -> WIPOffset<flatbuffers::TableFinishedWIPOffset> + 'b>;

/// A model with the given operator codes, one subgraph holding `ops` (each built by a
/// closure), buffers and schema version.
struct Parts<'b> {
    version: u32,
    codes: Vec<TableFn<'b>>,
    ops: Vec<TableFn<'b>>,
    buffers: Vec<TableFn<'b>>,
}

impl<'b> Parts<'b> {
    fn new() -> Self {
        Self {
            version: 3,
            codes: Vec::new(),
            ops: Vec::new(),
            buffers: Vec::new(),
        }
    }

    fn build(&self) -> Vec<u8> {
        let mut fbb = FlatBufferBuilder::new();
        let codes: Vec<_> = self.codes.iter().map(|f| f(&mut fbb)).collect();
        let ops: Vec<_> = self.ops.iter().map(|f| f(&mut fbb)).collect();
        let buffers: Vec<_> = self.buffers.iter().map(|f| f(&mut fbb)).collect();
        let codes = fbb.create_vector(&codes);
        let ops = fbb.create_vector(&ops);
        let buffers = fbb.create_vector(&buffers);
        let subgraph = fbb.start_table();
        fbb.push_slot_always(slot(3), ops);
        let subgraph = fbb.end_table(subgraph);
        let subgraphs = fbb.create_vector(&[subgraph]);
        let model = fbb.start_table();
        fbb.push_slot(slot(0), self.version, 0);
        fbb.push_slot_always(slot(1), codes);
        fbb.push_slot_always(slot(2), subgraphs);
        fbb.push_slot_always(slot(4), buffers);
        let model = fbb.end_table(model);
        fbb.finish(model, Some("TFL3"));
        fbb.finished_data().to_vec()
    }
}

fn opcode<'b>(deprecated: Option<i8>, builtin: Option<i32>) -> TableFn<'b> {
    Box::new(move |fbb| {
        let t = fbb.start_table();
        if let Some(code) = deprecated {
            fbb.push_slot_always(slot(0), code);
        }
        if let Some(code) = builtin {
            fbb.push_slot_always(slot(3), code);
        }
        fbb.end_table(t)
    })
}

/// A buffer with optional inline data and an optional (offset, size) pair.
fn buffer<'b>(data: Option<&'b [u8]>, external: Option<(u64, u64)>) -> TableFn<'b> {
    Box::new(move |fbb| {
        let data = data.map(|d| fbb.create_vector(d));
        let t = fbb.start_table();
        if let Some(data) = data {
            fbb.push_slot_always(slot(0), data);
        }
        if let Some((offset, size)) = external {
            fbb.push_slot_always(slot(1), offset);
            fbb.push_slot_always(slot(2), size);
        }
        fbb.end_table(t)
    })
}

/// An operator whose `builtin_options` union has tag `tag` and, if `with_value`, a table
/// whose field 0 is the byte `field0`.
fn op_with_options<'b>(tag: u8, with_value: bool, field0: i8) -> TableFn<'b> {
    Box::new(move |fbb| {
        let options = with_value.then(|| {
            let t = fbb.start_table();
            fbb.push_slot_always(slot(0), field0);
            fbb.end_table(t)
        });
        let t = fbb.start_table();
        fbb.push_slot_always(slot(3), tag);
        if let Some(options) = options {
            fbb.push_slot_always(slot(4), options);
        }
        fbb.end_table(t)
    })
}

fn first_op<'a>(model: &Model<'a>) -> tflite::Operator<'a> {
    model
        .subgraph(0)
        .and_then(|sg| sg.operator(0))
        .expect("one operator")
}

#[test]
fn effective_builtin_code_takes_the_larger_field() {
    let mut parts = Parts::new();
    parts.codes.push(opcode(Some(9), None)); // old writer: byte field only
    parts.codes.push(opcode(Some(127), Some(142))); // code above 127: placeholder + int field
    parts.codes.push(opcode(Some(3), Some(3))); // new writer, small code: both fields
    parts.codes.push(opcode(None, Some(44))); // int field only
    parts.codes.push(opcode(None, None)); // nothing: ADD
    parts.codes.push(opcode(Some(-5), None)); // hostile: negative byte
    let bytes = parts.build();
    let model = tflite::read_model(&bytes).expect("valid model");
    let codes: Vec<BuiltinOperator> = model
        .operator_codes()
        .into_iter()
        .flatten()
        .map(|c| c.effective_builtin_code())
        .collect();
    assert_eq!(
        codes,
        [
            BuiltinOperator::FULLY_CONNECTED,
            BuiltinOperator::VAR_HANDLE,
            BuiltinOperator::CONV_2D,
            BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM,
            BuiltinOperator::ADD,
            BuiltinOperator::ADD,
        ]
    );
    let first = model.operator_code(0).expect("code 0");
    assert_eq!(first.deprecated_builtin_code(), 9);
    assert_eq!(first.builtin_code(), BuiltinOperator::ADD);
    assert_eq!(first.version(), 1, "version defaults to 1");
    assert!(model.operator_code(6).is_none());
}

#[test]
fn union_getters_match_the_tag() {
    let mut parts = Parts::new();
    parts.ops.push(op_with_options(
        BuiltinOptions::FullyConnectedOptions.0,
        true,
        1,
    ));
    let bytes = parts.build();
    let model = tflite::read_model(&bytes).expect("valid model");
    let op = first_op(&model);
    assert_eq!(
        op.builtin_options_type(),
        BuiltinOptions::FullyConnectedOptions
    );
    let fc = op
        .builtin_options_as_fully_connected_options()
        .expect("typed getter");
    assert_eq!(fc.fused_activation_function(), ActivationFunctionType::RELU);
    assert!(!fc.keep_num_dims(), "absent bool reads as its default");
    assert_eq!(fc.quantized_bias_type(), TensorType::FLOAT32);
    assert!(op.builtin_options_as_conv2d_options().is_none());
    assert!(op.builtin_options_as_softmax_options().is_none());
    assert!(matches!(
        op.builtin_options(),
        Some(BuiltinOptionsValue::FullyConnectedOptions(_))
    ));
    assert_eq!(op.builtin_options_2_type(), BuiltinOptions2::NONE);
    assert!(op.builtin_options_2().is_none());
    assert_eq!(op.debug_metadata_index(), -1, "default of -1 is honored");

    // AddOptions::pot_scale_int16 defaults to true.
    let mut parts = Parts::new();
    parts
        .ops
        .push(op_with_options(BuiltinOptions::AddOptions.0, true, 0));
    let bytes = parts.build();
    let model = tflite::read_model(&bytes).expect("valid model");
    let add = first_op(&model)
        .builtin_options_as_add_options()
        .expect("add options");
    assert!(add.pot_scale_int16());
}

#[test]
fn unknown_union_members_are_verified_and_reported() {
    let mut parts = Parts::new();
    parts.ops.push(op_with_options(200, true, 1));
    let bytes = parts.build();
    let model = tflite::read_model(&bytes).expect("an unknown member is not an error");
    let op = first_op(&model);
    assert_eq!(op.builtin_options_type().name(), None);
    assert_eq!(
        format!("{:?}", op.builtin_options_type()),
        "BuiltinOptions(200)"
    );
    assert!(matches!(
        op.builtin_options(),
        Some(BuiltinOptionsValue::Unknown(BuiltinOptions(200)))
    ));
    assert!(op.builtin_options_as_fully_connected_options().is_none());
}

#[test]
fn a_union_tag_without_value_is_rejected() {
    let mut parts = Parts::new();
    parts
        .ops
        .push(op_with_options(BuiltinOptions::Conv2DOptions.0, false, 0));
    let bytes = parts.build();
    let error = tflite::read_model(&bytes).expect_err("inconsistent union");
    assert!(matches!(error, ReadError::Verification(_)));
    assert!(
        error
            .to_string()
            .starts_with("flatbuffer verification failed: "),
        "message: {error}"
    );
}

#[test]
fn read_errors_explain_themselves() {
    assert_eq!(
        tflite::read_model(&[]).expect_err("empty").to_string(),
        "file is too small to be a TFLite model (0 bytes)"
    );
    assert_eq!(
        tflite::read_model(&[1, 2, 3]).expect_err("3 bytes"),
        ReadError::TooSmall { len: 3 }
    );
    let mut bytes = Parts::new().build();
    bytes[4..8].copy_from_slice(b"TFL2");
    assert_eq!(
        tflite::read_model(&bytes)
            .expect_err("wrong identifier")
            .to_string(),
        "file identifier is \"TFL2\", expected \"TFL3\" (not a TFLite flatbuffer)"
    );
    bytes[4..8].copy_from_slice(&[0, 0xff, b'"', b'\n']);
    assert_eq!(
        tflite::read_model(&bytes)
            .expect_err("binary identifier")
            .to_string(),
        "file identifier is \"\\x00\\xff\\\"\\n\", expected \"TFL3\" (not a TFLite flatbuffer)"
    );
    let mut old = Parts::new();
    old.version = 2;
    assert_eq!(
        tflite::read_model(&old.build()).expect_err("version 2"),
        ReadError::UnsupportedSchemaVersion { version: 2 }
    );
    // The root offset points past the end.
    let mut bytes = Parts::new().build();
    bytes[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = tflite::read_model(&bytes).expect_err("bad root offset");
    assert!(
        error
            .to_string()
            .starts_with("flatbuffer verification failed: "),
        "{error}"
    );
    assert!(!error.to_string().contains('\n'), "one line: {error}");
}

#[test]
fn buffers_resolve_inline_and_external_data() {
    const TRAILER: &[u8] = b"external weights";
    // The flatbuffer's length does not depend on the offsets' values, so build once to learn
    // where the trailer starts, then again with the real offsets.
    let make = |base: u64| {
        let mut parts = Parts::new();
        parts.buffers.push(buffer(None, None)); // 0: the empty sentinel
        parts.buffers.push(buffer(Some(&[1, 2, 3]), None)); // 1: inline
        parts.buffers.push(buffer(None, Some((base + 9, 7)))); // 2: "weights"
        parts.buffers.push(buffer(None, Some((1, 1)))); // 3: converter placeholder
        parts.buffers.push(buffer(None, Some((0, 0)))); // 4: unset
        parts.buffers.push(buffer(None, Some((base + 9, 8)))); // 5: one byte too long
        parts.buffers.push(buffer(None, Some((u64::MAX, 2)))); // 6: offset overflows
        parts.buffers.push(buffer(Some(&[4]), Some((base, 1)))); // 7: both forms
        parts.buffers.push(buffer(None, Some((base + 3, 0)))); // 8: external but empty
        parts.build()
    };
    let base = make(0).len() as u64;
    let mut file = make(base);
    assert_eq!(file.len() as u64, base);
    file.extend_from_slice(TRAILER);
    let model = tflite::read_model(&file).expect("valid model");
    let bytes = |i: usize| tflite::buffer_bytes(&file, &model.buffer(i).expect("buffer"));
    assert_eq!(bytes(0), Ok(&[][..]));
    assert_eq!(bytes(1), Ok(&[1, 2, 3][..]));
    assert_eq!(bytes(2), Ok(&b"weights"[..]));
    assert_eq!(bytes(3), Ok(&[][..]));
    assert_eq!(bytes(4), Ok(&[][..]));
    assert_eq!(
        bytes(5),
        Err(ReadError::ExternalDataOutOfBounds {
            offset: base + 9,
            size: 8,
            file_len: file.len()
        })
    );
    assert!(matches!(
        bytes(6),
        Err(ReadError::ExternalDataOutOfBounds { .. })
    ));
    assert_eq!(
        bytes(7),
        Err(ReadError::AmbiguousData {
            inline_len: 1,
            offset: base,
            size: 1
        })
    );
    assert_eq!(bytes(8), Ok(&[][..]));
    assert!(model.buffer(9).is_none());
    assert_eq!(
        bytes(5).expect_err("out of bounds").to_string(),
        format!(
            "external data at offset {} with size 8 does not fit in the {}-byte file",
            base + 9,
            file.len()
        )
    );
}

#[test]
fn enums_cover_the_schema() {
    assert_eq!(BuiltinOperator::FULLY_CONNECTED, BuiltinOperator(9));
    assert_eq!(
        BuiltinOperator::FULLY_CONNECTED.name(),
        Some("FULLY_CONNECTED")
    );
    assert_eq!(BuiltinOperator::STABLEHLO_CASE.0, 209);
    assert_eq!(BuiltinOperator(210).name(), None);
    assert_eq!(BuiltinOperator(-1).to_string(), "BuiltinOperator(-1)");
    let ops: Vec<i32> = BuiltinOperator::KNOWN.iter().map(|op| op.0).collect();
    assert_eq!(
        ops,
        (0..=209).collect::<Vec<_>>(),
        "every code from ADD to the newest"
    );
    let types: Vec<i8> = TensorType::KNOWN.iter().map(|t| t.0).collect();
    assert_eq!(types, (0..=22).collect::<Vec<_>>());
    assert_eq!(TensorType::INT8.name(), Some("INT8"));
    let tags: Vec<u8> = BuiltinOptions::KNOWN.iter().map(|t| t.0).collect();
    assert_eq!(tags, (0..=126).collect::<Vec<_>>());
    assert_eq!(BuiltinOptions::FullyConnectedOptions.0, 8);
    assert_eq!(
        BuiltinOptions::RightShiftOptions.name(),
        Some("RightShiftOptions")
    );
    let tags2: Vec<u8> = BuiltinOptions2::KNOWN.iter().map(|t| t.0).collect();
    assert_eq!(tags2, (0..=23).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

/// A deterministic linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn tiny_and_foreign_inputs_are_errors() {
    let mut header = b"\x08\0\0\0TFL3".to_vec();
    for case in [
        &[][..],
        &[0][..],
        &[0, 0, 0][..],
        b"\x08\0\0\0TFL2",
        &header,
        &[0xff; 64],
    ] {
        assert!(!exercise(&format!("{case:?}"), case));
    }
    header.extend_from_slice(&[0; 8]);
    assert!(!exercise("header + zeros", &header));
}

#[test]
fn every_truncation_of_a_real_model_is_handled() {
    let bytes = read_file("tflm/hello_world_float.tflite");
    assert!(exercise("the whole model", &bytes));
    for len in 0..bytes.len() {
        exercise(&format!("the first {len} bytes"), &bytes[..len]);
    }
}

#[test]
fn byte_corruptions_of_real_models_are_handled() {
    let mut rng = Lcg(0x6b69_6c6e);
    for (file, single, multi) in [
        ("tflm/hello_world_float.tflite", 4000, 500),
        ("tflm/simple_add_model.tflite", 1000, 500),
        ("tflm/audio_preprocessor_int8.tflite", 500, 200),
    ] {
        let original = read_file(file);
        let (mut accepted, mut rejected) = (0, 0);
        let mut tally = |ok: bool| if ok { accepted += 1 } else { rejected += 1 };
        for case in 0..single {
            let mut bytes = original.clone();
            let at = rng.below(bytes.len());
            let flip = 1 + rng.below(255) as u8; // never 0, so the byte changes
            bytes[at] ^= flip;
            tally(exercise(
                &format!("{file} with byte {at} ^= {flip:#04x} (case {case})"),
                &bytes,
            ));
        }
        for case in 0..multi {
            let mut bytes = original.clone();
            for _ in 0..8 {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            tally(exercise(
                &format!("{file} with 8 random bytes (case {case})"),
                &bytes,
            ));
        }
        // Both paths must be exercised: corruptions in data are accepted (and walked), those
        // in offsets rejected.
        assert!(
            accepted > 0 && rejected > 0,
            "{file}: {accepted} accepted, {rejected} rejected"
        );
    }
}
