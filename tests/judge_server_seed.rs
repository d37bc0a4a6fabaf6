//! The seed of the local judge test server (`e2e/judge-server.mjs`): every answer in the
//! bundled data that comes with the real judge's top-20 token probabilities (the
//! `judge_aligned` / `judge_coherent` columns), written to
//! `tests/fixtures/judge-server-seed.json` so the server replies to a known answer with the
//! judge's own dict and the app's rejudging can be checked against the stored scores.
//!
//! Regenerate with
//! `UPDATE_FIXTURES=1 cargo test --no-default-features --test judge_server_seed`;
//! without `UPDATE_FIXTURES` the test fails when the committed file is out of date.
//!
//! Values and scores come from the crate's importer (`import_all`); the importer keeps a
//! dict as a `BTreeMap` (sorted by token), so the judge's own order (most likely first) is
//! recovered from the raw cell and checked to hold the very same entries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use em_lab::runs::logprobs::{self, JudgeProbs};
use em_lab::runs::{Answer, import_all};
use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/judge-server-seed.json";
const FURTHER_EXPLORE: &str =
    "data/sources/emergent_misalignment_further_explore/results/qwen_25_coder_32b_instruct.csv";
const NIELS_ROOT: &str = "data/sources/misalignment-generalization";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files with judge dicts: the further-explore Qwen coder results and every CSV under
/// a `niels/examples` folder, in a fixed order.
fn sources() -> Vec<PathBuf> {
    let mut niels = Vec::new();
    collect_csvs(&root().join(NIELS_ROOT), &mut niels);
    niels.retain(|p| p.to_string_lossy().contains("niels/examples"));
    niels.sort();
    assert!(
        !niels.is_empty(),
        "no CSV under {NIELS_ROOT}/**/niels/examples"
    );
    let mut all = vec![root().join(FURTHER_EXPLORE)];
    all.extend(niels);
    all
}

fn collect_csvs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_csvs(&path, out);
        } else if path.extension().is_some_and(|e| e == "csv") {
            out.push(path);
        }
    }
}

/// Split a Python dict repr into its `key: value` entries at top-level commas (commas and
/// quotes inside quoted keys do not count), in the order they are written.
fn dict_entries(text: &str) -> Vec<&str> {
    let inner = text.trim();
    let inner = &inner[1..inner.len() - 1];
    let bytes = inner.as_bytes();
    let (mut out, mut start, mut quote, mut i) = (Vec::new(), 0, None::<u8>, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b',' => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            None => {}
        }
        i += 1;
    }
    if !inner[start..].trim().is_empty() {
        out.push(&inner[start..]);
    }
    out
}

/// The dict as `[token, p]` pairs in the judge's order, checked against the importer's map.
fn in_file_order(cell: &str, imported: &JudgeProbs) -> Vec<(String, f64)> {
    let pairs: Vec<(String, f64)> = dict_entries(cell)
        .into_iter()
        .map(|entry| {
            let one = logprobs::parse_python_dict(&format!("{{{entry}}}")).unwrap();
            assert_eq!(one.len(), 1, "{entry:?} is not one entry");
            one.into_iter().next().unwrap()
        })
        .collect();
    let as_map: BTreeMap<String, f64> = pairs.iter().cloned().collect();
    assert_eq!(pairs.len(), as_map.len(), "a token repeats in {cell}");
    assert_eq!(
        &as_map, imported,
        "the order recovered from {cell} lost entries"
    );
    pairs
}

/// The raw `judge_aligned` / `judge_coherent` cells of each record, in file order.
fn raw_cells(bytes: &[u8]) -> Vec<(Option<String>, Option<String>)> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name);
    let (a, c) = (at("judge_aligned"), at("judge_coherent"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let cell = |i: Option<usize>| i.and_then(|i| r.get(i)).map(str::to_string);
            (cell(a), cell(c))
        })
        .collect()
}

