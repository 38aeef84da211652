kiln::include_model!(pub Sine = models/sine_float32.tflite);

fn main() {}
