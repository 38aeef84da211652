//! Types in the API of the models [`include_model!`](crate::include_model) generates.

use core::fmt;

/// Element type of a model input or output (`M::INPUT_DTYPE`, `M::OUTPUT_DTYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// `float32` (`f32`)
    F32,
    /// `float16` (stored as `u16`)
    F16,
    /// `int8` (`i8`)
    I8,
    /// `uint8` (`u8`)
    U8,
    /// `int16` (`i16`)
    I16,
    /// `int32` (`i32`)
    I32,
    /// `int64` (`i64`)
    I64,
    /// `bool` (stored as `u8`)
    Bool,
}

impl DType {
    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::F16 | DType::I16 => 2,
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
        }
    }

    /// TFLite's name (`float32`, `int8`, …).
    pub const fn name(self) -> &'static str {
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
}

/// Why a caller-provided buffer cannot hold a model's arena (`M::with_buffer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArenaError {
    /// The buffer is shorter than the model's `ARENA_BYTES`.
    TooSmall {
        /// Bytes the model needs.
        needed: usize,
        /// Bytes the buffer has.
        len: usize,
    },
    /// The buffer does not start at a multiple of the model's `ARENA_ALIGN`.
    Misaligned {
        /// Alignment the model needs.
        align: usize,
    },
}

impl fmt::Display for ArenaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArenaError::TooSmall { needed, len } => {
                write!(
                    f,
                    "arena buffer of {len} bytes is too small: the model needs {needed}"
                )
            }
            ArenaError::Misaligned { align } => {
                write!(f, "arena buffer is not aligned to {align} bytes")
            }
        }
    }
}