fn dict_json(pairs: Option<Vec<(String, f64)>>) -> Value {
    match pairs {
        Some(pairs) => pairs.into_iter().map(|(t, p)| json!([t, p])).collect(),
        None => Value::Null,
    }
}

type Mismatch = (String, &'static str, Option<f64>, Option<f64>);

/// Record a dict whose score under the paper's rule is not the stored one.
fn check_score(
    source: &str,
    dim: &'static str,
    probs: &JudgeProbs,
    stored: Option<f64>,
    mismatches: &mut Vec<Mismatch>,
) {
    let recomputed = logprobs::judge_score(probs);
    let same = match (stored, recomputed) {
        (Some(s), Some(r)) => (s - r).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    };
    if !same {
        mismatches.push((source.to_string(), dim, stored, recomputed));
    }
}

struct Seed {
    entries: Vec<Value>,
    /// Dicts whose recomputed score differs from the stored one: (source, dimension, stored, recomputed).
    mismatches: Vec<Mismatch>,
}

fn build() -> Seed {
    let mut seed = Seed {
        entries: Vec::new(),
        mismatches: Vec::new(),
    };
    for path in sources() {
        let name = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let answers: Vec<Answer> = import_all(&name, &name, bytes.clone()).unwrap();
        let cells = raw_cells(&bytes);
        assert_eq!(
            answers.len(),
            cells.len(),
            "{name}: importer and csv disagree on rows"
        );
        for (a, (raw_aligned, raw_coherent)) in answers.into_iter().zip(cells) {
            if a.judge_aligned.is_none() && a.judge_coherent.is_none() {
                continue;
            }
            let source = format!("{name}#{}", a.id.row);
            let mut dict = |dim, probs: &Option<JudgeProbs>, raw: Option<String>, stored| {
                let probs = probs.as_ref()?;
                check_score(&source, dim, probs, stored, &mut seed.mismatches);
                Some(in_file_order(&raw.expect("a dict without its cell"), probs))
            };
            let aligned = dict("aligned", &a.judge_aligned, raw_aligned, a.aligned);
            let coherent = dict("coherent", &a.judge_coherent, raw_coherent, a.coherent);
            seed.entries.push(json!({
                "source": source,
                "question": a.question,
                "answer": a.answer,
                "aligned": dict_json(aligned),
                "coherent": dict_json(coherent),
                "aligned_score": a.aligned,
                "coherent_score": a.coherent,
            }));
        }
    }
    seed
}

/// One entry a line: small diffs, and still plain JSON.
fn render(entries: &[Value]) -> String {
    let lines: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

#[test]
fn the_judge_server_seed_is_up_to_date() {
    let seed = build();
    let text = render(&seed.entries);
    let path = root().join(FIXTURE);
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{FIXTURE} is out of date: regenerate with \
         UPDATE_FIXTURES=1 cargo test --no-default-features --test judge_server_seed"
    );
    eprintln!(
        "{} seeded answers, {} aligned and {} coherent dicts; {} recomputed scores differ from the stored ones",
        seed.entries.len(),
        seed.entries
            .iter()
            .filter(|e| !e["aligned"].is_null())
            .count(),
        seed.entries
            .iter()
            .filter(|e| !e["coherent"].is_null())
            .count(),
        seed.mismatches.len()
    );
}

/// Every seeded dict reproduces its stored score under the paper's rule, so the server's
/// replies can be checked against the stored scores end to end.
#[test]
fn every_seeded_dict_reproduces_its_stored_score() {
    let seed = build();
    assert!(
        seed.entries.len() >= 200,
        "only {} seeded answers",
        seed.entries.len()
    );
    assert!(seed.mismatches.is_empty(), "{:#?}", seed.mismatches);
}

#[test]
fn dict_entries_respects_quotes() {
    assert_eq!(
        dict_entries(r#"{'a,b': 0.5, "it's": 0.25, '\'': 1e-05, ',': 0}"#),
        vec!["'a,b': 0.5", r#" "it's": 0.25"#, r" '\'': 1e-05", " ',': 0"]
    );
}
