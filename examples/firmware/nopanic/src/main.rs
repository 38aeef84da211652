//! Mechanical proof that `predict` / `run` cannot panic.
//!
//! The firmware runs every model of the conformance suites (the zoo models and the single-operator
//! fixtures, so every kernel and dtype kiln supports) on inputs the optimiser cannot see: each
//! model is passed through `black_box` before `run`, so its arena (input included) may hold any
//! bytes. The `#[panic_handler]` calls a function that exists nowhere. In the release build
//! (`opt-level = 3`, fat LTO, `panic = "abort"`) the panic handler is only kept if some panic
//! path (an out-of-bounds index, a failed `unwrap`, a `clamp` with crossed bounds, an overflow
//! check, a slice conversion, ...) survives optimisation, and then the link fails with the
//! undefined symbol `kiln_predict_can_panic`. A successful link of this ELF is the proof.
//!
//! `cargo xtask nopanic` builds it (and, when the link fails, rebuilds with `--features locate`,
//! a plain panic handler, and lists the functions that call into `core::panicking`).
#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;

/// Declares every model and a function that runs each of them once on opaque data.
macro_rules! models {
    ($($name:ident = $path:literal,)*) => {
        $(kiln::include_model!($name = $path);)*

        /// One `predict` of each model (`run` on an arena the optimiser knows nothing about).
        #[inline(never)]
        fn run_all() {
            let mut buffer = [0u8; 64 * 1024];
            $(
                let mut model = $name::new();
                black_box(black_box(&mut model).run());
                // The borrowed form, over a buffer of any length and alignment.
                if let Ok(mut model) = $name::with_buffer(black_box(&mut buffer[..])) {
                    black_box(black_box(&mut model).run());
                }
            )*
        }
    };
}

