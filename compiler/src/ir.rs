//! The typed intermediate representation. Nothing after `lower` touches flatbuffer accessors.

use crate::ops::OpImpl;

/// Element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// `float32`
    F32,
    /// `float16`
    F16,
    /// `int8`
    I8,
    /// `uint8`
    U8,
    /// `int16`
    I16,
    /// `int32`
    I32,
    /// `int64`
    I64,
    /// `bool`
    Bool,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::F16 | DType::I16 => 2,
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
        }
    }

    /// TFLite's lower-case name (`float32`, `int8`, …).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F16 => "float16",
            DType::I8 => "int8",
            DType::U8 => "uint8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::Bool => "bool",
        }
    }

    /// The Rust element type used for this dtype in generated code.
    pub fn rust(self) -> proc_macro2::TokenStream {
        match self {
            DType::F32 => quote::quote!(f32),
            DType::F16 => quote::quote!(u16),
            DType::I8 => quote::quote!(i8),
            DType::U8 | DType::Bool => quote::quote!(u8),
            DType::I16 => quote::quote!(i16),
            DType::I32 => quote::quote!(i32),
            DType::I64 => quote::quote!(i64),
        }
    }
}

/// Affine quantization of a tensor: `real = scale · (q − zero_point)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quant {
    /// One scale per tensor, or one per channel along `axis`.
    pub scale: Vec<f32>,
    /// Zero points, same length as `scale`.
    pub zero_point: Vec<i64>,
    /// The channel axis for per-channel quantization.
    pub axis: usize,
}

impl Quant {
    /// The per-tensor scale (the first one).
    pub fn scale0(&self) -> f32 {
        self.scale.first().copied().unwrap_or(0.0)
    }

    /// The per-tensor zero point (the first one).
    pub fn zero_point0(&self) -> i64 {
        self.zero_point.first().copied().unwrap_or(0)
    }

    /// Whether there is more than one scale.
    pub fn per_channel(&self) -> bool {
        self.scale.len() > 1
    }
}

/// A tensor of the graph.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// Index in the subgraph's tensor table.
    pub index: usize,
    /// The converter's name for it.
    pub name: String,
    /// Element type.
    pub dtype: DType,
    /// Static shape (every dimension known).
    pub shape: Vec<usize>,
    /// Quantization, when the tensor has any.
    pub quant: Option<Quant>,
    /// Constant contents (weights), little-endian, when the tensor is constant.
    pub data: Option<Vec<u8>>,
}

impl Tensor {
    /// Number of elements.
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.elements() * self.dtype.size()
    }

    /// Whether the tensor is a constant.
    pub fn is_const(&self) -> bool {
        self.data.is_some()
    }

    /// `int8[1,16]`-style description for messages.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        format!("{}[{}]", self.dtype.name(), dims.join(","))
    }
}

/// One operator of the graph.
pub struct Node {
    /// Index in the subgraph's operator list (execution order).
    pub index: usize,
    /// TFLite name of the operator (`FULLY_CONNECTED`).
    pub name: &'static str,
    /// Input tensor indices; `None` for an omitted optional input.
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
    /// What the operator does, with its options.
    pub op: Box<dyn OpImpl>,
}

/// A whole model: one subgraph, lowered.
pub struct Graph {
    /// Tensors by index.
    pub tensors: Vec<Tensor>,
    /// Operators in execution order.
    pub nodes: Vec<Node>,
    /// Graph input tensor indices.
    pub inputs: Vec<usize>,
    /// Graph output tensor indices.
    pub outputs: Vec<usize>,
}

impl Graph {
    /// The tensor with index `i`.
    pub fn tensor(&self, i: usize) -> &Tensor {
        &self.tensors[i]
    }
}

impl Node {
    /// Input `k`, if present.
    pub fn input(&self, k: usize) -> Option<usize> {
        self.inputs.get(k).copied().flatten()
    }
}
