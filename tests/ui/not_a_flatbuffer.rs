kiln::include_model!(pub NotAModel = "../../../../tests/ui/not_a_model.tflite");

fn main() {
    let mut m = NotAModel::new();
    let _y: &[f32; 1] = m.predict(&[0.5f32]);
}
