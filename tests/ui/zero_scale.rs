kiln::include_model!(pub Model = "../../../../tests/ui/models/zero_scale.tflite");

fn main() {
    let mut m = Model::new();
    let _y: &[i8; 4] = m.predict(&[0i8; 4]);
}
