kiln::include_model!(pub Sine "../../../../../shared/models/generated/sine_float32.tflite");

fn main() {}
