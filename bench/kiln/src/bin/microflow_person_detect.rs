//! MicroFlow's person_detect model (TFLM person_detect, MobileNet v1 0.25), int8.
#![no_std]
#![no_main]

bench_kiln::firmware!("../../../shared/models/microflow/person_detect.tflite");
