//! MicroFlow's speech model (TFLM micro_speech), int8.
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/microflow/speech.tflite");
