//! Parameter tables of builtin operators (the `BuiltinOptions` and `BuiltinOptions2` unions).
//!
//! Every member of both unions has a table here with all of its fields, so an operator's
//! options can be read whatever the operator. Scalars read as the schema default when absent.

use super::enums::{
    ActivationFunctionType, CombinerType, CustomOptionsFormat, FullyConnectedOptionsWeightsFormat,
    LSHProjectionType, LSTMKernelType, MirrorPadMode, Padding, ReduceWindowFunction, RngAlgorithm,
    StablehloComparisonDirection, StablehloComparisonType, StablehloPrecisionConfig, TensorType,
};
use super::model::Operator;

// ---------------------------------------------------------------------------------------------
// Convolutions and pools
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `CONV_2D`.
    Conv2DOptions {
        /// Padding scheme.
        padding @ 0: scalar<Padding> = Padding::SAME,
        /// Horizontal stride.
        stride_w @ 1: scalar<i32> = 0,
        /// Vertical stride.
        stride_h @ 2: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 3: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Horizontal dilation.
        dilation_w_factor @ 4: scalar<i32> = 1,
        /// Vertical dilation.
        dilation_h_factor @ 5: scalar<i32> = 1,
        /// Bias and accumulator type of quantized versions 8+ (`FLOAT32` = unset).
        quantized_bias_type @ 6: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `DEPTHWISE_CONV_2D`.
    DepthwiseConv2DOptions {
        /// Padding scheme.
        padding @ 0: scalar<Padding> = Padding::SAME,
        /// Horizontal stride.
        stride_w @ 1: scalar<i32> = 0,
        /// Vertical stride.
        stride_h @ 2: scalar<i32> = 0,
        /// Output channels per input channel; redundant with the filter shape and ignored by
        /// recent TFLite kernels.
        depth_multiplier @ 3: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 4: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Horizontal dilation.
        dilation_w_factor @ 5: scalar<i32> = 1,
        /// Vertical dilation.
        dilation_h_factor @ 6: scalar<i32> = 1,
    }
}

schema_table! {
    /// Parameters of `TRANSPOSE_CONV`.
    TransposeConvOptions {
        /// Padding scheme.
        padding @ 0: scalar<Padding> = Padding::SAME,
        /// Horizontal stride.
        stride_w @ 1: scalar<i32> = 0,
        /// Vertical stride.
        stride_h @ 2: scalar<i32> = 0,
        /// Fused activation (version 4+).
        fused_activation_function @ 3: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Bias and accumulator type of quantized versions 5+ (`FLOAT32` = unset).
        quantized_bias_type @ 4: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `CONV_3D` and `CONV_3D_TRANSPOSE`.
    Conv3DOptions {
        /// Padding scheme.
        padding @ 0: scalar<Padding> = Padding::SAME,
        /// Depth stride.
        stride_d @ 1: scalar<i32> = 0,
        /// Horizontal stride.
        stride_w @ 2: scalar<i32> = 0,
        /// Vertical stride.
        stride_h @ 3: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 4: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Depth dilation.
        dilation_d_factor @ 5: scalar<i32> = 1,
        /// Horizontal dilation.
        dilation_w_factor @ 6: scalar<i32> = 1,
        /// Vertical dilation.
        dilation_h_factor @ 7: scalar<i32> = 1,
    }
}

schema_table! {
    /// Parameters of `AVERAGE_POOL_2D`, `MAX_POOL_2D` and `L2_POOL_2D`.
    Pool2DOptions {
        /// Padding scheme.
        padding @ 0: scalar<Padding> = Padding::SAME,
        /// Horizontal stride.
        stride_w @ 1: scalar<i32> = 0,
        /// Vertical stride.
        stride_h @ 2: scalar<i32> = 0,
        /// Window width.
        filter_width @ 3: scalar<i32> = 0,
        /// Window height.
        filter_height @ 4: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 5: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
    }
}

// ---------------------------------------------------------------------------------------------
// Dense layers and recurrent cells
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `FULLY_CONNECTED`.
    FullyConnectedOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Weight layout (version 2+).
        weights_format @ 1: scalar<FullyConnectedOptionsWeightsFormat> =
            FullyConnectedOptionsWeightsFormat::DEFAULT,
        /// Keep the input rank in the output instead of flattening to 2-D (version 5+).
        keep_num_dims @ 2: scalar<bool> = false,
        /// Asymmetric input quantization for hybrid (weights-only) kernels (version 7+).
        asymmetric_quantize_inputs @ 3: scalar<bool> = false,
        /// Bias and accumulator type of quantized versions 11+ (`FLOAT32` = unset).
        quantized_bias_type @ 4: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `BATCH_MATMUL`.
    BatchMatMulOptions {
        /// Adjoint (transpose) the left operand.
        adj_x @ 0: scalar<bool> = false,
        /// Adjoint (transpose) the right operand.
        adj_y @ 1: scalar<bool> = false,
        /// Asymmetric input quantization for hybrid kernels (version 4+).
        asymmetric_quantize_inputs @ 2: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `SVDF`.
    SVDFOptions {
        /// Rank of the decomposition.
        rank @ 0: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 1: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Asymmetric input quantization for hybrid kernels.
        asymmetric_quantize_inputs @ 2: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `RNN`.
    RNNOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Asymmetric input quantization for hybrid kernels.
        asymmetric_quantize_inputs @ 1: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `UNIDIRECTIONAL_SEQUENCE_RNN`.
    SequenceRNNOptions {
        /// Time is the first dimension.
        time_major @ 0: scalar<bool> = false,
        /// Fused activation.
        fused_activation_function @ 1: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Asymmetric input quantization for hybrid kernels.
        asymmetric_quantize_inputs @ 2: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `BIDIRECTIONAL_SEQUENCE_RNN`.
    BidirectionalSequenceRNNOptions {
        /// Time is the first dimension.
        time_major @ 0: scalar<bool> = false,
        /// Fused activation.
        fused_activation_function @ 1: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Write both directions into the first output.
        merge_outputs @ 2: scalar<bool> = false,
        /// Asymmetric input quantization for hybrid kernels.
        asymmetric_quantize_inputs @ 3: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `LSTM`.
    LSTMOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Cell state clip, 0 for none.
        cell_clip @ 1: scalar<f32> = 0.0,
        /// Projection clip, 0 for none.
        proj_clip @ 2: scalar<f32> = 0.0,
        /// Kernel variant (version 2+).
        kernel_type @ 3: scalar<LSTMKernelType> = LSTMKernelType::FULL,
        /// Asymmetric input quantization for hybrid kernels (version 4+).
        asymmetric_quantize_inputs @ 4: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `UNIDIRECTIONAL_SEQUENCE_LSTM`.
    UnidirectionalSequenceLSTMOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Cell state clip, 0 for none.
        cell_clip @ 1: scalar<f32> = 0.0,
        /// Projection clip, 0 for none.
        proj_clip @ 2: scalar<f32> = 0.0,
        /// Time is the first dimension (otherwise batch is).
        time_major @ 3: scalar<bool> = false,
        /// Asymmetric input quantization for hybrid kernels (version 3+).
        asymmetric_quantize_inputs @ 4: scalar<bool> = false,
        /// Recurrent weights are diagonal (version 4+).
        diagonal_recurrent_tensors @ 5: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `BIDIRECTIONAL_SEQUENCE_LSTM`.
    BidirectionalSequenceLSTMOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// Cell state clip, 0 for none.
        cell_clip @ 1: scalar<f32> = 0.0,
        /// Projection clip, 0 for none.
        proj_clip @ 2: scalar<f32> = 0.0,
        /// Write both directions into the first output.
        merge_outputs @ 3: scalar<bool> = false,
        /// Time is the first dimension (version 2+; version 1 assumed it).
        time_major @ 4: scalar<bool> = true,
        /// Asymmetric input quantization for hybrid kernels (version 3+).
        asymmetric_quantize_inputs @ 5: scalar<bool> = false,
    }
}

// ---------------------------------------------------------------------------------------------
// Elementwise, activations, normalization
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `ADD`.
    AddOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// int16: scales are powers of two (version 3+); `false` selects the general kernel.
        pot_scale_int16 @ 1: scalar<bool> = true,
    }
}

schema_table! {
    /// Parameters of `SUB`.
    SubOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
        /// int16: scales are powers of two (version 5+); `false` selects the general kernel.
        pot_scale_int16 @ 1: scalar<bool> = true,
    }
}

