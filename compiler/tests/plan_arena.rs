//! Acceptance of the memory planner over the whole model zoo: for every model kiln compiles,
//! the arena is no larger than TFLM's minimal arena (from the manifest) and within 10% of the
//! lower bound (the bytes simultaneously live at the busiest step of the execution order).

use std::path::PathBuf;

fn models() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    assert!(
        dir.join("manifest.json").is_file(),
        "the model zoo is missing: {}",
        dir.display()
    );
    dir
}

#[test]
fn arena_within_bounds_on_the_zoo() {
    let dir = models();
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for m in manifest["models"].as_array().expect("models") {
        let id = m["id"].as_str().expect("id");
        let file = m["file"].as_str().expect("file");
        let bytes = std::fs::read(dir.join(file)).expect("model file");
        let Ok(c) = kiln_compiler::analyze(&bytes) else {
            continue;
        };
        let arena = c.plan.arena_bytes;
        let lb = c.plan.lower_bound().bytes;
        let tflm = m["tflm_arena"]["minimal_arena_size_bytes"].as_u64();
        rows.push(format!(
            "| {id:<28} | {arena:>10} | {lb:>11} | {:>10} |",
            tflm.map_or("-".to_string(), |t| t.to_string())
        ));
        if let Some(t) = tflm {
            if arena as u64 > t {
                failures.push(format!("{id}: arena {arena} > TFLM {t}"));
            }
        }
        if arena * 10 > lb * 11 {
            failures.push(format!("{id}: arena {arena} > 1.1 × lower bound {lb}"));
        }
        assert!(
            arena >= lb,
            "{id}: arena {arena} below the lower bound {lb}"
        );
    }
    println!("| model                        | kiln arena | lower bound | TFLM arena |");
    println!("|------------------------------|-----------:|------------:|-----------:|");
    for r in &rows {
        println!("{r}");
    }
    assert!(rows.len() >= 10, "only {} models compiled", rows.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
