//! A hand-written, verified reader for TensorFlow Lite model files (`.tflite`, schema v3).
//!
//! A `.tflite` file is a flatbuffer whose root is a [`Model`]. [`read_model`] checks the file
//! identifier, runs the `flatbuffers` verifier over everything this module can reach and
//! returns zero-copy accessors; nothing is decoded up front. Hostile input gives a
//! [`ReadError`], never a panic: after verification every accessor reads only checked bytes.
//!
//! The types mirror `schema.fbs` from TensorFlow Lite (the revision with `BuiltinOptions2`,
//! `external_buffers` and `INT2`/`FLOAT8_*` tensor types):
//! * tables are `Copy` views (`Model<'a>`, [`Tensor<'a>`], [`Operator<'a>`], the options tables)
//!   with one snake_case accessor per schema field: scalars return the schema default when
//!   absent, strings/vectors/tables return `Option`;
//! * enums are transparent newtypes ([`BuiltinOperator`], [`TensorType`], ...) with a constant
//!   per schema value and `name()`, so unknown values from newer converters read fine;
//! * unions have a tag type ([`BuiltinOptions`]), a typed view enum
//!   ([`BuiltinOptionsValue`]) and per-member getters such as
//!   [`Operator::builtin_options_as_fully_connected_options`].
//!
//! Vectors are `flatbuffers::Vector`s: iterate them, or index with [`vector_get`] (or helpers
//! like [`SubGraph::tensor_at`]) when the index comes from the file, since `Vector::get` panics
//! out of range. Constant data goes through [`buffer_bytes`], which also handles the
//! external-offset form of models above 2 GB.
//!
//! The code is written by hand from the schema with three small macros (`macros.rs`); no
//! `flatc` output is used. A table's verifier and accessors expand from one field list, which
//! is what makes the accessors sound.

#![deny(missing_docs)]

#[macro_use]
mod macros;

mod enums;
mod model;
mod options;
mod read;

pub use enums::*;
pub use model::*;
pub use options::*;
pub use read::{
    buffer_bytes, custom_options_bytes, read_model, ReadError, FILE_IDENTIFIER, SCHEMA_VERSION,
};
