//! gemmlowp's fixed-point functions (the `kiln-fixedpoint` crate, which the compiler also uses
//! to build tables at build time): bit-exact `exp`, reciprocal, `tanh` and `logistic` on raw
//! `i32` values for TFLM's int8 SOFTMAX, LOGISTIC and TANH.

pub use kiln_fixedpoint::*;
