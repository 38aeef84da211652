// A model named like another item of the module is rustc's own duplicate-definition error
// (E0428), pointing at both definitions: the macro cannot see the module's other items, and
// two `include_model!` calls with one name collide the same way.

/// A type of the user's that happens to have the model's name.
pub struct Sine;

kiln::include_model!(pub Sine = "../../../../../shared/models/generated/sine_float32.tflite");

fn main() {}
