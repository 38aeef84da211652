//! Reference kernels: plain loops over slices with named parameter structs, bit-exact with
//! TensorFlow Lite Micro. Parameters are computed by the compiler and passed as constants.

pub mod fully_connected;

pub use fully_connected::*;
