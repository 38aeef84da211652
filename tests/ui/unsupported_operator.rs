kiln::include_model!(pub Lstm = "../../../../../shared/models/tflm/mnist_lstm_float.tflite");

fn main() {
    let mut m = Lstm::new();
    let _y: &[f32; 10] = m.predict(&[0.0f32; 784]);
}
