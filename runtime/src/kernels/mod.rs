//! Reference kernels: plain loops over slices with named parameter structs, bit-exact with
//! TensorFlow Lite Micro. Parameters are computed by the compiler and passed as constants.

pub mod fully_connected;
pub mod fully_connected_blocked;

pub use fully_connected::*;
pub use fully_connected_blocked::*;
pub mod fixedpoint;
pub mod math;
pub mod softmax;
pub use softmax::*;
pub mod activations;
pub use activations::*;
pub mod elementwise;
pub use elementwise::*;
pub mod quantize;
pub use quantize::*;
pub mod layout;
pub use layout::*;
pub mod conv;
pub use conv::*;
pub mod conv_s8_fast;
pub use conv_s8_fast::*;
pub mod conv_band_s8;
pub use conv_band_s8::*;
pub mod depthwise_s8_fast;
pub use depthwise_s8_fast::*;
pub mod depthwise_s8_rows;
pub use depthwise_s8_rows::*;
pub mod pointwise_add_s8;
pub use pointwise_add_s8::*;
pub mod pooling;
pub use pooling::*;
pub mod reduce;
pub use reduce::*;
