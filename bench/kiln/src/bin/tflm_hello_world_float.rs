//! TFLM's hello_world sine model, float32 (3 FULLY_CONNECTED).
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/tflm/hello_world_float.tflite");
