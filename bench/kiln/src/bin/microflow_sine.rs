//! MicroFlow's sine model, int8 (3 FULLY_CONNECTED).
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/microflow/sine.tflite");
