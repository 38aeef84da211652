// Budgets are evaluated by the macro: only integer literals and arithmetic on them.
const RAM: usize = 64 * 1024;
kiln::include_model!(pub Sine = "../../../../../shared/models/generated/sine_float32.tflite", max_ram = RAM);

fn main() {}
