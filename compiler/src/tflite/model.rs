//! The structural tables of the schema: model, subgraphs, tensors, operators, buffers.
//!
//! Field ids follow `schema.fbs` declaration order; a union field takes two ids (its hidden
//! `_type` field first), and deprecated fields keep their id without an accessor.

use flatbuffers::{Follow, Vector};

use super::enums::{BuiltinOperator, CustomOptionsFormat, DimensionType, TensorType};
use super::options::{BuiltinOptions, BuiltinOptions2};

schema_table! {
    /// The root table of a `.tflite` file.
    Model {
        /// Schema version the file was written with; [`read_model`](super::read_model) only
        /// accepts [`SCHEMA_VERSION`](super::SCHEMA_VERSION).
        version @ 0: scalar<u32> = 0,
        /// Operator kinds used by the model; `Operator::opcode_index` indexes this vector.
        operator_codes @ 1: tables<OperatorCode>,
        /// Subgraphs; the first one is the main graph.
        subgraphs @ 2: tables<SubGraph>,
        /// Free-form description (converters write e.g. "MLIR Converted.").
        description @ 3: string,
        /// Constant data; `Tensor::buffer` indexes this vector and entry 0 is the empty sentinel.
        buffers @ 4: tables<Buffer>,
        /// Deprecated metadata list (indices into `buffers`); prefer `metadata`.
        metadata_buffer @ 5: vector<i32>,
        /// Named metadata entries pointing into `buffers`.
        metadata @ 6: tables<Metadata>,
        /// Exported signatures.
        signature_defs @ 7: tables<SignatureDef>,
        /// Groups (files) of external weight buffers.
        external_buffer_groups @ 8: tables<ExternalBufferGroup>,
        /// External weight buffers referenced by `Tensor::external_buffer`.
        external_buffers @ 9: tables<ExternalBuffer>,
    }
}

schema_table! {
    /// One operator kind used by the model: a builtin code or a custom name.
    OperatorCode {
        /// The pre-2020 `byte` code; see [`OperatorCode::effective_builtin_code`].
        deprecated_builtin_code @ 0: scalar<i8> = 0,
        /// Name of a custom operator (set when the code is `CUSTOM`).
        custom_code @ 1: string,
        /// Operator version; bumped whenever an operator gains parameters.
        version @ 2: scalar<i32> = 1,
        /// The extended code; see [`OperatorCode::effective_builtin_code`].
        builtin_code @ 3: scalar<BuiltinOperator> = BuiltinOperator::ADD,
    }
}

schema_table! {
    /// A graph of operators over tensors.
    SubGraph {
        /// All tensors of the subgraph.
        tensors @ 0: tables<Tensor>,
        /// Indices into `tensors` of the graph inputs.
        inputs @ 1: vector<i32>,
        /// Indices into `tensors` of the graph outputs.
        outputs @ 2: vector<i32>,
        /// Operators in execution order.
        operators @ 3: tables<Operator>,
        /// Name, for debugging.
        name @ 4: string,
        /// Index into debug metadata, `-1` when none.
        debug_metadata_index @ 5: scalar<i32> = -1,
    }
}

schema_table! {
    /// A tensor: shape, element type, optional constant data and quantization.
    Tensor {
        /// Dimensions, NHWC for builtin image operators.
        shape @ 0: vector<i32>,
        /// Element type (`type` in the schema).
        type_ @ 1: scalar<TensorType> = TensorType::FLOAT32,
        /// Index into `Model::buffers`; 0 (the empty sentinel) for non-constant tensors.
        buffer @ 2: scalar<u32> = 0,
        /// Name, for debugging.
        name @ 3: string,
        /// Quantization parameters, if quantized.
        quantization @ 4: table<QuantizationParameters>,
        /// Whether the tensor is a variable (state kept across invocations).
        is_variable @ 5: scalar<bool> = false,
        /// Sparse encoding of the constant data, if sparse.
        sparsity @ 6: table<SparsityParameters>,
        /// Shape with `-1` for dimensions unknown at conversion time.
        shape_signature @ 7: vector<i32>,
        /// Tells a scalar (`shape = []`, `has_rank`) from unknown rank (`shape = []`, not).
        has_rank @ 8: scalar<bool> = false,
        /// Nested element types of a `VARIANT` tensor.
        variant_tensors @ 9: tables<VariantSubType>,
        /// 1-based reference into `Model::external_buffers`; 0 means inline (`buffer`).
        external_buffer @ 10: scalar<u32> = 0,
    }
}

