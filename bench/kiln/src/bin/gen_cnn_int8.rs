//! The generated CNN, int8 (15 operators of 11 kinds).
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/generated/cnn_int8.tflite");
