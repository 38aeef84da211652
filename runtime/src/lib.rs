//! kiln: TensorFlow Lite models compiled into `no_std` Rust at build time.
//!
//! [`include_model!`] reads a `.tflite` file while your crate compiles, plans all memory
//! statically and expands into a typed struct whose inference function calls straight into
//! the kernels of this crate. This crate never allocates and holds no interpreter.
//!
//! ```ignore
//! kiln::include_model!(pub Sine = "models/sine_float32.tflite");
//! let mut m = Sine::new();
//! let y: &[f32; 1] = m.predict(&[0.5]);
//! ```
//!
//! # Safety and panics
//!
//! `unsafe_code` is denied crate-wide; the single exception is the target-intrinsics module
//! [`arch`] (inline assembly for Arm cores, in submodules compiled only for their targets, next
//! to the portable fallback), whose `unsafe` blocks each state what makes them sound.
//! `cargo xtask nopanic` checks that no file outside `arch` contains `unsafe`, and that the release
//! firmware of every conformance model links with a panic handler that does not exist: no panic
//! path is reachable from `run` / `predict`, whatever the input.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod arch;
pub mod arena;
pub mod float;
pub mod kernels;
pub mod model;
pub mod quant;

pub use arena::Arena;
pub use model::{ArenaError, DType};

pub use kiln_macros::include_model;

/// Items used by the code that [`include_model!`] generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::arena::{
        arena_in, arena_prefix, bytes_to_f32, bytes_to_i16, bytes_to_i32, bytes_to_i64,
        bytes_to_i8, bytes_to_u8, cast, cast_mut, input, output, split, split_scratch, view,
        view_mut, word_bytes, word_bytes_mut, word_input, word_output, Arena,
    };
    pub use crate::kernels::*;
}