schema_table! {
    /// Affine quantization: `real = scale * (q - zero_point)`, per tensor or per channel.
    QuantizationParameters {
        /// Float range minimum, for re-import into TensorFlow.
        min @ 0: vector<f32>,
        /// Float range maximum, for re-import into TensorFlow.
        max @ 1: vector<f32>,
        /// Scales: one, or one per slice along `quantized_dimension`.
        scale @ 2: vector<f32>,
        /// Zero points, matching `scale`.
        zero_point @ 3: vector<i64>,
        /// Tag of `details`; when not `NONE` the affine fields above do not apply.
        details_type @ 4: scalar<QuantizationDetails> = QuantizationDetails::NONE,
        /// Other quantization schemes.
        details @ 5: union<QuantizationDetails>,
        /// Dimension of the tensor that per-channel `scale`/`zero_point` run along.
        quantized_dimension @ 6: scalar<i32> = 0,
    }
}

schema_table! {
    /// Opaque, experimental quantization parameters.
    CustomQuantization {
        /// Raw bytes.
        custom @ 0: vector<u8>,
    }
}

schema_table! {
    /// Blockwise quantization; scales and zero points live in tensors.
    BlockwiseQuantization {
        /// Index of the scale tensor.
        scales @ 0: scalar<i32> = 0,
        /// Index of the zero point tensor, `-1` for all-zero.
        zero_points @ 1: scalar<i32> = 0,
        /// Block size.
        block_size @ 2: scalar<i32> = 0,
    }
}

schema_table! {
    /// Quantization along several dimensions; scales and zero points live in tensors.
    MultiAxisQuantization {
        /// Index of the scale tensor.
        scales @ 0: scalar<i32> = 0,
        /// Index of the zero point tensor, `-1` for all-zero.
        zero_points @ 1: scalar<i32> = 0,
        /// Block size, 0 for per-channel.
        block_size @ 2: scalar<i32> = 0,
        /// The quantized dimensions.
        quantized_dimensions @ 3: vector<i32>,
    }
}

schema_union! {
    /// Tag of the `QuantizationDetails` union.
    QuantizationDetails / QuantizationDetailsValue {
        1 CustomQuantization => CustomQuantization,
        2 BlockwiseQuantization => BlockwiseQuantization,
        3 MultiAxisQuantization => MultiAxisQuantization,
    }
}

union_getters! {
    QuantizationParameters.details @ 5: QuantizationDetails / QuantizationDetailsValue {
        details_as_custom_quantization: CustomQuantization,
        details_as_blockwise_quantization: BlockwiseQuantization,
        details_as_multi_axis_quantization: MultiAxisQuantization,
    }
}

schema_table! {
    /// Sparse index metadata stored as `i32`.
    Int32Vector {
        /// The indices.
        values @ 0: vector<i32>,
    }
}

schema_table! {
    /// Sparse index metadata stored as `u16`.
    Uint16Vector {
        /// The indices.
        values @ 0: vector<u16>,
    }
}

schema_table! {
    /// Sparse index metadata stored as `u8`.
    Uint8Vector {
        /// The indices.
        values @ 0: vector<u8>,
    }
}

schema_union! {
    /// Tag of the `SparseIndexVector` union.
    SparseIndexVector / SparseIndexVectorValue {
        1 Int32Vector => Int32Vector,
        2 Uint16Vector => Uint16Vector,
        3 Uint8Vector => Uint8Vector,
    }
}

schema_table! {
    /// Encoding of one (traversal-order) dimension of a sparse tensor.
    DimensionMetadata {
        /// Dense or CSR.
        format @ 0: scalar<DimensionType> = DimensionType::DENSE,
        /// Size of a dense dimension.
        dense_size @ 1: scalar<i32> = 0,
        /// Tag of `array_segments`.
        array_segments_type @ 2: scalar<SparseIndexVector> = SparseIndexVector::NONE,
        /// CSR row segments of a sparse dimension.
        array_segments @ 3: union<SparseIndexVector>,
        /// Tag of `array_indices`.
        array_indices_type @ 4: scalar<SparseIndexVector> = SparseIndexVector::NONE,
        /// CSR column indices of a sparse dimension.
        array_indices @ 5: union<SparseIndexVector>,
    }
}

