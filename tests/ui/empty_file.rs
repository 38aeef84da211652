kiln::include_model!(pub Model = "../../../../tests/ui/models/empty_file.tflite");

fn main() {
    let mut m = Model::new();
    let _y: &[f32; 4] = m.predict(&[0.0f32; 4]);
}
