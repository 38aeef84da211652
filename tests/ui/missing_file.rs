kiln::include_model!(pub Missing = "models/does_not_exist.tflite");

fn main() {
    let mut m = Missing::new();
    let _y: &[f32; 1] = m.predict(&[0.5f32]);
}