union_getters! {
    DimensionMetadata.array_segments @ 3: SparseIndexVector / SparseIndexVectorValue {
        array_segments_as_int32_vector: Int32Vector,
        array_segments_as_uint16_vector: Uint16Vector,
        array_segments_as_uint8_vector: Uint8Vector,
    }
}

union_getters! {
    DimensionMetadata.array_indices @ 5: SparseIndexVector / SparseIndexVectorValue {
        array_indices_as_int32_vector: Int32Vector,
        array_indices_as_uint16_vector: Uint16Vector,
        array_indices_as_uint8_vector: Uint8Vector,
    }
}

schema_table! {
    /// Sparse encoding of a tensor (a variant of the TACO format).
    SparsityParameters {
        /// Traversal order of the dense dimensions, then of the block dimensions.
        traversal_order @ 0: vector<i32>,
        /// For each block dimension, the dense dimension it splits.
        block_map @ 1: vector<i32>,
        /// Encoding of each dimension in traversal order.
        dim_metadata @ 2: tables<DimensionMetadata>,
    }
}

schema_table! {
    /// Element type and shape nested in a `VARIANT` tensor.
    VariantSubType {
        /// Shape.
        shape @ 0: vector<i32>,
        /// Element type (`type` in the schema).
        type_ @ 1: scalar<TensorType> = TensorType::FLOAT32,
        /// Whether the rank is known.
        has_rank @ 2: scalar<bool> = false,
    }
}

schema_table! {
    /// One operator application: an operator code, tensor indices and options.
    Operator {
        /// Index into `Model::operator_codes`.
        opcode_index @ 0: scalar<u32> = 0,
        /// Indices into `SubGraph::tensors`; `-1` marks an omitted optional input.
        inputs @ 1: vector<i32>,
        /// Indices into `SubGraph::tensors`.
        outputs @ 2: vector<i32>,
        /// Tag of `builtin_options`.
        builtin_options_type @ 3: scalar<BuiltinOptions> = BuiltinOptions::NONE,
        /// Parameters of a builtin operator.
        builtin_options @ 4: union<BuiltinOptions>,
        /// Parameters of a custom operator (usually a FlexBuffer).
        custom_options @ 5: vector<u8>,
        /// Encoding of `custom_options`.
        custom_options_format @ 6: scalar<CustomOptionsFormat> = CustomOptionsFormat::FLEXBUFFERS,
        /// Per input, whether the operator mutates it (empty when none does).
        mutating_variable_inputs @ 7: vector<bool>,
        /// Indices of tensors internal to the operator (e.g. LSTM gate outputs).
        intermediates @ 8: vector<i32>,
        /// File offset of custom options stored outside the flatbuffer; used when above 1.
        large_custom_options_offset @ 9: scalar<u64> = 0,
        /// Size of custom options stored outside the flatbuffer.
        large_custom_options_size @ 10: scalar<u64> = 0,
        /// Tag of `builtin_options_2`.
        builtin_options_2_type @ 11: scalar<BuiltinOptions2> = BuiltinOptions2::NONE,
        /// Parameters of operators added after the first options union filled up.
        builtin_options_2 @ 12: union<BuiltinOptions2>,
        /// Index into debug metadata, `-1` when none.
        debug_metadata_index @ 13: scalar<i32> = -1,
    }
}

schema_table! {
    /// Raw constant data, inline or (for models above 2 GB) stored after the flatbuffer.
    ///
    /// Read the bytes with [`buffer_bytes`](super::buffer_bytes), which handles both forms.
    Buffer {
        /// Inline bytes.
        data @ 0: vector<u8>,
        /// File offset of the bytes when stored outside the flatbuffer; only meaningful above 1.
        offset @ 1: scalar<u64> = 0,
        /// Size of the bytes stored outside the flatbuffer.
        size @ 2: scalar<u64> = 0,
    }
}

