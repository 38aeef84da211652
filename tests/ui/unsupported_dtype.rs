kiln::include_model!(pub Model = "../../../../tests/ui/models/unsupported_dtype.tflite");

fn main() {
    let mut m = Model::new();
    let _y: &[i16; 4] = m.predict(&[0i16; 4]);
}
