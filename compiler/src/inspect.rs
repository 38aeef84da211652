//! The model inspector behind the `kiln` command-line tool: what kiln makes of a `.tflite`
//! file (operators, tensors, the memory plan and its lower bound, weights, MACs), and every
//! reason it cannot compile it, as text, JSON or an SVG picture of the plan.
//!
//! [`inspect`] runs the same phases as `include_model!` (lower → validate → plan → expand), but
//! keeps going past operators it cannot lower so that [`Report::problems`] lists everything at
//! once: unsupported operators *and* the dtype or shape problems of the supported ones.

use std::fmt::Write as _;

use crate::error::Error;
use crate::ir::{Graph, Tensor};
use crate::plan::{LowerBound, Plan};
use crate::{expand, lower, plan, schedule, validate};

/// Everything the inspector found out about a model.
#[derive(Clone, Debug)]
pub struct Report {
    /// Operators, in execution order when the model compiles, else in file order.
    pub ops: Vec<OpRow>,
    /// Every tensor of the subgraph (empty when the tensors could not be read).
    pub tensors: Vec<TensorRow>,
    /// Graph input tensor indices.
    pub inputs: Vec<usize>,
    /// Graph output tensor indices.
    pub outputs: Vec<usize>,
    /// The memory plan, when the model compiles.
    pub memory: Option<Memory>,
    /// Bytes of constants in the generated code (`WEIGHT_BYTES`), when the model compiles.
    pub weight_bytes: Option<usize>,
    /// Bytes of constant tensors in the file.
    pub constant_bytes: usize,
    /// Multiply-accumulates per inference of the operators kiln knows (`MACS`).
    pub macs: u64,
    /// Everything that stops kiln from compiling the model (empty when it compiles).
    pub problems: Vec<String>,
}

/// One operator.
#[derive(Clone, Debug)]
pub struct OpRow {
    /// Position in execution order (`None` when the model does not compile).
    pub step: Option<usize>,
    /// Index in the file's operator list (`operator #i` in messages).
    pub index: usize,
    /// TFLite name.
    pub name: String,
    /// Input tensor indices (`None`: omitted optional input).
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
    /// Multiply-accumulates (`None` for operators kiln does not know).
    pub macs: Option<u64>,
    /// Constant bytes emitted for this operator (when the model compiles).
    pub weight_bytes: Option<usize>,
    /// Why kiln cannot compile this operator (`None`: it can).
    pub problem: Option<String>,
}

/// What a tensor is to the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A graph input.
    Input,
    /// A graph output.
    Output,
    /// A constant (weights, biases, shapes).
    Constant,
    /// An intermediate activation.
    Activation,
    /// Not used by any operator.
    Unused,
}

impl Kind {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Input => "input",
            Kind::Output => "output",
            Kind::Constant => "constant",
            Kind::Activation => "activation",
            Kind::Unused => "unused",
        }
    }
}

/// One tensor.
#[derive(Clone, Debug)]
pub struct TensorRow {
    /// Index in the subgraph's tensor table.
    pub index: usize,
    /// The converter's name.
    pub name: String,
    /// `int8`, `float32`, …
    pub dtype: &'static str,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Size in bytes.
    pub bytes: usize,
    /// Role in the graph.
    pub kind: Kind,
    /// `(scale, zero point)` of a per-tensor quantized tensor.
    pub quant: Option<(f32, i64)>,
    /// Number of channels of a per-channel quantized tensor.
    pub per_channel: Option<usize>,
    /// Arena offset, when planned.
    pub offset: Option<usize>,
    /// First and last step at which it is live, when planned.
    pub lifetime: Option<(usize, usize)>,
    /// The tensor whose bytes it views (RESHAPE and friends), when not itself.
    pub view_of: Option<usize>,
    /// Whether it takes those bytes by being written over that tensor in place (its operator
    /// overwrites its input) rather than by viewing it.
    pub in_place: bool,
}

