// The person detector's arena does not fit 32 KiB: the error gives the numbers and the tensors
// live at the peak.
kiln::include_model!(pub Person = "../../../../../shared/models/microflow/person_detect.tflite", max_ram = 32 * 1024);

fn main() {
    let mut m = Person::new();
    let _y: &[i8; 2] = m.predict(&[0i8; 9216]);
}
