//! Property: whatever the bytes, compiling gives an error or tokens, never a panic.
//!
//! Real models from the shared zoo (`../shared/models`) are mutated the way files really break
//! and the way a fuzzer would: bit flips, bytes and 32-bit words overwritten with boundary
//! values (offsets and lengths are 32-bit), truncations, and splices of one model's bytes into
//! another's. The `cargo fuzz` target in `fuzz/` explores the same space much longer.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kiln_compiler::{compile, Options};
use proptest::prelude::*;
use proptest::sample::Index;

/// Models up to this size (the large ones make each case slow without reaching new code).
const MAX_MODEL_BYTES: u64 = 64 << 10;

fn zoo() -> &'static [(String, Vec<u8>)] {
    static ZOO: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    ZOO.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
        let mut files = Vec::new();
        collect(&root, &mut files);
        files.sort();
        let models: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .filter(|p| {
                p.metadata()
                    .map(|m| m.len() <= MAX_MODEL_BYTES)
                    .unwrap_or(false)
            })
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (p.display().to_string(), bytes)
            })
            .collect();
        assert!(
            models.len() >= 5,
            "the shared model zoo is missing: expected .tflite files under {}",
            root.display()
        );
        models
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "tflite") {
            out.push(path);
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    /// An aligned 32-bit word (an offset, a length, a scalar) set to a boundary value.
    SetWord(Index, u32),
    Truncate(Index),
    /// `len` bytes of model `from` at `src` copied over this model at `dst`.
    Splice {
        from: Index,
        src: Index,
        dst: Index,
        len: u16,
    },
}

fn word() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(3),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(0xffff_ffff),
        Just(0xffff_fffc),
        Just(1 << 16),
        Just(1_000_000_000),
        any::<u32>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, v)| Mutation::SetByte(i, v)),
        4 => (any::<Index>(), word()).prop_map(|(i, v)| Mutation::SetWord(i, v)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), 1u16..512)
            .prop_map(|(from, src, dst, len)| Mutation::Splice { from, src, dst, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.len() < 4 {
        return;
    }
    match m {
        Mutation::FlipBit(i, b) => {
            let at = i.index(bytes.len());
            bytes[at] ^= 1 << b;
        }
        Mutation::SetByte(i, v) => {
            let at = i.index(bytes.len());
            bytes[at] = *v;
        }
        Mutation::SetWord(i, v) => {
            let at = i.index(bytes.len() / 4) * 4;
            if let Some(w) = bytes.get_mut(at..at + 4) {
                w.copy_from_slice(&v.to_le_bytes());
            }
        }
        Mutation::Truncate(i) => {
            let len = i.index(bytes.len());
            bytes.truncate(len);
        }
        Mutation::Splice {
            from,
            src,
            dst,
            len,
        } => {
            let other = &zoo()[from.index(zoo().len())].1;
            let src = src.index(other.len());
            let dst = dst.index(bytes.len());
            let n = usize::from(*len)
                .min(other.len() - src)
                .min(bytes.len() - dst);
            bytes[dst..dst + n].copy_from_slice(&other[src..src + n]);
        }
    }
}

fn opts() -> Options {
    Options {
        name: quote::format_ident!("M"),
        vis: quote::quote!(pub),
        source_path: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_zoo_models_never_panic(
        model in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (_, original) = &zoo()[model.index(zoo().len())];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        // Error or success; a panic fails the property (and proptest shrinks the mutations).
        let _ = compile(&bytes, &opts());
    }
}

/// The unmutated zoo compiles or fails cleanly too (some models are unsupported on purpose).
#[test]
fn unmutated_zoo_models_never_panic() {
    for (_, bytes) in zoo() {
        let _ = compile(bytes, &opts());
    }
}
