//! Single-operator models (`tests/fixtures/ops`, built by `kiln-compiler`'s `op_models` test)
//! against outputs of the TFLM Python interpreter (`tests/fixtures/ops/oracle.py`): every
//! element bit-identical, floats included. Covers the operators and dtypes the zoo models do
//! not reach: MUL, LOGISTIC, TANH, HARD_SWISH, RELU, LEAKY_RELU with negative alpha, int16
//! SOFTMAX, requantizations, QUANTIZE of NaN/Inf, TRANSPOSE, PADV2, STRIDED_SLICE with negative
//! strides and shrink masks.

use std::path::Path;

/// An element type of the fixtures, compared by bit pattern.
trait Bits: Copy + std::fmt::Debug {
    const SIZE: usize;
    fn from_le(b: &[u8]) -> Self;
    fn bits(self) -> u64;
}

macro_rules! bits {
    ($($t:ty => $u:ty),*) => {$(
        impl Bits for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("element bytes"))
            }
            fn bits(self) -> u64 {
                u64::from(<$u>::from_le_bytes(self.to_le_bytes()))
            }
        }
    )*};
}
bits!(i8 => u8, u8 => u8, i16 => u16, i32 => u32, f32 => u32);

fn read<T: Bits>(file: &str) -> Vec<T> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ops")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.chunks_exact(T::SIZE).map(T::from_le).collect()
}

/// Runs `predict` on every stored case of fixture `name` and lists the differing elements.
fn check<I: Bits, O: Bits, const N: usize, const M: usize>(
    name: &str,
    mut predict: impl FnMut(&[I; N]) -> [O; M],
) {
    let inputs: Vec<I> = read(&format!("{name}.in.bin"));
    let want: Vec<O> = read(&format!("{name}.tflm.bin"));
    assert_eq!(inputs.len() % N, 0, "{name}: input size");
    let cases = inputs.len() / N;
    assert!(cases > 0 && want.len() == cases * M, "{name}: output size");
    let mut diffs = Vec::new();
    for (c, (x, w)) in inputs.chunks_exact(N).zip(want.chunks_exact(M)).enumerate() {
        let x: [I; N] = std::array::from_fn(|i| x[i]);
        let got = predict(&x);
        for (k, (g, w)) in got.iter().zip(w).enumerate() {
            if g.bits() != w.bits() {
                diffs.push(format!("case {c} element {k}: got {g:?}, TFLM {w:?}"));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{name}: {} elements differ:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(10)].join("\n")
    );
}

macro_rules! op {
    ($name:ident, $file:literal, $ti:ty, $to:ty, $n:literal, $m:literal) => {
        mod $name {
            kiln::include_model!(pub Model = $file);

            #[test]
            fn matches_tflm() {
                let mut m = Model::new();
                super::check::<$ti, $to, $n, $m>(stringify!($name), |x| *m.predict(x));
            }
        }
    };
}

op!(
    add_relu6_s8,
    "fixtures/ops/add_relu6_s8.tflite",
    i8,
    i8,
    256,
    256
);
op!(add_s16, "fixtures/ops/add_s16.tflite", i16, i16, 256, 256);
op!(add_s8, "fixtures/ops/add_s8.tflite", i8, i8, 256, 256);
op!(concat_s8, "fixtures/ops/concat_s8.tflite", i8, i8, 24, 40);
op!(deq_s8, "fixtures/ops/deq_s8.tflite", i8, f32, 256, 256);
op!(
    hard_swish_f32,
    "fixtures/ops/hard_swish_f32.tflite",
    f32,
    f32,
    1024,
    1024
);
op!(
    hard_swish_s8,
    "fixtures/ops/hard_swish_s8.tflite",
    i8,
    i8,
    256,
    256
);
op!(
    leaky_neg_s8,
    "fixtures/ops/leaky_neg_s8.tflite",
    i8,
    i8,
    256,
    256
);
op!(
    leaky_s16,
    "fixtures/ops/leaky_s16.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(leaky_s8, "fixtures/ops/leaky_s8.tflite", i8, i8, 256, 256);
op!(
    logistic_f32,
    "fixtures/ops/logistic_f32.tflite",
    f32,
    f32,
    1024,
    1024
);
op!(
    logistic_s16,
    "fixtures/ops/logistic_s16.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(
    logistic_s16_pot,
    "fixtures/ops/logistic_s16_pot.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(
    logistic_s8,
    "fixtures/ops/logistic_s8.tflite",
    i8,
    i8,
    256,
    256
);
op!(mul_f32, "fixtures/ops/mul_f32.tflite", f32, f32, 256, 256);
op!(mul_s16, "fixtures/ops/mul_s16.tflite", i16, i16, 256, 256);
op!(mul_s8, "fixtures/ops/mul_s8.tflite", i8, i8, 256, 256);
op!(pad_f32, "fixtures/ops/pad_f32.tflite", f32, f32, 24, 90);
op!(
    quant_f32_s16,
    "fixtures/ops/quant_f32_s16.tflite",
    f32,
    i16,
    1024,
    1024
);
op!(
    quant_f32_s8,
    "fixtures/ops/quant_f32_s8.tflite",
    f32,
    i8,
    1024,
    1024
);
op!(relu6_s8, "fixtures/ops/relu6_s8.tflite", i8, i8, 256, 256);
op!(
    relu_s16,
    "fixtures/ops/relu_s16.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(relu_s8, "fixtures/ops/relu_s8.tflite", i8, i8, 256, 256);
op!(
    req_s16_s8,
    "fixtures/ops/req_s16_s8.tflite",
    i16,
    i8,
    4096,
    4096
);
op!(
    req_s8_s16,
    "fixtures/ops/req_s8_s16.tflite",
    i8,
    i16,
    256,
    256
);
op!(req_s8_s8, "fixtures/ops/req_s8_s8.tflite", i8, i8, 256, 256);
op!(req_s8_u8, "fixtures/ops/req_s8_u8.tflite", i8, u8, 256, 256);
op!(slice_s8, "fixtures/ops/slice_s8.tflite", i8, i8, 30, 6);
op!(
    slice_shrink_s8,
    "fixtures/ops/slice_shrink_s8.tflite",
    i8,
    i8,
    30,
    5
);
op!(
    softmax_f32,
    "fixtures/ops/softmax_f32.tflite",
    f32,
    f32,
    256,
    256
);
op!(
    softmax_s16,
    "fixtures/ops/softmax_s16.tflite",
    i16,
    i16,
    256,
    256
);
op!(
    softmax_s8,
    "fixtures/ops/softmax_s8.tflite",
    i8,
    i8,
    256,
    256
);
op!(
    softmax_s8_s16,
    "fixtures/ops/softmax_s8_s16.tflite",
    i8,
    i16,
    256,
    256
);
op!(
    softmax_s8b,
    "fixtures/ops/softmax_s8b.tflite",
    i8,
    i8,
    256,
    256
);
op!(sub_s8, "fixtures/ops/sub_s8.tflite", i8, i8, 256, 256);
op!(
    tanh_f32,
    "fixtures/ops/tanh_f32.tflite",
    f32,
    f32,
    1024,
    1024
);
op!(
    tanh_s16,
    "fixtures/ops/tanh_s16.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(
    tanh_s16_pot1,
    "fixtures/ops/tanh_s16_pot1.tflite",
    i16,
    i16,
    4096,
    4096
);
op!(tanh_s8, "fixtures/ops/tanh_s8.tflite", i8, i8, 256, 256);
op!(
    transpose_s8,
    "fixtures/ops/transpose_s8.tflite",
    i8,
    i8,
    120,
    120
);