schema_table! {
    /// Parameters of `MUL`.
    MulOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
    }
}

schema_table! {
    /// Parameters of `DIV`.
    DivOptions {
        /// Fused activation.
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
    }
}

schema_table! {
    /// Parameters of `SOFTMAX`.
    SoftmaxOptions {
        /// Inverse temperature: `softmax(beta * x)`.
        beta @ 0: scalar<f32> = 0.0,
    }
}

schema_table! {
    /// Parameters of `LEAKY_RELU`.
    LeakyReluOptions {
        /// Slope for negative inputs.
        alpha @ 0: scalar<f32> = 0.0,
    }
}

schema_table! {
    /// Parameters of `GELU`.
    GeluOptions {
        /// Use the tanh approximation.
        approximate @ 0: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `L2_NORMALIZATION`.
    L2NormOptions {
        /// Fused activation (ignored by TFLite).
        fused_activation_function @ 0: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
    }
}

schema_table! {
    /// Parameters of `LOCAL_RESPONSE_NORMALIZATION`.
    LocalResponseNormalizationOptions {
        /// Half-width of the window.
        radius @ 0: scalar<i32> = 0,
        /// Additive bias.
        bias @ 1: scalar<f32> = 0.0,
        /// Scale.
        alpha @ 2: scalar<f32> = 0.0,
        /// Exponent.
        beta @ 3: scalar<f32> = 0.0,
    }
}

schema_table! {
    /// Parameters of `FAKE_QUANT`.
    FakeQuantOptions {
        /// Range minimum.
        min @ 0: scalar<f32> = 0.0,
        /// Range maximum.
        max @ 1: scalar<f32> = 0.0,
        /// Bit width.
        num_bits @ 2: scalar<i32> = 0,
        /// Use the narrow range (version 2+).
        narrow_range @ 3: scalar<bool> = false,
    }
}

// ---------------------------------------------------------------------------------------------
// Shape manipulation
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `CONCATENATION`.
    ConcatenationOptions {
        /// Axis to concatenate along (negative counts from the end).
        axis @ 0: scalar<i32> = 0,
        /// Fused activation.
        fused_activation_function @ 1: scalar<ActivationFunctionType> = ActivationFunctionType::NONE,
    }
}

schema_table! {
    /// Parameters of `RESHAPE`; the new shape may instead come from the second input.
    ReshapeOptions {
        /// Target shape.
        new_shape @ 0: vector<i32>,
    }
}

schema_table! {
    /// Parameters of `SQUEEZE`.
    SqueezeOptions {
        /// Dimensions to drop; empty drops every size-1 dimension.
        squeeze_dims @ 0: vector<i32>,
    }
}