models! {
    HelloFloat = "../../../../shared/models/tflm/hello_world_float.tflite",
    SineFloat = "../../../../shared/models/generated/sine_float32.tflite",
    HelloInt8 = "../../../../shared/models/tflm/hello_world_int8.tflite",
    SineInt8 = "../../../../shared/models/generated/sine_int8.tflite",
    MicroflowSine = "../../../../shared/models/microflow/sine.tflite",
    SeanetConv0 = "../../../../shared/models/tflm/seanet/conv0.tflite",
    SeanetConv10 = "../../../../shared/models/tflm/seanet/conv10.tflite",
    SineInt16x8 = "../../../../shared/models/generated/sine_int16x8.tflite",
    CnnFloat = "../../../../shared/models/generated/cnn_float32.tflite",
    MicroflowSpeech = "../../../../shared/models/microflow/speech.tflite",
    PersonDetect = "../../../../shared/models/microflow/person_detect.tflite",
    SeanetLeakyRelu0 = "../../../../shared/models/tflm/seanet/leaky_relu0.tflite",
    SeanetPad0 = "../../../../shared/models/tflm/seanet/pad0.tflite",
    SeanetStridedSlice0 = "../../../../shared/models/tflm/seanet/strided_slice0.tflite",
    SeanetQuantize0 = "../../../../shared/models/tflm/seanet/quantize0.tflite",
    SeanetQuantize1 = "../../../../shared/models/tflm/seanet/quantize1.tflite",
    CnnInt8 = "../../../../shared/models/generated/cnn_int8.tflite",
    CnnInt16x8 = "../../../../shared/models/generated/cnn_int16x8.tflite",
    SimpleAdd = "../../../../shared/models/tflm/simple_add_model.tflite",
    SeanetAdd0 = "../../../../shared/models/tflm/seanet/add0.tflite",
    SeanetSub0 = "../../../../shared/models/tflm/seanet/sub0.tflite",
    SeanetTransposeConv4 = "../../../../shared/models/tflm/seanet/transpose_conv4.tflite",
    CnnFloat16w = "../../../../shared/models/generated/cnn_float16w.tflite",
    OpAddRelu6S8 = "../../../tests/fixtures/ops/add_relu6_s8.tflite",
    OpAddS16 = "../../../tests/fixtures/ops/add_s16.tflite",
    OpAddS8 = "../../../tests/fixtures/ops/add_s8.tflite",
    OpConcatS8 = "../../../tests/fixtures/ops/concat_s8.tflite",
    OpDeqS8 = "../../../tests/fixtures/ops/deq_s8.tflite",
    OpHardSwishF32 = "../../../tests/fixtures/ops/hard_swish_f32.tflite",
    OpHardSwishS8 = "../../../tests/fixtures/ops/hard_swish_s8.tflite",
    OpLeakyNegS8 = "../../../tests/fixtures/ops/leaky_neg_s8.tflite",
    OpLeakyS16 = "../../../tests/fixtures/ops/leaky_s16.tflite",
    OpLeakyS8 = "../../../tests/fixtures/ops/leaky_s8.tflite",
    OpLogisticF32 = "../../../tests/fixtures/ops/logistic_f32.tflite",
    OpLogisticS16 = "../../../tests/fixtures/ops/logistic_s16.tflite",
    OpLogisticS16Pot = "../../../tests/fixtures/ops/logistic_s16_pot.tflite",
    OpLogisticS8 = "../../../tests/fixtures/ops/logistic_s8.tflite",
    OpMulF32 = "../../../tests/fixtures/ops/mul_f32.tflite",
    OpMulS16 = "../../../tests/fixtures/ops/mul_s16.tflite",
    OpMulS8 = "../../../tests/fixtures/ops/mul_s8.tflite",
    OpPadF32 = "../../../tests/fixtures/ops/pad_f32.tflite",
    OpQuantF32S16 = "../../../tests/fixtures/ops/quant_f32_s16.tflite",
    OpQuantF32S8 = "../../../tests/fixtures/ops/quant_f32_s8.tflite",
    OpRelu6S8 = "../../../tests/fixtures/ops/relu6_s8.tflite",
    OpReluS16 = "../../../tests/fixtures/ops/relu_s16.tflite",
    OpReluS8 = "../../../tests/fixtures/ops/relu_s8.tflite",
    OpReqS16S8 = "../../../tests/fixtures/ops/req_s16_s8.tflite",
    OpReqS8S16 = "../../../tests/fixtures/ops/req_s8_s16.tflite",
    OpReqS8S8 = "../../../tests/fixtures/ops/req_s8_s8.tflite",
    OpReqS8U8 = "../../../tests/fixtures/ops/req_s8_u8.tflite",
    OpSliceS8 = "../../../tests/fixtures/ops/slice_s8.tflite",
    OpSliceShrinkS8 = "../../../tests/fixtures/ops/slice_shrink_s8.tflite",
    OpSoftmaxF32 = "../../../tests/fixtures/ops/softmax_f32.tflite",
    OpSoftmaxS16 = "../../../tests/fixtures/ops/softmax_s16.tflite",
    OpSoftmaxS8 = "../../../tests/fixtures/ops/softmax_s8.tflite",
    OpSoftmaxS8S16 = "../../../tests/fixtures/ops/softmax_s8_s16.tflite",
    OpSoftmaxS8b = "../../../tests/fixtures/ops/softmax_s8b.tflite",
    OpSubS8 = "../../../tests/fixtures/ops/sub_s8.tflite",
    OpTanhF32 = "../../../tests/fixtures/ops/tanh_f32.tflite",
    OpTanhS16 = "../../../tests/fixtures/ops/tanh_s16.tflite",
    OpTanhS16Pot1 = "../../../tests/fixtures/ops/tanh_s16_pot1.tflite",
    OpTanhS8 = "../../../tests/fixtures/ops/tanh_s8.tflite",
    OpTransposeS8 = "../../../tests/fixtures/ops/transpose_s8.tflite",
}

#[entry]
fn main() -> ! {
    loop {
        run_all();
    }
}

#[cfg(not(feature = "locate"))]
extern "Rust" {
    /// Defined nowhere: referencing it makes the link fail.
    fn kiln_predict_can_panic() -> !;
}

#[cfg(not(feature = "locate"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: never executed. If this handler is reachable at all, the firmware does not link.
    unsafe { kiln_predict_can_panic() }
}

/// With `--features locate` the image links, so the panic call sites can be listed.
#[cfg(feature = "locate")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
