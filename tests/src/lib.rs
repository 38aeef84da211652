//! Shared helpers of the end-to-end suites: reading the reference vectors of
//! `../shared/models` (produced by the TFLM Python interpreter) and comparing outputs.

use std::path::PathBuf;

/// The shared model zoo. The suites fail (never skip) when it is missing.
pub fn models_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    assert!(
        dir.join("manifest.json").is_file(),
        "the model zoo is missing: expected {} (CI checks out ../shared beside the project)",
        dir.display()
    );
    dir
}

/// One vector set of a model: stacked inputs and reference outputs, as raw bytes.
pub struct VectorSet {
    /// Set name (`random`, `grid`, …).
    pub name: String,
    /// Number of cases.
    pub count: usize,
    /// Stacked bytes of each model input.
    pub inputs: Vec<Vec<u8>>,
    /// Stacked bytes of output 0 from the reference runtime.
    pub output: Vec<u8>,
    /// Which runtime produced `output`.
    pub reference: String,
}

/// Every non-sequential vector set of model `id` with its reference (TFLM unless the manifest
/// names another reference runtime for the model).
pub fn vector_sets(id: &str) -> Vec<VectorSet> {
    let dir = models_dir().join("vectors").join(id);
    let text = std::fs::read_to_string(dir.join("vectors.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("vectors.json").display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("vectors.json is JSON");
    let reference = json["reference_runtime"]
        .as_str()
        .unwrap_or("tflm")
        .to_string();
    let mut sets = Vec::new();
    let Some(obj) = json["sets"].as_object() else {
        panic!("{id}: vectors.json has no sets")
    };
    for (name, set) in obj {
        if set["sequential"].as_bool() == Some(true) {
            continue;
        }
        let Some(out) = set["outputs"][reference.as_str()][0]["file"].as_str() else {
            continue;
        };
        let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{id}/{f}: {e}"));
        let inputs = set["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|i| read(i["file"].as_str().expect("input file")))
            .collect();
        sets.push(VectorSet {
            name: name.clone(),
            count: set["count"].as_u64().expect("count") as usize,
            inputs,
            output: read(out),
            reference: reference.clone(),
        });
    }
    assert!(
        !sets.is_empty(),
        "{id}: no vector sets with {reference} outputs"
    );
    sets
}

/// An element type of model inputs and outputs.
pub trait Element: Copy + PartialEq + std::fmt::Debug {
    /// Bytes per element.
    const SIZE: usize;
    /// From little-endian bytes.
    fn from_le(b: &[u8]) -> Self;
    /// Whether `got` is acceptable for reference `want` (exact for integers).
    fn close(got: Self, want: Self) -> bool {
        got == want
    }
}

macro_rules! int_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_le(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("element bytes"))
            }
        }
    )*};
}
int_element!(i8, u8, i16, i32);

impl Element for f32 {
    const SIZE: usize = 4;
    fn from_le(b: &[u8]) -> Self {
        f32::from_le_bytes(b.try_into().expect("element bytes"))
    }
    /// Within 1e-5 relative (with an absolute floor of 1e-6 for values near zero).
    fn close(got: Self, want: Self) -> bool {
        got.to_bits() == want.to_bits() || (got - want).abs() <= 1e-5 * want.abs().max(0.1)
    }
}

/// Result of running a model over every vector set.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases run.
    pub cases: usize,
    /// Cases whose outputs are bit-identical to the reference.
    pub bit_exact: usize,
    /// Descriptions of cases outside tolerance.
    pub failures: Vec<String>,
}

/// Element `k` of case `case` from stacked little-endian bytes.
fn case_array<T: Element, const N: usize>(bytes: &[u8], case: usize) -> [T; N] {
    std::array::from_fn(|k| {
        let at = (case * N + k) * T::SIZE;
        T::from_le(&bytes[at..at + T::SIZE])
    })
}

/// Runs `predict` on every case of every set of `id` (a single-input model) and compares with
/// the reference.
pub fn check<I: Element, O: Element, const N: usize, const M: usize>(
    id: &str,
    mut predict: impl FnMut(&[I; N]) -> [O; M],
) -> Report {
    check_sets(id, |set, case| {
        assert_eq!(
            set.inputs[0].len(),
            set.count * N * I::SIZE,
            "{id}/{}: input size",
            set.name
        );
        let input: [I; N] = case_array(&set.inputs[0], case);
        (format!("{:?}", &input[..N.min(8)]), predict(&input))
    })
}

/// [`check`] for two-input models.
pub fn check2<
    I: Element,
    J: Element,
    O: Element,
    const N: usize,
    const K: usize,
    const M: usize,
>(
    id: &str,
    mut predict: impl FnMut(&[I; N], &[J; K]) -> [O; M],
) -> Report {
    check_sets(id, |set, case| {
        assert_eq!(
            set.inputs.len(),
            2,
            "{id}/{}: expected two inputs",
            set.name
        );
        let a: [I; N] = case_array(&set.inputs[0], case);
        let b: [J; K] = case_array(&set.inputs[1], case);
        (
            format!("{:?} / {:?}", &a[..N.min(4)], &b[..K.min(4)]),
            predict(&a, &b),
        )
    })
}

fn check_sets<O: Element, const M: usize>(
    id: &str,
    mut run: impl FnMut(&VectorSet, usize) -> (String, [O; M]),
) -> Report {
    let mut r = Report::default();
    for set in vector_sets(id) {
        assert_eq!(
            set.output.len(),
            set.count * M * O::SIZE,
            "{id}/{}: output size",
            set.name
        );
        for case in 0..set.count {
            let want: [O; M] = case_array(&set.output, case);
            let (shown, got) = run(&set, case);
            r.cases += 1;
            if got == want {
                r.bit_exact += 1;
            }
            let bad = got
                .iter()
                .zip(&want)
                .filter(|(g, w)| !O::close(**g, **w))
                .count();
            if bad > 0 {
                r.failures.push(format!(
                    "{id}/{} case {case}: input {shown}: {bad} of {M} outputs differ; got {:?}, {} gives {:?}",
                    set.name,
                    &got[..M.min(8)],
                    set.reference,
                    &want[..M.min(8)]
                ));
            }
        }
    }
    r
}