schema_table! {
    /// Parameters of `STRIDED_SLICE`.
    StridedSliceOptions {
        /// Bit i set: ignore `begin[i]`, start from the first element.
        begin_mask @ 0: scalar<i32> = 0,
        /// Bit i set: ignore `end[i]`, run to the last element.
        end_mask @ 1: scalar<i32> = 0,
        /// Bit i set: dimension i is an ellipsis.
        ellipsis_mask @ 2: scalar<i32> = 0,
        /// Bit i set: insert a new size-1 dimension.
        new_axis_mask @ 3: scalar<i32> = 0,
        /// Bit i set: drop dimension i from the output.
        shrink_axis_mask @ 4: scalar<i32> = 0,
        /// `end` is an offset from `begin`.
        offset @ 5: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `GATHER`.
    GatherOptions {
        /// Axis to gather along.
        axis @ 0: scalar<i32> = 0,
        /// Number of batch dimensions (version 5+).
        batch_dims @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `SPLIT`.
    SplitOptions {
        /// Number of outputs.
        num_splits @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `SPLIT_V`.
    SplitVOptions {
        /// Number of outputs.
        num_splits @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `PACK`.
    PackOptions {
        /// Number of inputs.
        values_count @ 0: scalar<i32> = 0,
        /// Axis of the new dimension.
        axis @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `UNPACK`.
    UnpackOptions {
        /// Number of outputs.
        num @ 0: scalar<i32> = 0,
        /// Axis to unpack along.
        axis @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `ONE_HOT`.
    OneHotOptions {
        /// Axis of the one-hot dimension.
        axis @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `SPACE_TO_DEPTH`.
    SpaceToDepthOptions {
        /// Block size.
        block_size @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `DEPTH_TO_SPACE`.
    DepthToSpaceOptions {
        /// Block size.
        block_size @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `MIRROR_PAD`.
    MirrorPadOptions {
        /// Border handling.
        mode @ 0: scalar<MirrorPadMode> = MirrorPadMode::REFLECT,
    }
}

schema_table! {
    /// Parameters of `RESIZE_BILINEAR`. (Fields 0 and 1, `new_height`/`new_width`, are
    /// deprecated.)
    ResizeBilinearOptions {
        /// Align corner pixels.
        align_corners @ 2: scalar<bool> = false,
        /// Sample at pixel centers.
        half_pixel_centers @ 3: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `RESIZE_NEAREST_NEIGHBOR`.
    ResizeNearestNeighborOptions {
        /// Align corner pixels.
        align_corners @ 0: scalar<bool> = false,
        /// Sample at pixel centers.
        half_pixel_centers @ 1: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `REVERSE_SEQUENCE`.
    ReverseSequenceOptions {
        /// Dimension that is partially reversed.
        seq_dim @ 0: scalar<i32> = 0,
        /// Dimension along which the reversal lengths are given.
        batch_dim @ 1: scalar<i32> = 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Reductions, casts and type-selecting operators
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of the reductions: `MEAN`, `SUM`, `REDUCE_MAX`, `REDUCE_MIN`, `REDUCE_PROD`,
    /// `REDUCE_ANY`, `REDUCE_ALL`.
    ReducerOptions {
        /// Keep reduced dimensions with size 1.
        keep_dims @ 0: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `CUMSUM`.
    CumsumOptions {
        /// Exclude the current element.
        exclusive @ 0: scalar<bool> = false,
        /// Sum from the end.
        reverse @ 1: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `CAST`.
    CastOptions {
        /// Input element type.
        in_data_type @ 0: scalar<TensorType> = TensorType::FLOAT32,
        /// Output element type.
        out_data_type @ 1: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `ARG_MAX`.
    ArgMaxOptions {
        /// Index type of the output.
        output_type @ 0: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `ARG_MIN`.
    ArgMinOptions {
        /// Index type of the output.
        output_type @ 0: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `SHAPE`.
    ShapeOptions {
        /// Output type (`INT32` or `INT64`).
        out_type @ 0: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `UNIQUE`.
    UniqueOptions {
        /// Index type of the output.
        idx_out_type @ 0: scalar<TensorType> = TensorType::INT32,
    }
}

schema_table! {
    /// Parameters of `SPARSE_TO_DENSE`.
    SparseToDenseOptions {
        /// Check the indices.
        validate_indices @ 0: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `BUCKETIZE`.
    BucketizeOptions {
        /// Bucket boundaries.
        boundaries @ 0: vector<f32>,
    }
}

// ---------------------------------------------------------------------------------------------
// Control flow, variables, hash tables, random numbers
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `CALL`.
    CallOptions {
        /// Subgraph to call.
        subgraph @ 0: scalar<u32> = 0,
    }
}

schema_table! {
    /// Parameters of `IF`.
    IfOptions {
        /// Subgraph run when the condition holds.
        then_subgraph_index @ 0: scalar<i32> = 0,
        /// Subgraph run otherwise.
        else_subgraph_index @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `WHILE`.
    WhileOptions {
        /// Condition subgraph.
        cond_subgraph_index @ 0: scalar<i32> = 0,
        /// Body subgraph.
        body_subgraph_index @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `CALL_ONCE`.
    CallOnceOptions {
        /// Subgraph run on the first invocation only (typically variable initialization).
        init_subgraph_index @ 0: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `VAR_HANDLE`.
    VarHandleOptions {
        /// Container name.
        container @ 0: string,
        /// Variable name shared across subgraphs.
        shared_name @ 1: string,
    }
}

schema_table! {
    /// Parameters of `HASHTABLE`.
    HashtableOptions {
        /// Table identity shared across subgraphs.
        table_id @ 0: scalar<i32> = 0,
        /// Key type.
        key_dtype @ 1: scalar<TensorType> = TensorType::FLOAT32,
        /// Value type.
        value_dtype @ 2: scalar<TensorType> = TensorType::FLOAT32,
    }
}

schema_table! {
    /// Parameters of `RANDOM_STANDARD_NORMAL`, `RANDOM_UNIFORM` and `MULTINOMIAL`.
    RandomOptions {
        /// First seed.
        seed @ 0: scalar<i64> = 0,
        /// Second seed.
        seed2 @ 1: scalar<i64> = 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Legacy and hashing operators
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `CONCAT_EMBEDDINGS`.
    ConcatEmbeddingsOptions {
        /// Number of channels.
        num_channels @ 0: scalar<i32> = 0,
        /// Columns per channel.
        num_columns_per_channel @ 1: vector<i32>,
        /// Embedding size per channel.
        embedding_dim_per_channel @ 2: vector<i32>,
    }
}

schema_table! {
    /// Parameters of `LSH_PROJECTION`.
    LSHProjectionOptions {
        /// Projection type (`type` in the schema).
        type_ @ 0: scalar<LSHProjectionType> = LSHProjectionType::UNKNOWN,
    }
}

schema_table! {
    /// Parameters of `SKIP_GRAM`.
    SkipGramOptions {
        /// N-gram size.
        ngram_size @ 0: scalar<i32> = 0,
        /// Maximum skip.
        max_skip_size @ 1: scalar<i32> = 0,
        /// Also emit shorter n-grams.
        include_all_ngrams @ 2: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `EMBEDDING_LOOKUP_SPARSE`.
    EmbeddingLookupSparseOptions {
        /// How looked-up rows are combined.
        combiner @ 0: scalar<CombinerType> = CombinerType::SUM,
    }
}

// ---------------------------------------------------------------------------------------------
// Operators without parameters
// ---------------------------------------------------------------------------------------------

/// Declares parameterless option tables.
macro_rules! empty_options {
    ($($name:ident => $op:literal),* $(,)?) => {
        $(
            schema_table! {
                #[doc = concat!("Parameters of ", $op, " (none).")]
                $name {}
            }
        )*
    };
}

empty_options! {
    PadOptions => "`PAD`",
    PadV2Options => "`PADV2`",
    TransposeOptions => "`TRANSPOSE`",
    ExpandDimsOptions => "`EXPAND_DIMS`",
    QuantizeOptions => "`QUANTIZE`",
    DequantizeOptions => "`DEQUANTIZE`",
    HardSwishOptions => "`HARD_SWISH`",
    BatchToSpaceNDOptions => "`BATCH_TO_SPACE_ND`",
    SpaceToBatchNDOptions => "`SPACE_TO_BATCH_ND`",
    ExpOptions => "`EXP`",
    CosOptions => "`COS`",
    TopKV2Options => "`TOPK_V2`",
    LogSoftmaxOptions => "`LOG_SOFTMAX`",
    MaximumMinimumOptions => "`MAXIMUM` and `MINIMUM`",
    TileOptions => "`TILE`",
    LessOptions => "`LESS`",
    LessEqualOptions => "`LESS_EQUAL`",
    GreaterOptions => "`GREATER`",
    GreaterEqualOptions => "`GREATER_EQUAL`",
    EqualOptions => "`EQUAL`",
    NotEqualOptions => "`NOT_EQUAL`",
    NegOptions => "`NEG`",
    SelectOptions => "`SELECT`",
    SelectV2Options => "`SELECT_V2`",
    SliceOptions => "`SLICE`",
    PowOptions => "`POW`",
    RankOptions => "`RANK`",
    LogicalOrOptions => "`LOGICAL_OR`",
    LogicalAndOptions => "`LOGICAL_AND`",
    LogicalNotOptions => "`LOGICAL_NOT`",
    FloorDivOptions => "`FLOOR_DIV`",
    FloorModOptions => "`FLOOR_MOD`",
    SquareOptions => "`SQUARE`",
    SquaredDifferenceOptions => "`SQUARED_DIFFERENCE`",
    ZerosLikeOptions => "`ZEROS_LIKE`",
    FillOptions => "`FILL`",
    RangeOptions => "`RANGE`",
    AbsOptions => "`ABS`",
    ReverseV2Options => "`REVERSE_V2`",
    AddNOptions => "`ADD_N`",
    GatherNdOptions => "`GATHER_ND`",
    WhereOptions => "`WHERE`",
    MatrixDiagOptions => "`MATRIX_DIAG`",
    MatrixSetDiagOptions => "`MATRIX_SET_DIAG`",
    NonMaxSuppressionV4Options => "`NON_MAX_SUPPRESSION_V4`",
    NonMaxSuppressionV5Options => "`NON_MAX_SUPPRESSION_V5`",
    ScatterNdOptions => "`SCATTER_ND`",
    DensifyOptions => "`DENSIFY`",
    SegmentSumOptions => "`SEGMENT_SUM`",
    BroadcastToOptions => "`BROADCAST_TO`",
    Rfft2dOptions => "`RFFT2D`",
    HashtableFindOptions => "`HASHTABLE_FIND`",
    HashtableImportOptions => "`HASHTABLE_IMPORT`",
    HashtableSizeOptions => "`HASHTABLE_SIZE`",
    ReadVariableOptions => "`READ_VARIABLE`",
    AssignVariableOptions => "`ASSIGN_VARIABLE`",
    DynamicUpdateSliceOptions => "`DYNAMIC_UPDATE_SLICE`",
    UnsortedSegmentProdOptions => "`UNSORTED_SEGMENT_PROD`",
    UnsortedSegmentMaxOptions => "`UNSORTED_SEGMENT_MAX`",
    UnsortedSegmentMinOptions => "`UNSORTED_SEGMENT_MIN`",
    UnsortedSegmentSumOptions => "`UNSORTED_SEGMENT_SUM`",
    ATan2Options => "`ATAN2`",
    SignOptions => "`SIGN`",
    BitcastOptions => "`BITCAST`",
    BitwiseXorOptions => "`BITWISE_XOR`",
    RightShiftOptions => "`RIGHT_SHIFT`",
    DilateOptions => "`DILATE`",
    StablehloShiftLeftOptions => "`STABLEHLO_SHIFT_LEFT`",
}

// ---------------------------------------------------------------------------------------------
// StableHLO operators (`BuiltinOptions2`); TFLite has no runtime support for most of them
// ---------------------------------------------------------------------------------------------

schema_table! {
    /// Parameters of `STABLEHLO_CONCATENATE`.
    StablehloConcatenateOptions {
        /// Concatenation dimension.
        dimension @ 0: scalar<i64> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_BROADCAST_IN_DIM`.
    StablehloBroadcastInDimOptions {
        /// Output dimension of each operand dimension.
        broadcast_dimensions @ 0: vector<i64>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_SLICE`.
    StablehloSliceOptions {
        /// Start per dimension.
        start_indices @ 0: vector<i64>,
        /// Exclusive end per dimension.
        limit_indices @ 1: vector<i64>,
        /// Stride per dimension.
        strides @ 2: vector<i64>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_CONVOLUTION`.
    StablehloConvolutionOptions {
        /// Window strides.
        window_strides @ 0: vector<i64>,
        /// Padding, low/high per spatial dimension.
        padding @ 1: vector<i64>,
        /// Input dilation.
        lhs_dilation @ 2: vector<i64>,
        /// Kernel dilation.
        rhs_dilation @ 3: vector<i64>,
        /// Window reversal per spatial dimension.
        window_reversal @ 4: vector<bool>,
        /// Input batch dimension.
        input_batch_dimension @ 5: scalar<i64> = 0,
        /// Input feature dimension.
        input_feature_dimension @ 6: scalar<i64> = 0,
        /// Input spatial dimensions.
        input_spatial_dimensions @ 7: vector<i64>,
        /// Kernel input feature dimension.
        kernel_input_feature_dimension @ 8: scalar<i64> = 0,
        /// Kernel output feature dimension.
        kernel_output_feature_dimension @ 9: scalar<i64> = 0,
        /// Kernel spatial dimensions.
        kernel_spatial_dimensions @ 10: vector<i64>,
        /// Output batch dimension.
        output_batch_dimension @ 11: scalar<i64> = 0,
        /// Output feature dimension.
        output_feature_dimension @ 12: scalar<i64> = 0,
        /// Output spatial dimensions.
        output_spatial_dimensions @ 13: vector<i64>,
        /// Feature groups.
        feature_group_count @ 14: scalar<i64> = 0,
        /// Batch groups.
        batch_group_count @ 15: scalar<i64> = 0,
        /// Precision per operand.
        precision_config @ 16: vector<StablehloPrecisionConfig>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_CUSTOM_CALL`.
    StablehloCustomCallOptions {
        /// Target name.
        call_target_name @ 0: string,
        /// Whether the call has side effects.
        has_side_effect @ 1: scalar<bool> = false,
        /// Backend configuration.
        backend_config @ 2: string,
        /// API version.
        api_version @ 3: scalar<i32> = 0,
        /// Subgraphs of called computations.
        called_computations @ 4: vector<i32>,
        /// Custom attributes.
        custom_attributes @ 5: vector<u8>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_REDUCE`.
    StablehloReduceOptions {
        /// Reduced dimensions.
        dimensions @ 0: vector<i64>,
        /// Reduction body subgraph.
        body_subgraph_index @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_SCATTER`.
    StablehloScatterOptions {
        /// Indices are sorted.
        indices_are_sorted @ 0: scalar<bool> = false,
        /// Update window dimensions.
        update_window_dims @ 1: vector<i64>,
        /// Inserted window dimensions.
        inserted_window_dims @ 2: vector<i64>,
        /// Scatter to operand dimension map.
        scatter_dims_to_operand_dims @ 3: vector<i64>,
        /// Index vector dimension.
        index_vector_dim @ 4: scalar<i64> = 0,
        /// Indices are unique.
        unique_indices @ 5: scalar<bool> = false,
        /// Update computation subgraph.
        update_computation_subgraph_index @ 6: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_COMPARE`.
    StablehloCompareOptions {
        /// Comparison.
        comparison_direction @ 0: scalar<StablehloComparisonDirection> =
            StablehloComparisonDirection::STABLEHLO_COMPARISON_DIRECTION_EQ,
        /// Operand interpretation.
        compare_type @ 1: scalar<StablehloComparisonType> =
            StablehloComparisonType::STABLEHLO_COMPARISON_TYPE_NOTYPE,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_DYNAMIC_SLICE`.
    StablehloDynamicSliceOptions {
        /// Slice size per dimension.
        slice_sizes @ 0: vector<i64>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_PAD`.
    StablehloPadOptions {
        /// Low padding per dimension.
        edge_padding_low @ 0: vector<i64>,
        /// High padding per dimension.
        edge_padding_high @ 1: vector<i64>,
        /// Interior padding per dimension.
        interior_padding @ 2: vector<i64>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_IOTA`.
    StablehloIotaOptions {
        /// Counting dimension.
        iota_dimension @ 0: scalar<i64> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_DOT_GENERAL`.
    StablehloDotGeneralOptions {
        /// Left batch dimensions.
        lhs_batching_dimensions @ 0: vector<i64>,
        /// Right batch dimensions.
        rhs_batching_dimensions @ 1: vector<i64>,
        /// Left contracting dimensions.
        lhs_contracting_dimensions @ 2: vector<i64>,
        /// Right contracting dimensions.
        rhs_contracting_dimensions @ 3: vector<i64>,
        /// Precision per operand.
        precision_config @ 4: vector<StablehloPrecisionConfig>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_REDUCE_WINDOW`.
    StablehloReduceWindowOptions {
        /// Window size per dimension.
        window_dimensions @ 0: vector<i64>,
        /// Window stride per dimension.
        window_strides @ 1: vector<i64>,
        /// Input dilation.
        base_dilations @ 2: vector<i64>,
        /// Window dilation.
        window_dilations @ 3: vector<i64>,
        /// Padding, low/high per dimension.
        padding @ 4: vector<i64>,
        /// Reduction body subgraph.
        body_subgraph_index @ 5: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_SORT`.
    StablehloSortOptions {
        /// Sort dimension.
        dimension @ 0: scalar<i64> = 0,
        /// Stable sort.
        is_stable @ 1: scalar<bool> = false,
        /// Comparator subgraph.
        comparator_subgraph_index @ 2: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_WHILE`.
    StablehloWhileOptions {
        /// Condition subgraph.
        cond_subgraph_index @ 0: scalar<i32> = 0,
        /// Body subgraph.
        body_subgraph_index @ 1: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_GATHER`.
    StablehloGatherOptions {
        /// Offset dimensions.
        offset_dims @ 0: vector<i64>,
        /// Collapsed slice dimensions.
        collapsed_slice_dims @ 1: vector<i64>,
        /// Start index map.
        start_index_map @ 2: vector<i64>,
        /// Index vector dimension.
        index_vector_dim @ 3: scalar<i64> = 0,
        /// Slice sizes.
        slice_sizes @ 4: vector<i64>,
        /// Indices are sorted.
        indices_are_sorted @ 5: scalar<bool> = false,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_TRANSPOSE`.
    StablehloTransposeOptions {
        /// Permutation.
        permutation @ 0: vector<i64>,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_RNG_BIT_GENERATOR`.
    StablehloRngBitGeneratorOptions {
        /// Generator.
        algorithm @ 0: scalar<RngAlgorithm> = RngAlgorithm::DEFAULT,
    }
}

schema_table! {
    /// Parameters of the deprecated `REDUCE_WINDOW`.
    ReduceWindowOptions {
        /// Reduction.
        reduce_function @ 0: scalar<ReduceWindowFunction> = ReduceWindowFunction::UNSUPPORTED,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_COMPOSITE`.
    StableHLOCompositeOptions {
        /// Composite name.
        name @ 0: string,
        /// Decomposition subgraph.
        decomposition_subgraph_index @ 1: scalar<i32> = 0,
        /// Encoded attributes.
        composite_attributes @ 2: vector<u8>,
        /// Encoding of `composite_attributes`.
        composite_attributes_format @ 3: scalar<CustomOptionsFormat> = CustomOptionsFormat::FLEXBUFFERS,
        /// Composite version.
        version @ 4: scalar<i32> = 0,
    }
}

schema_table! {
    /// Parameters of `STABLEHLO_CASE`.
    StablehloCaseOptions {
        /// Subgraph of each branch.
        branch_subgraph_indices @ 0: vector<i32>,
    }
}

// ---------------------------------------------------------------------------------------------
// The unions and their accessors on `Operator`
// ---------------------------------------------------------------------------------------------

schema_union! {
    /// Tag of the `BuiltinOptions` union: which options table an operator carries. The schema
    /// froze this union at 126 members; newer operators use [`BuiltinOptions2`].
    BuiltinOptions / BuiltinOptionsValue {
        1 Conv2DOptions => Conv2DOptions,
        2 DepthwiseConv2DOptions => DepthwiseConv2DOptions,
        3 ConcatEmbeddingsOptions => ConcatEmbeddingsOptions,
        4 LSHProjectionOptions => LSHProjectionOptions,
        5 Pool2DOptions => Pool2DOptions,
        6 SVDFOptions => SVDFOptions,
        7 RNNOptions => RNNOptions,
        8 FullyConnectedOptions => FullyConnectedOptions,
        9 SoftmaxOptions => SoftmaxOptions,
        10 ConcatenationOptions => ConcatenationOptions,
        11 AddOptions => AddOptions,
        12 L2NormOptions => L2NormOptions,
        13 LocalResponseNormalizationOptions => LocalResponseNormalizationOptions,
        14 LSTMOptions => LSTMOptions,
        15 ResizeBilinearOptions => ResizeBilinearOptions,
        16 CallOptions => CallOptions,
        17 ReshapeOptions => ReshapeOptions,
        18 SkipGramOptions => SkipGramOptions,
        19 SpaceToDepthOptions => SpaceToDepthOptions,
        20 EmbeddingLookupSparseOptions => EmbeddingLookupSparseOptions,
        21 MulOptions => MulOptions,
        22 PadOptions => PadOptions,
        23 GatherOptions => GatherOptions,
        24 BatchToSpaceNDOptions => BatchToSpaceNDOptions,
        25 SpaceToBatchNDOptions => SpaceToBatchNDOptions,
        26 TransposeOptions => TransposeOptions,
        27 ReducerOptions => ReducerOptions,
        28 SubOptions => SubOptions,
        29 DivOptions => DivOptions,
        30 SqueezeOptions => SqueezeOptions,
        31 SequenceRNNOptions => SequenceRNNOptions,
        32 StridedSliceOptions => StridedSliceOptions,
        33 ExpOptions => ExpOptions,
        34 TopKV2Options => TopKV2Options,
        35 SplitOptions => SplitOptions,
        36 LogSoftmaxOptions => LogSoftmaxOptions,
        37 CastOptions => CastOptions,
        38 DequantizeOptions => DequantizeOptions,
        39 MaximumMinimumOptions => MaximumMinimumOptions,
        40 ArgMaxOptions => ArgMaxOptions,
        41 LessOptions => LessOptions,
        42 NegOptions => NegOptions,
        43 PadV2Options => PadV2Options,
        44 GreaterOptions => GreaterOptions,
        45 GreaterEqualOptions => GreaterEqualOptions,
        46 LessEqualOptions => LessEqualOptions,
        47 SelectOptions => SelectOptions,
        48 SliceOptions => SliceOptions,
        49 TransposeConvOptions => TransposeConvOptions,
        50 SparseToDenseOptions => SparseToDenseOptions,
        51 TileOptions => TileOptions,
        52 ExpandDimsOptions => ExpandDimsOptions,
        53 EqualOptions => EqualOptions,
        54 NotEqualOptions => NotEqualOptions,
        55 ShapeOptions => ShapeOptions,
        56 PowOptions => PowOptions,
        57 ArgMinOptions => ArgMinOptions,
        58 FakeQuantOptions => FakeQuantOptions,
        59 PackOptions => PackOptions,
        60 LogicalOrOptions => LogicalOrOptions,
        61 OneHotOptions => OneHotOptions,
        62 LogicalAndOptions => LogicalAndOptions,
        63 LogicalNotOptions => LogicalNotOptions,
        64 UnpackOptions => UnpackOptions,
        65 FloorDivOptions => FloorDivOptions,
        66 SquareOptions => SquareOptions,
        67 ZerosLikeOptions => ZerosLikeOptions,
        68 FillOptions => FillOptions,
        69 BidirectionalSequenceLSTMOptions => BidirectionalSequenceLSTMOptions,
        70 BidirectionalSequenceRNNOptions => BidirectionalSequenceRNNOptions,
        71 UnidirectionalSequenceLSTMOptions => UnidirectionalSequenceLSTMOptions,
        72 FloorModOptions => FloorModOptions,
        73 RangeOptions => RangeOptions,
        74 ResizeNearestNeighborOptions => ResizeNearestNeighborOptions,
        75 LeakyReluOptions => LeakyReluOptions,
        76 SquaredDifferenceOptions => SquaredDifferenceOptions,
        77 MirrorPadOptions => MirrorPadOptions,
        78 AbsOptions => AbsOptions,
        79 SplitVOptions => SplitVOptions,
        80 UniqueOptions => UniqueOptions,
        81 ReverseV2Options => ReverseV2Options,
        82 AddNOptions => AddNOptions,
        83 GatherNdOptions => GatherNdOptions,
        84 CosOptions => CosOptions,
        85 WhereOptions => WhereOptions,
        86 RankOptions => RankOptions,
        87 ReverseSequenceOptions => ReverseSequenceOptions,
        88 MatrixDiagOptions => MatrixDiagOptions,
        89 QuantizeOptions => QuantizeOptions,
        90 MatrixSetDiagOptions => MatrixSetDiagOptions,
        91 HardSwishOptions => HardSwishOptions,
        92 IfOptions => IfOptions,
        93 WhileOptions => WhileOptions,
        94 DepthToSpaceOptions => DepthToSpaceOptions,
        95 NonMaxSuppressionV4Options => NonMaxSuppressionV4Options,
        96 NonMaxSuppressionV5Options => NonMaxSuppressionV5Options,
        97 ScatterNdOptions => ScatterNdOptions,
        98 SelectV2Options => SelectV2Options,
        99 DensifyOptions => DensifyOptions,
        100 SegmentSumOptions => SegmentSumOptions,
        101 BatchMatMulOptions => BatchMatMulOptions,
        102 CumsumOptions => CumsumOptions,
        103 CallOnceOptions => CallOnceOptions,
        104 BroadcastToOptions => BroadcastToOptions,
        105 Rfft2dOptions => Rfft2dOptions,
        106 Conv3DOptions => Conv3DOptions,
        107 HashtableOptions => HashtableOptions,
        108 HashtableFindOptions => HashtableFindOptions,
        109 HashtableImportOptions => HashtableImportOptions,
        110 HashtableSizeOptions => HashtableSizeOptions,
        111 VarHandleOptions => VarHandleOptions,
        112 ReadVariableOptions => ReadVariableOptions,
        113 AssignVariableOptions => AssignVariableOptions,
        114 RandomOptions => RandomOptions,
        115 BucketizeOptions => BucketizeOptions,
        116 GeluOptions => GeluOptions,
        117 DynamicUpdateSliceOptions => DynamicUpdateSliceOptions,
        118 UnsortedSegmentProdOptions => UnsortedSegmentProdOptions,
        119 UnsortedSegmentMaxOptions => UnsortedSegmentMaxOptions,
        120 UnsortedSegmentMinOptions => UnsortedSegmentMinOptions,
        121 UnsortedSegmentSumOptions => UnsortedSegmentSumOptions,
        122 ATan2Options => ATan2Options,
        123 SignOptions => SignOptions,
        124 BitcastOptions => BitcastOptions,
        125 BitwiseXorOptions => BitwiseXorOptions,
        126 RightShiftOptions => RightShiftOptions,
    }
}

schema_union! {
    /// Tag of the `BuiltinOptions2` union (options of operators added after `BuiltinOptions`
    /// was frozen, so far StableHLO ones).
    BuiltinOptions2 / BuiltinOptions2Value {
        1 StablehloConcatenateOptions => StablehloConcatenateOptions,
        2 StablehloBroadcastInDimOptions => StablehloBroadcastInDimOptions,
        3 StablehloSliceOptions => StablehloSliceOptions,
        4 StablehloConvolutionOptions => StablehloConvolutionOptions,
        5 StablehloCustomCallOptions => StablehloCustomCallOptions,
        6 StablehloReduceOptions => StablehloReduceOptions,
        7 StablehloScatterOptions => StablehloScatterOptions,
        8 StablehloCompareOptions => StablehloCompareOptions,
        9 StablehloDynamicSliceOptions => StablehloDynamicSliceOptions,
        10 StablehloPadOptions => StablehloPadOptions,
        11 StablehloIotaOptions => StablehloIotaOptions,
        12 StablehloDotGeneralOptions => StablehloDotGeneralOptions,
        13 StablehloReduceWindowOptions => StablehloReduceWindowOptions,
        14 StablehloSortOptions => StablehloSortOptions,
        15 StablehloWhileOptions => StablehloWhileOptions,
        16 StablehloGatherOptions => StablehloGatherOptions,
        17 StablehloTransposeOptions => StablehloTransposeOptions,
        18 DilateOptions => DilateOptions,
        19 StablehloRngBitGeneratorOptions => StablehloRngBitGeneratorOptions,
        20 ReduceWindowOptions => ReduceWindowOptions,
        21 StableHLOCompositeOptions => StableHLOCompositeOptions,
        22 StablehloShiftLeftOptions => StablehloShiftLeftOptions,
        23 StablehloCaseOptions => StablehloCaseOptions,
    }
}

union_getters! {
    Operator.builtin_options @ 4: BuiltinOptions / BuiltinOptionsValue {
        builtin_options_as_conv2d_options: Conv2DOptions,
        builtin_options_as_depthwise_conv2d_options: DepthwiseConv2DOptions,
        builtin_options_as_concat_embeddings_options: ConcatEmbeddingsOptions,
        builtin_options_as_lsh_projection_options: LSHProjectionOptions,
        builtin_options_as_pool2d_options: Pool2DOptions,
        builtin_options_as_svdf_options: SVDFOptions,
        builtin_options_as_rnn_options: RNNOptions,
        builtin_options_as_fully_connected_options: FullyConnectedOptions,
        builtin_options_as_softmax_options: SoftmaxOptions,
        builtin_options_as_concatenation_options: ConcatenationOptions,
        builtin_options_as_add_options: AddOptions,
        builtin_options_as_l2_norm_options: L2NormOptions,
        builtin_options_as_local_response_normalization_options: LocalResponseNormalizationOptions,
        builtin_options_as_lstm_options: LSTMOptions,
        builtin_options_as_resize_bilinear_options: ResizeBilinearOptions,
        builtin_options_as_call_options: CallOptions,
        builtin_options_as_reshape_options: ReshapeOptions,
        builtin_options_as_skip_gram_options: SkipGramOptions,
        builtin_options_as_space_to_depth_options: SpaceToDepthOptions,
        builtin_options_as_embedding_lookup_sparse_options: EmbeddingLookupSparseOptions,
        builtin_options_as_mul_options: MulOptions,
        builtin_options_as_pad_options: PadOptions,
        builtin_options_as_gather_options: GatherOptions,
        builtin_options_as_batch_to_space_nd_options: BatchToSpaceNDOptions,
        builtin_options_as_space_to_batch_nd_options: SpaceToBatchNDOptions,
        builtin_options_as_transpose_options: TransposeOptions,
        builtin_options_as_reducer_options: ReducerOptions,
        builtin_options_as_sub_options: SubOptions,
        builtin_options_as_div_options: DivOptions,
        builtin_options_as_squeeze_options: SqueezeOptions,
        builtin_options_as_sequence_rnn_options: SequenceRNNOptions,
        builtin_options_as_strided_slice_options: StridedSliceOptions,
        builtin_options_as_exp_options: ExpOptions,
        builtin_options_as_top_kv2_options: TopKV2Options,
        builtin_options_as_split_options: SplitOptions,
        builtin_options_as_log_softmax_options: LogSoftmaxOptions,
        builtin_options_as_cast_options: CastOptions,
        builtin_options_as_dequantize_options: DequantizeOptions,
        builtin_options_as_maximum_minimum_options: MaximumMinimumOptions,
        builtin_options_as_arg_max_options: ArgMaxOptions,
        builtin_options_as_less_options: LessOptions,
        builtin_options_as_neg_options: NegOptions,
        builtin_options_as_pad_v2_options: PadV2Options,
        builtin_options_as_greater_options: GreaterOptions,
        builtin_options_as_greater_equal_options: GreaterEqualOptions,
        builtin_options_as_less_equal_options: LessEqualOptions,
        builtin_options_as_select_options: SelectOptions,
        builtin_options_as_slice_options: SliceOptions,
        builtin_options_as_transpose_conv_options: TransposeConvOptions,
        builtin_options_as_sparse_to_dense_options: SparseToDenseOptions,
        builtin_options_as_tile_options: TileOptions,
        builtin_options_as_expand_dims_options: ExpandDimsOptions,
        builtin_options_as_equal_options: EqualOptions,
        builtin_options_as_not_equal_options: NotEqualOptions,
        builtin_options_as_shape_options: ShapeOptions,
        builtin_options_as_pow_options: PowOptions,
        builtin_options_as_arg_min_options: ArgMinOptions,
        builtin_options_as_fake_quant_options: FakeQuantOptions,
        builtin_options_as_pack_options: PackOptions,
        builtin_options_as_logical_or_options: LogicalOrOptions,
        builtin_options_as_one_hot_options: OneHotOptions,
        builtin_options_as_logical_and_options: LogicalAndOptions,
        builtin_options_as_logical_not_options: LogicalNotOptions,
        builtin_options_as_unpack_options: UnpackOptions,
        builtin_options_as_floor_div_options: FloorDivOptions,
        builtin_options_as_square_options: SquareOptions,
        builtin_options_as_zeros_like_options: ZerosLikeOptions,
        builtin_options_as_fill_options: FillOptions,
        builtin_options_as_bidirectional_sequence_lstm_options: BidirectionalSequenceLSTMOptions,
        builtin_options_as_bidirectional_sequence_rnn_options: BidirectionalSequenceRNNOptions,
        builtin_options_as_unidirectional_sequence_lstm_options: UnidirectionalSequenceLSTMOptions,
        builtin_options_as_floor_mod_options: FloorModOptions,
        builtin_options_as_range_options: RangeOptions,
        builtin_options_as_resize_nearest_neighbor_options: ResizeNearestNeighborOptions,
        builtin_options_as_leaky_relu_options: LeakyReluOptions,
        builtin_options_as_squared_difference_options: SquaredDifferenceOptions,
        builtin_options_as_mirror_pad_options: MirrorPadOptions,
        builtin_options_as_abs_options: AbsOptions,
        builtin_options_as_split_v_options: SplitVOptions,
        builtin_options_as_unique_options: UniqueOptions,
        builtin_options_as_reverse_v2_options: ReverseV2Options,
        builtin_options_as_add_n_options: AddNOptions,
        builtin_options_as_gather_nd_options: GatherNdOptions,
        builtin_options_as_cos_options: CosOptions,
        builtin_options_as_where_options: WhereOptions,
        builtin_options_as_rank_options: RankOptions,
        builtin_options_as_reverse_sequence_options: ReverseSequenceOptions,
        builtin_options_as_matrix_diag_options: MatrixDiagOptions,
        builtin_options_as_quantize_options: QuantizeOptions,
        builtin_options_as_matrix_set_diag_options: MatrixSetDiagOptions,
        builtin_options_as_hard_swish_options: HardSwishOptions,
        builtin_options_as_if_options: IfOptions,
        builtin_options_as_while_options: WhileOptions,
        builtin_options_as_depth_to_space_options: DepthToSpaceOptions,
        builtin_options_as_non_max_suppression_v4_options: NonMaxSuppressionV4Options,
        builtin_options_as_non_max_suppression_v5_options: NonMaxSuppressionV5Options,
        builtin_options_as_scatter_nd_options: ScatterNdOptions,
        builtin_options_as_select_v2_options: SelectV2Options,
        builtin_options_as_densify_options: DensifyOptions,
        builtin_options_as_segment_sum_options: SegmentSumOptions,
        builtin_options_as_batch_mat_mul_options: BatchMatMulOptions,
        builtin_options_as_cumsum_options: CumsumOptions,
        builtin_options_as_call_once_options: CallOnceOptions,
        builtin_options_as_broadcast_to_options: BroadcastToOptions,
        builtin_options_as_rfft2d_options: Rfft2dOptions,
        builtin_options_as_conv3d_options: Conv3DOptions,
        builtin_options_as_hashtable_options: HashtableOptions,
        builtin_options_as_hashtable_find_options: HashtableFindOptions,
        builtin_options_as_hashtable_import_options: HashtableImportOptions,
        builtin_options_as_hashtable_size_options: HashtableSizeOptions,
        builtin_options_as_var_handle_options: VarHandleOptions,
        builtin_options_as_read_variable_options: ReadVariableOptions,
        builtin_options_as_assign_variable_options: AssignVariableOptions,
        builtin_options_as_random_options: RandomOptions,
        builtin_options_as_bucketize_options: BucketizeOptions,
        builtin_options_as_gelu_options: GeluOptions,
        builtin_options_as_dynamic_update_slice_options: DynamicUpdateSliceOptions,
        builtin_options_as_unsorted_segment_prod_options: UnsortedSegmentProdOptions,
        builtin_options_as_unsorted_segment_max_options: UnsortedSegmentMaxOptions,
        builtin_options_as_unsorted_segment_min_options: UnsortedSegmentMinOptions,
        builtin_options_as_unsorted_segment_sum_options: UnsortedSegmentSumOptions,
        builtin_options_as_atan2_options: ATan2Options,
        builtin_options_as_sign_options: SignOptions,
        builtin_options_as_bitcast_options: BitcastOptions,
        builtin_options_as_bitwise_xor_options: BitwiseXorOptions,
        builtin_options_as_right_shift_options: RightShiftOptions,
    }
}

union_getters! {
    Operator.builtin_options_2 @ 12: BuiltinOptions2 / BuiltinOptions2Value {
        builtin_options_2_as_stablehlo_concatenate_options: StablehloConcatenateOptions,
        builtin_options_2_as_stablehlo_broadcast_in_dim_options: StablehloBroadcastInDimOptions,
        builtin_options_2_as_stablehlo_slice_options: StablehloSliceOptions,
        builtin_options_2_as_stablehlo_convolution_options: StablehloConvolutionOptions,
        builtin_options_2_as_stablehlo_custom_call_options: StablehloCustomCallOptions,
        builtin_options_2_as_stablehlo_reduce_options: StablehloReduceOptions,
        builtin_options_2_as_stablehlo_scatter_options: StablehloScatterOptions,
        builtin_options_2_as_stablehlo_compare_options: StablehloCompareOptions,
        builtin_options_2_as_stablehlo_dynamic_slice_options: StablehloDynamicSliceOptions,
        builtin_options_2_as_stablehlo_pad_options: StablehloPadOptions,
        builtin_options_2_as_stablehlo_iota_options: StablehloIotaOptions,
        builtin_options_2_as_stablehlo_dot_general_options: StablehloDotGeneralOptions,
        builtin_options_2_as_stablehlo_reduce_window_options: StablehloReduceWindowOptions,
        builtin_options_2_as_stablehlo_sort_options: StablehloSortOptions,
        builtin_options_2_as_stablehlo_while_options: StablehloWhileOptions,
        builtin_options_2_as_stablehlo_gather_options: StablehloGatherOptions,
        builtin_options_2_as_stablehlo_transpose_options: StablehloTransposeOptions,
        builtin_options_2_as_dilate_options: DilateOptions,
        builtin_options_2_as_stablehlo_rng_bit_generator_options: StablehloRngBitGeneratorOptions,
        builtin_options_2_as_reduce_window_options: ReduceWindowOptions,
        builtin_options_2_as_stablehlo_composite_options: StableHLOCompositeOptions,
        builtin_options_2_as_stablehlo_shift_left_options: StablehloShiftLeftOptions,
        builtin_options_2_as_stablehlo_case_options: StablehloCaseOptions,
    }
}