schema_table! {
    /// A group (file) of external buffers.
    ExternalBufferGroup {
        /// Name or URI of the group.
        name @ 0: string,
    }
}

schema_table! {
    /// A slice of an external file holding constant tensor data.
    ExternalBuffer {
        /// Identifier referenced by `Tensor::external_buffer`.
        id @ 0: scalar<u32> = 0,
        /// Index into `Model::external_buffer_groups`.
        group @ 1: scalar<u32> = 0,
        /// Offset in the external file.
        offset @ 2: scalar<u64> = 0,
        /// Length in bytes.
        length @ 3: scalar<u64> = 0,
        /// Packing of the data.
        packing @ 4: string,
    }
}

schema_table! {
    /// A named metadata entry.
    Metadata {
        /// Name identifying the metadata.
        name @ 0: string,
        /// Index into `Model::buffers`.
        buffer @ 1: scalar<u32> = 0,
    }
}

schema_table! {
    /// An alias for a tensor in a signature.
    TensorMap {
        /// The alias.
        name @ 0: string,
        /// Index into the signature's subgraph tensors.
        tensor_index @ 1: scalar<u32> = 0,
    }
}

schema_table! {
    /// An exported signature (from a SavedModel `SignatureDef`).
    SignatureDef {
        /// Named inputs.
        inputs @ 0: tables<TensorMap>,
        /// Named outputs.
        outputs @ 1: tables<TensorMap>,
        /// Signature key.
        signature_key @ 2: string,
        /// Index of the subgraph the signature runs. (Field 3, `deprecated_tag`, is unused.)
        subgraph_index @ 4: scalar<u32> = 0,
    }
}

/// Element `index` of an optional vector, or `None` when the vector is absent or too short.
///
/// Use this rather than `Vector::get`, which panics on an out-of-range index, whenever the index
/// comes from the file.
pub fn vector_get<'a, T: Follow<'a> + 'a>(
    vector: Option<Vector<'a, T>>,
    index: usize,
) -> Option<T::Inner> {
    let vector = vector?;
    if index < vector.len() {
        Some(vector.get(index))
    } else {
        None
    }
}

impl<'a> Model<'a> {
    /// `operator_codes[index]`, if present.
    pub fn operator_code(&self, index: usize) -> Option<OperatorCode<'a>> {
        vector_get(self.operator_codes(), index)
    }

    /// `subgraphs[index]`, if present.
    pub fn subgraph(&self, index: usize) -> Option<SubGraph<'a>> {
        vector_get(self.subgraphs(), index)
    }

    /// `buffers[index]`, if present.
    pub fn buffer(&self, index: usize) -> Option<Buffer<'a>> {
        vector_get(self.buffers(), index)
    }

    /// The operator code of `op`, if its `opcode_index` is in range.
    pub fn operator_code_of(&self, op: &Operator<'a>) -> Option<OperatorCode<'a>> {
        self.operator_code(usize::try_from(op.opcode_index()).ok()?)
    }
}

impl<'a> SubGraph<'a> {
    /// `tensors[index]`, if present.
    pub fn tensor(&self, index: usize) -> Option<Tensor<'a>> {
        vector_get(self.tensors(), index)
    }

    /// The tensor an operator input/output or graph input/output index refers to; `None` for
    /// `-1` (an omitted optional input) and for out-of-range indices.
    pub fn tensor_at(&self, index: i32) -> Option<Tensor<'a>> {
        self.tensor(usize::try_from(index).ok()?)
    }

    /// `operators[index]`, if present.
    pub fn operator(&self, index: usize) -> Option<Operator<'a>> {
        vector_get(self.operators(), index)
    }
}

impl OperatorCode<'_> {
    /// The operator this code stands for, whichever field the writer used.
    ///
    /// Files written before schema 3a only set `deprecated_builtin_code` (a `byte`); newer
    /// writers set `builtin_code` and put the code, or `PLACEHOLDER_FOR_GREATER_OP_CODES` (127)
    /// for codes above 127, in the old field. TFLite takes the larger of the two, and so do we.
    pub fn effective_builtin_code(&self) -> BuiltinOperator {
        let deprecated = i32::from(self.deprecated_builtin_code());
        BuiltinOperator(deprecated.max(self.builtin_code().0))
    }
}
