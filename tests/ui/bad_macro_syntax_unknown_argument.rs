kiln::include_model!(pub Sine = "../../../../../shared/models/generated/sine_float32.tflite", arena = 4096);

fn main() {}
