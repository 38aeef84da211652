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
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod arch;
pub mod arena;
pub mod float;
pub mod kernels;
pub mod quant;

pub use kiln_macros::include_model;

/// Items used by the code that [`include_model!`] generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::arena::{
        bytes_to_f32, bytes_to_i16, bytes_to_i32, bytes_to_i64, bytes_to_i8, bytes_to_u8, cast,
        cast_mut, input, output, split, view, view_mut, Arena,
    };
    pub use crate::kernels::*;
}
