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

/// Operators that run in place write their output over one input: on every model of the zoo,
/// that input is an intermediate buffer of the output's size, read by no other input of the
/// operator and by no later operator, and every in-place output shares that input's bytes.
#[test]
fn in_place_outputs_overwrite_only_dead_inputs() {
    let dir = models();
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let mut in_place = 0;
    for m in manifest["models"].as_array().expect("models") {
        let id = m["id"].as_str().expect("id");
        let file = m["file"].as_str().expect("file");
        let bytes = std::fs::read(dir.join(file)).expect("model file");
        let Ok(c) = kiln_compiler::analyze(&bytes) else {
            continue;
        };
        let (g, plan) = (&c.graph, &c.plan);
        let root = |t: usize| plan.alias_of[t];
        for (step, node) in g.nodes.iter().enumerate() {
            let Some(&out) = node.outputs.first() else {
                continue;
            };
            if node.op.is_alias() || root(out) == out {
                continue;
            }
            in_place += 1;
            let r = root(out);
            let reads = |n: &kiln_compiler::ir::Node| {
                n.inputs.iter().flatten().filter(|&&i| root(i) == r).count()
            };
            assert_eq!(reads(node), 1, "{id} step {step}: one input in the bytes");
            // Later operators read these bytes only as the output or its views (tensors made
            // at this step or later), never as the input or its views.
            let made = |t: usize| g.nodes.iter().position(|n| n.outputs.contains(&t));
            for later in &g.nodes[step + 1..] {
                for &i in later.inputs.iter().flatten().filter(|&&i| root(i) == r) {
                    assert!(
                        made(i) >= Some(step),
                        "{id} step {step}: tensor {i} read later"
                    );
                }
            }
            let input = node.inputs.iter().flatten().find(|&&i| root(i) == r);
            let input = *input.expect("the overwritten input");
            assert!(
                !g.inputs.contains(&input) && !g.outputs.contains(&input),
                "{id}"
            );
            assert_eq!(g.tensor(input).bytes(), g.tensor(out).bytes(), "{id}");
            assert_eq!(plan.regions[out], plan.regions[root(input)], "{id}");
            // The input is not read after this step other than as the output's bytes.
            let last_read = g
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.inputs.iter().flatten().any(|&i| i == input))
                .map(|(s, _)| s)
                .max();
            assert_eq!(last_read, Some(step), "{id} step {step}: input read later");
        }
    }
    assert!(in_place > 0, "no operator of the zoo runs in place");
}