/// The memory plan of a model that compiles.
#[derive(Clone, Debug)]
pub struct Memory {
    /// `ARENA_BYTES`.
    pub arena_bytes: usize,
    /// `ARENA_ALIGN`.
    pub align: usize,
    /// The busiest step: no plan for this execution order can be smaller.
    pub lower_bound: LowerBound,
    /// Tensors that own arena bytes (views excluded), by offset then first step.
    pub buffers: Vec<usize>,
    /// Number of steps (operators, plus one for reading the outputs).
    pub steps: usize,
}

impl Report {
    /// Whether kiln can compile the model.
    pub fn compiles(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Inspects a `.tflite` file's bytes.
pub fn inspect(bytes: &[u8]) -> Report {
    let mut report = Report {
        ops: Vec::new(),
        tensors: Vec::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        memory: None,
        weight_bytes: None,
        constant_bytes: 0,
        macs: 0,
        problems: Vec::new(),
    };
    let lowered = match lower::lower_lenient(bytes) {
        Ok(l) => l,
        Err(errors) => {
            report.problems = errors.iter().map(|e| e.to_string()).collect();
            return report;
        }
    };
    let lower::Lowered {
        mut graph,
        skipped,
        errors,
    } = lowered;
    let mut problems: Vec<Error> = errors;
    let mut planned: Option<(Plan, expand::Stats)> = None;
    if problems.is_empty() {
        schedule::sink_constant_ops(&mut graph);
        match validate::validate(&graph).and_then(|()| plan::plan(&graph)) {
            Err(e) => problems.extend(e.0),
            Ok(p) => {
                let opts = expand::Options {
                    name: proc_macro2::Ident::new("Model", proc_macro2::Span::call_site()),
                    vis: proc_macro2::TokenStream::new(),
                    source_path: None,
                };
                match expand::expand_with_stats(&graph, &p, &opts) {
                    Ok((_, stats)) => planned = Some((p, stats)),
                    Err(e) => problems.extend(e.0),
                }
            }
        }
    } else {
        // Lowering failed somewhere: still check every operator that did lower, so all the
        // problems show at once. (Graph-level checks need the whole graph.)
        for node in &graph.nodes {
            if let Err(e) = node.op.validate(&graph, node) {
                problems.push(e);
            }
        }
    }
    problems.sort_by_key(|e| op_of(e.message()).unwrap_or(usize::MAX));
    report.problems = problems.iter().map(|e| e.to_string()).collect();

    let compiled = planned.is_some();
    for (step, node) in graph.nodes.iter().enumerate() {
        report.ops.push(OpRow {
            step: compiled.then_some(step),
            index: node.index,
            name: node.name.to_string(),
            inputs: node.inputs.clone(),
            outputs: node.outputs.clone(),
            macs: Some(node.op.macs(&graph, node)),
            weight_bytes: planned.as_ref().map(|(_, s)| {
                s.weight_bytes_by_op
                    .iter()
                    .filter(|(i, _)| *i == node.index)
                    .map(|(_, b)| *b)
                    .sum()
            }),
            problem: problem_of(&problems, node.index),
        });
    }
    for s in &skipped {
        report.ops.push(OpRow {
            step: None,
            index: s.index,
            name: s.name.clone(),
            inputs: s.inputs.clone(),
            outputs: s.outputs.clone(),
            macs: None,
            weight_bytes: None,
            problem: problem_of(&problems, s.index),
        });
    }
    if !compiled {
        report.ops.sort_by_key(|o| o.index);
    }
    report.macs = report.ops.iter().filter_map(|o| o.macs).sum();
    report.inputs = graph.inputs.clone();
    report.outputs = graph.outputs.clone();
    report.constant_bytes = graph
        .tensors
        .iter()
        .filter(|t| t.is_const())
        .map(Tensor::bytes)
        .sum();
    let used = used_tensors(&graph, &report.ops);
    let plan = planned.as_ref().map(|(p, _)| p);
    for t in &graph.tensors {
        report.tensors.push(tensor_row(&graph, t, plan, &used));
    }
    if let Some((p, stats)) = &planned {
        report.weight_bytes = Some(stats.weight_bytes);
        let mut buffers: Vec<usize> = p.buffers().collect();
        buffers.sort_by_key(|&t| (p.offset(t), p.lifetimes[t].map(|l| l.0), t));
        report.memory = Some(Memory {
            arena_bytes: p.arena_bytes,
            align: expand::arena_align(&graph, p),
            lower_bound: p.lower_bound(),
            buffers,
            steps: graph.nodes.len() + 1,
        });
    }
    report
}

/// The operator index an error message is about (`operator #3 …`).
fn op_of(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("operator #")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// The problems of operator `index`, without the `operator #i NAME: ` prefix.
fn problem_of(problems: &[Error], index: usize) -> Option<String> {
    let mine: Vec<&str> = problems
        .iter()
        .map(Error::message)
        .filter(|m| op_of(m) == Some(index))
        .map(|m| m.split_once(": ").map_or(m, |(_, r)| r))
        .map(|m| m.split(" (supported: ").next().unwrap_or(m))
        .collect();
    (!mine.is_empty()).then(|| mine.join("; "))
}

fn used_tensors(g: &Graph, ops: &[OpRow]) -> Vec<bool> {
    let mut used = vec![false; g.tensors.len()];
    let all = ops
        .iter()
        .flat_map(|o| o.inputs.iter().flatten().chain(&o.outputs))
        .chain(&g.inputs)
        .chain(&g.outputs);
    for &t in all {
        if let Some(u) = used.get_mut(t) {
            *u = true;
        }
    }
    used
}

fn tensor_row(g: &Graph, t: &Tensor, plan: Option<&Plan>, used: &[bool]) -> TensorRow {
    let i = t.index;
    let kind = if g.inputs.contains(&i) {
        Kind::Input
    } else if g.outputs.contains(&i) {
        Kind::Output
    } else if t.is_const() {
        Kind::Constant
    } else if used.get(i).copied().unwrap_or(false) {
        Kind::Activation
    } else {
        Kind::Unused
    };
    let (quant, per_channel) = match &t.quant {
        Some(q) if q.per_channel() => (None, Some(q.scale.len())),
        Some(q) => (Some((q.scale0(), q.zero_point0())), None),
        None => (None, None),
    };
    TensorRow {
        index: i,
        name: t.name.clone(),
        dtype: t.dtype.name(),
        shape: t.shape.clone(),
        bytes: t.bytes(),
        kind,
        quant,
        per_channel,
        offset: plan.and_then(|p| p.offset(i)),
        lifetime: plan.and_then(|p| p.lifetimes.get(i).copied().flatten()),
        view_of: plan
            .and_then(|p| p.alias_of.get(i).copied())
            .filter(|&r| r != i),
        in_place: g
            .nodes
            .iter()
            .find(|n| n.outputs.contains(&i))
            .is_some_and(|n| {
                !n.op.is_alias() && plan.is_some_and(|p| p.alias_of.get(i) != Some(&i))
            }),
    }
}

// ---------------------------------------------------------------------------------------------
// Text

fn shape_str(dtype: &str, shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("{dtype}[{}]", dims.join(","))
}

impl TensorRow {
    /// `int8[1,96,96,1]`
    pub fn describe(&self) -> String {
        shape_str(self.dtype, &self.shape)
    }
}

/// A plain-text table with left-aligned columns (right-aligned when `right[k]`).
fn table(out: &mut String, header: &[&str], right: &[bool], rows: &[Vec<String>]) {
    let n = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (k, c) in r.iter().enumerate().take(n) {
            w[k] = w[k].max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (k, c) in cells.iter().enumerate().take(n) {
            let pad = w[k].saturating_sub(c.chars().count());
            if k > 0 {
                s.push_str("  ");
            }
            if right.get(k).copied().unwrap_or(false) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if k + 1 < n {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    let h: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    line(out, &h);
    let rule: Vec<String> = w.iter().map(|&k| "-".repeat(k)).collect();
    line(out, &rule);
    for r in rows {
        line(out, r);
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn short(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_string()
    } else {
        let tail: String = name
            .chars()
            .rev()
            .take(max - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

impl Report {
    fn tensor(&self, t: usize) -> Option<&TensorRow> {
        self.tensors.get(t)
    }

    fn describe_list(&self, ts: impl Iterator<Item = usize>) -> String {
        let v: Vec<String> = ts
            .map(|t| {
                self.tensor(t)
                    .map_or_else(|| format!("t{t}"), TensorRow::describe)
            })
            .collect();
        // Runs of equal types as `float32[20,28]×4`.
        let mut out: Vec<String> = Vec::new();
        let mut k = 0;
        while k < v.len() {
            let run = v[k..].iter().take_while(|s| **s == v[k]).count();
            out.push(if run > 1 {
                format!("{}×{run}", v[k])
            } else {
                v[k].clone()
            });
            k += run;
        }
        out.join(" ")
    }

    fn is_const(&self, t: usize) -> bool {
        self.tensor(t).is_some_and(|r| r.kind == Kind::Constant)
    }

    /// The report as the text `kiln inspect` prints; `model` is the name shown in the header.
    pub fn to_text(&self, model: &str) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "model: {model}");
        if self.compiles() {
            let _ = writeln!(o, "status: kiln compiles this model");
        } else {
            let _ = writeln!(
                o,
                "status: kiln cannot compile this model ({} problem{})",
                self.problems.len(),
                if self.problems.len() == 1 { "" } else { "s" }
            );
        }

        if !self.ops.is_empty() {
            let _ = writeln!(
                o,
                "\noperators ({}, {} order)",
                self.ops.len(),
                if self.compiles() { "execution" } else { "file" }
            );
            let rows: Vec<Vec<String>> = self
                .ops
                .iter()
                .map(|op| {
                    let ins = op.inputs.iter().flatten().copied();
                    vec![
                        opt(op.step),
                        format!("#{}", op.index),
                        op.name.clone(),
                        self.describe_list(ins.clone().filter(|&t| !self.is_const(t))),
                        self.describe_list(ins.filter(|&t| self.is_const(t))),
                        self.describe_list(op.outputs.iter().copied()),
                        opt(op.macs),
                        match &op.problem {
                            None => "yes".to_string(),
                            Some(p) => format!("no: {p}"),
                        },
                    ]
                })
                .collect();
            table(
                &mut o,
                &[
                    "step",
                    "op",
                    "name",
                    "inputs",
                    "constants",
                    "outputs",
                    "MACs",
                    "supported",
                ],
                &[true, true, false, false, false, false, true, false],
                &rows,
            );
        }

        if !self.tensors.is_empty() {
            let _ = writeln!(o, "\ntensors ({})", self.tensors.len());
            let rows: Vec<Vec<String>> = self
                .tensors
                .iter()
                .map(|t| {
                    let q = match (t.quant, t.per_channel) {
                        (Some((s, z)), _) => format!("{s:e} {z}"),
                        (None, Some(n)) => format!("per-channel ({n})"),
                        _ => "-".to_string(),
                    };
                    vec![
                        t.index.to_string(),
                        short(&t.name, 40),
                        t.describe(),
                        t.bytes.to_string(),
                        t.kind.name().to_string(),
                        q,
                        match t.view_of {
                            Some(v) if t.in_place => format!("over {v}"),
                            Some(v) => format!("view of {v}"),
                            None => opt(t.offset),
                        },
                        t.lifetime
                            .map_or_else(|| "-".to_string(), |(a, b)| format!("{a}..{b}")),
                    ]
                })
                .collect();
            table(
                &mut o,
                &[
                    "#", "name", "type", "bytes", "kind", "quant", "offset", "live",
                ],
                &[true, false, false, true, false, false, true, false],
                &rows,
            );
        }

        if let Some(m) = &self.memory {
            let _ = writeln!(
                o,
                "\nmemory plan ({} arena buffers, steps 0..{})",
                m.buffers.len(),
                m.steps.saturating_sub(1)
            );
            let rows: Vec<Vec<String>> = m
                .buffers
                .iter()
                .filter_map(|&t| self.tensor(t))
                .map(|t| {
                    let off = t.offset.unwrap_or(0);
                    vec![
                        t.index.to_string(),
                        off.to_string(),
                        (off + t.bytes).to_string(),
                        t.bytes.to_string(),
                        t.lifetime
                            .map_or_else(|| "-".to_string(), |(a, b)| format!("{a}..{b}")),
                        short(&t.name, 48),
                    ]
                })
                .collect();
            table(
                &mut o,
                &["tensor", "offset", "end", "bytes", "live", "name"],
                &[true, true, true, true, false, false],
                &rows,
            );
            let lb = &m.lower_bound;
            let at = self.ops.get(lb.step).map_or_else(
                || "the outputs".to_string(),
                |op| format!("operator #{} {}", op.index, op.name),
            );
            let _ = writeln!(
                o,
                "\narena:       {} bytes (align {})",
                m.arena_bytes, m.align
            );
            let _ = writeln!(
                o,
                "lower bound: {} bytes live at step {} ({at}): tensors {}{}",
                lb.bytes,
                lb.step,
                lb.live
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if lb.scratch > 0 {
                    format!(" and {} bytes of kernel scratch", lb.scratch)
                } else {
                    String::new()
                }
            );
            let _ = writeln!(
                o,
                "arena / lower bound: {:.3}",
                if lb.bytes == 0 {
                    1.0
                } else {
                    m.arena_bytes as f64 / lb.bytes as f64
                }
            );
        } else {
            let _ = writeln!(o, "\nmemory plan: none (the model does not compile)");
        }
        match self.weight_bytes {
            Some(w) => {
                let _ = writeln!(
                    o,
                    "weights:     {w} bytes in flash ({} bytes of constant tensors in the file)",
                    self.constant_bytes
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "weights:     {} bytes of constant tensors in the file",
                    self.constant_bytes
                );
            }
        }
        let _ = writeln!(o, "MACs:        {}", self.macs);
        if !self.problems.is_empty() {
            let _ = writeln!(o, "\nproblems ({}):", self.problems.len());
            o.push_str(&self.problem_lines());
        }
        o
    }

    /// The problems with the list of supported operators said once, at the end.
    fn problem_lines(&self) -> String {
        let list = format!(" (supported: {})", crate::ops::supported_names().join(", "));
        let mut o = String::new();
        let mut shortened = false;
        for p in &self.problems {
            let line = match p.strip_suffix(&list) {
                Some(head) => {
                    shortened = true;
                    head
                }
                None => p,
            };
            let _ = writeln!(o, "  {line}");
        }
        if shortened {
            let _ = writeln!(
                o,
                "supported operators:{}",
                &list[" (supported:".len()..list.len() - 1]
            );
        }
        o
    }

    /// The problems as `kiln check` prints them (`model: problem` per line), or an OK line.
    pub fn check_text(&self, model: &str) -> String {
        if self.compiles() {
            format!(
                "{model}: ok ({} operators, arena {} bytes, weights {} bytes)\n",
                self.ops.len(),
                self.memory.as_ref().map_or(0, |m| m.arena_bytes),
                self.weight_bytes.unwrap_or(0)
            )
        } else {
            let mut o = format!(
                "{model}: kiln cannot compile this model ({} problem{}):\n",
                self.problems.len(),
                if self.problems.len() == 1 { "" } else { "s" }
            );
            o.push_str(&self.problem_lines());
            o
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "null".to_string(), |v| v.to_string())
}

fn json_f32(v: f32) -> String {
    if v.is_finite() {
        format!("{v:e}")
    } else {
        "null".to_string()
    }
}

fn json_list<T>(v: &[T], f: impl Fn(&T) -> String) -> String {
    let items: Vec<String> = v.iter().map(f).collect();
    format!("[{}]", items.join(","))
}

impl Report {
    /// The report as JSON (`kiln inspect --json`).
    pub fn to_json(&self, model: &str) -> String {
        let ops = json_list(&self.ops, |op| {
            format!(
                "{{\"step\":{},\"index\":{},\"op\":{},\"inputs\":{},\"outputs\":{},\"macs\":{},\"weight_bytes\":{},\"supported\":{},\"problem\":{}}}",
                json_opt(op.step),
                op.index,
                json_str(&op.name),
                json_list(&op.inputs, |t| json_opt(*t)),
                json_list(&op.outputs, usize::to_string),
                json_opt(op.macs),
                json_opt(op.weight_bytes),
                op.problem.is_none(),
                op.problem.as_deref().map_or_else(|| "null".to_string(), json_str),
            )
        });
        let tensors = json_list(&self.tensors, |t| {
            format!(
                "{{\"index\":{},\"name\":{},\"dtype\":{},\"shape\":{},\"bytes\":{},\"kind\":{},\"scale\":{},\"zero_point\":{},\"per_channel\":{},\"offset\":{},\"first\":{},\"last\":{},\"view_of\":{},\"in_place\":{}}}",
                t.index,
                json_str(&t.name),
                json_str(t.dtype),
                json_list(&t.shape, usize::to_string),
                t.bytes,
                json_str(t.kind.name()),
                t.quant.map_or_else(|| "null".to_string(), |q| json_f32(q.0)),
                json_opt(t.quant.map(|q| q.1)),
                json_opt(t.per_channel),
                json_opt(t.offset),
                json_opt(t.lifetime.map(|l| l.0)),
                json_opt(t.lifetime.map(|l| l.1)),
                json_opt(t.view_of),
                t.in_place,
            )
        });
        let memory = self.memory.as_ref().map_or_else(
            || "null".to_string(),
            |m| {
                format!(
                    "{{\"arena_bytes\":{},\"align\":{},\"lower_bound\":{},\"lower_bound_step\":{},\"lower_bound_tensors\":{},\"steps\":{},\"buffers\":{}}}",
                    m.arena_bytes,
                    m.align,
                    m.lower_bound.bytes,
                    m.lower_bound.step,
                    json_list(&m.lower_bound.live, usize::to_string),
                    m.steps,
                    json_list(&m.buffers, usize::to_string),
                )
            },
        );
        format!(
            "{{\"model\":{},\"compiles\":{},\"problems\":{},\"inputs\":{},\"outputs\":{},\"weight_bytes\":{},\"constant_bytes\":{},\"macs\":{},\"memory\":{},\"operators\":{},\"tensors\":{}}}\n",
            json_str(model),
            self.compiles(),
            json_list(&self.problems, |p| json_str(p)),
            json_list(&self.inputs, usize::to_string),
            json_list(&self.outputs, usize::to_string),
            json_opt(self.weight_bytes),
            self.constant_bytes,
            self.macs,
            memory,
            ops,
            tensors,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// SVG

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A readable tick step for `max`: a power of two of KiB from 2 KiB on, else 1, 2 or 5 × a
/// power of ten; about 5 ticks.
fn tick_step(max: usize) -> usize {
    if max >= 2048 {
        let mut step = 1024usize;
        while max / step > 6 {
            step = step.saturating_mul(2);
        }
        return step;
    }
    let mut step = 1usize;
    loop {
        for m in [1, 2, 5] {
            if max / (step * m) <= 6 {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

fn human(bytes: usize) -> String {
    if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else if bytes >= 10 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

impl Report {
    /// The memory plan as an SVG picture: arena offset (up) against execution step (right), one
    /// `<rect class="tensor">` per arena buffer. `None` when the model does not compile.
    pub fn to_svg(&self, model: &str) -> Option<String> {
        let m = self.memory.as_ref()?;
        let steps = m.steps.max(1);
        let (left, right, top, bottom) = (80.0, 70.0, 50.0, 150.0);
        let col = (900.0 / steps as f64).clamp(14.0, 40.0);
        let plot_w = col * steps as f64;
        let plot_h = 420.0;
        let (w, h) = (left + plot_w + right, top + plot_h + bottom);
        let ymax = m.arena_bytes.max(m.lower_bound.bytes).max(1) as f64;
        let y = |bytes: usize| top + plot_h - bytes as f64 / ymax * plot_h;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"11\">"
        );
        let _ = writeln!(
            o,
            "<rect x=\"0\" y=\"0\" width=\"{w:.0}\" height=\"{h:.0}\" fill=\"white\"/>"
        );
        let _ = writeln!(
            o,
            "<text x=\"{left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}: memory plan</text>",
            xml(model)
        );
        let _ = writeln!(
            o,
            "<text x=\"{left}\" y=\"38\">arena {} bytes, lower bound {} bytes, {} buffers; one bar per tensor: offset (up) against operator step (right)</text>",
            m.arena_bytes,
            m.lower_bound.bytes,
            m.buffers.len()
        );
        // Grid and y ticks.
        let tick = tick_step(m.arena_bytes.max(1));
        let mut v = 0;
        while v <= m.arena_bytes {
            let yy = y(v);
            let _ = writeln!(
                o,
                "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e0e0e0\"/>",
                left + plot_w
            );
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                yy + 4.0,
                human(v)
            );
            v += tick;
        }
        // Bars.
        for &t in &m.buffers {
            let Some(r) = self.tensor(t) else { continue };
            let (Some(off), Some((a, b))) = (r.offset, r.lifetime) else {
                continue;
            };
            let x = left + a as f64 * col + 1.0;
            let bw = (b - a + 1) as f64 * col - 2.0;
            let y0 = y(off + r.bytes);
            let bh = (y(off) - y0).max(1.0);
            let hue = (t * 137) % 360;
            let _ = writeln!(
                o,
                "<rect class=\"tensor\" data-tensor=\"{t}\" x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"hsl({hue},60%,70%)\" stroke=\"hsl({hue},60%,35%)\"><title>tensor {t} {}: {} bytes at offset {off}, steps {a}..{b}</title></rect>",
                xml(&r.name),
                r.bytes
            );
            if bh >= 13.0 && bw >= 24.0 {
                let _ = writeln!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{t}</text>",
                    x + 3.0,
                    y0 + 11.0
                );
            }
        }
        // Arena size and lower bound.
        let ya = y(m.arena_bytes);
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{ya:.1}\" x2=\"{:.1}\" y2=\"{ya:.1}\" stroke=\"black\" stroke-width=\"1.5\"/>",
            left + plot_w
        );
        let yl = y(m.lower_bound.bytes);
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{yl:.1}\" x2=\"{:.1}\" y2=\"{yl:.1}\" stroke=\"#c00\" stroke-dasharray=\"6,4\"/>",
            left + plot_w
        );
        let xs = left + (m.lower_bound.step as f64 + 0.5) * col;
        let _ = writeln!(
            o,
            "<text x=\"{xs:.1}\" y=\"{:.1}\" fill=\"#c00\" text-anchor=\"middle\">peak</text>",
            top - 2.0
        );
        // Axes and operator labels.
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
            top + plot_h,
            left + plot_w,
            top + plot_h
        );
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"black\"/>",
            top + plot_h
        );
        for s in 0..steps {
            let label = match self.ops.get(s) {
                Some(op) => format!("{s} {}", op.name),
                None => format!("{s} (outputs)"),
            };
            let xx = left + (s as f64 + 0.5) * col;
            let yy = top + plot_h + 8.0;
            let _ = writeln!(
                o,
                "<text x=\"{xx:.1}\" y=\"{yy:.1}\" transform=\"rotate(60 {xx:.1} {yy:.1})\" font-size=\"10\">{}</text>",
                xml(&label)
            );
        }
        let _ = writeln!(
            o,
            "<text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">arena offset</text>",
            top + plot_h / 2.0,
            top + plot_h / 2.0
        );
        o.push_str("</svg>\n");
        Some(o)
    }
}
