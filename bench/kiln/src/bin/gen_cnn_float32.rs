//! The generated CNN, float32 (15 operators of 11 kinds).
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/generated/cnn_float32.tflite");
