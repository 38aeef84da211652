//! Where a model's arena lives: inside the model struct (placed by the user's `static`, e.g. in
//! a `#[link_section]`), or in a caller-provided buffer (`with_buffer`, `with_arena`) that may
//! live in external RAM or be shared by models that never run at the same time. Also the
//! compile-time figures every model exposes, and budgets that fit.

use std::sync::Mutex;

use kiln::{Arena, ArenaError, DType};

kiln::include_model!(
    pub Sine = "../../shared/models/generated/sine_float32.tflite",
    max_ram = 1024,
    max_flash = 2 * 1024,
);
kiln::include_model!(pub Cnn = "../../shared/models/generated/cnn_int8.tflite", max_ram = (6 << 10) + 0);

/// Deterministic test images for the CNN.
fn images() -> Vec<[i8; 768]> {
    (0..4u32)
        .map(|k| {
            let mut x = [0i8; 768];
            let mut s = 0x9e37_79b9u32.wrapping_mul(k + 1);
            for v in &mut x {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                *v = s as i8;
            }
            x
        })
        .collect()
}

#[test]
fn figures_are_consts() {
    const _: () = assert!(Sine::ARENA_BYTES <= 1024 && Sine::WEIGHT_BYTES <= 2048);
    assert_eq!(Sine::INPUT_DTYPE, DType::F32);
    assert_eq!(Sine::OUTPUT_DTYPE.name(), "float32");
    assert_eq!(Cnn::INPUT_DTYPE, DType::I8);
    assert_eq!(Cnn::INPUT_SHAPE, [1, 16, 16, 3]);
    assert_eq!(Cnn::OUTPUT_SHAPE, [1, 10]);
    const { assert!(Cnn::INPUT_SCALE > 0.0 && Cnn::OUTPUT_ZERO_POINT == -128) };
    assert_eq!(Cnn::OPS, 15);
    const { assert!(Cnn::MACS > 100_000) };
    assert_eq!(Cnn::ARENA_ALIGN, 4);
    assert_eq!(Cnn::ARENA_BYTES % Cnn::ARENA_ALIGN, 0);
}

// The whole model (its arena inside) in a section of the user's choice. On a microcontroller
// this is e.g. `.ram2` or `.sram1` from the linker script (declared NOLOAD for zero-initialised
// memory); on the host the test uses a data section.
#[cfg_attr(target_os = "linux", link_section = "kiln_ram2")]
static PLACED: Mutex<Cnn> = Mutex::new(Cnn::new());

#[cfg(target_os = "linux")]
extern "C" {
    static __start_kiln_ram2: u8;
    static __stop_kiln_ram2: u8;
    static __start_kiln_psram: u8;
    static __stop_kiln_psram: u8;
}

/// Whether `p` lies in `[start, stop)`.
#[cfg(target_os = "linux")]
fn inside<T>(p: *const T, start: *const u8, stop: *const u8) -> bool {
    let (p, a, b) = (p as usize, start as usize, stop as usize);
    a <= p && p + std::mem::size_of::<T>() <= b
}

#[cfg(target_os = "linux")]
#[test]
fn statics_are_in_their_sections() {
    assert!(inside(
        &PLACED as *const Mutex<Cnn>,
        &raw const __start_kiln_ram2,
        &raw const __stop_kiln_ram2
    ));
    assert!(inside(
        &PSRAM as *const Mutex<Arena<{ Cnn::ARENA_BYTES }>>,
        &raw const __start_kiln_psram,
        &raw const __stop_kiln_psram
    ));
}

#[test]
fn owned_model_in_a_link_section_static() {
    let mut reference = Box::new(Cnn::new());
    let mut placed = PLACED.lock().expect("lock");
    for x in images() {
        let want = *reference.predict(&x);
        assert_eq!(*placed.predict(&x), want);
    }
}

// A bare arena in a section of its own, used by `with_arena` (size checked at compile time).
#[cfg_attr(target_os = "linux", link_section = "kiln_psram")]
static PSRAM: Mutex<Arena<{ Cnn::ARENA_BYTES }>> = Mutex::new(Arena::new());

#[test]
fn arena_in_a_link_section_static() {
    let mut reference = Box::new(Cnn::new());
    let mut arena = PSRAM.lock().expect("lock");
    let mut m = Cnn::with_arena(&mut arena);
    for x in images() {
        let want = *reference.predict(&x);
        // `input_mut` + `run` write the input straight into the borrowed arena.
        *m.input_mut() = x;
        assert_eq!(*m.run(), want);
    }
}

/// Sizes of two models' arenas, for one shared buffer.
const SHARED: usize = if Cnn::ARENA_BYTES > Sine::ARENA_BYTES {
    Cnn::ARENA_BYTES
} else {
    Sine::ARENA_BYTES
};

#[test]
fn one_arena_shared_by_two_models() {
    let mut shared = Box::new(Arena::<SHARED>::new());
    let (mut cnn, mut sine) = (Box::new(Cnn::new()), Sine::new());
    for (k, x) in images().into_iter().enumerate() {
        let t = [k as f32 * 0.7];
        // Each borrow ends before the other model takes the arena.
        let y = *Cnn::with_arena(&mut shared).predict(&x);
        assert_eq!(y, *cnn.predict(&x));
        let s = *Sine::with_arena(&mut shared).predict(&t);
        assert_eq!(s, *sine.predict(&t));
    }
}

#[test]
fn caller_buffer_is_checked_without_panicking() {
    // A u32 vector gives a 4-byte aligned byte buffer.
    let mut words = vec![0u32; Cnn::ARENA_BYTES / 4 + 2];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    match Cnn::with_buffer(&mut bytes[..Cnn::ARENA_BYTES - 1]) {
        Err(ArenaError::TooSmall { needed, len }) => {
            assert_eq!((needed, len), (Cnn::ARENA_BYTES, Cnn::ARENA_BYTES - 1));
        }
        _ => panic!("a short buffer must be refused"),
    }
    assert_eq!(
        Cnn::with_buffer(&mut bytes[1..]).err(),
        Some(ArenaError::Misaligned { align: 4 })
    );
    assert_eq!(
        ArenaError::Misaligned { align: 4 }.to_string(),
        "arena buffer is not aligned to 4 bytes"
    );
    // A longer buffer is fine; results match the owned model.
    let mut reference = Box::new(Cnn::new());
    let mut m = Cnn::with_buffer(bytes).expect("large and aligned enough");
    for x in images() {
        assert_eq!(*m.predict(&x), *reference.predict(&x));
    }
}
