//! The generated sine model, float32 (3 FULLY_CONNECTED).
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/generated/sine_float32.tflite");
