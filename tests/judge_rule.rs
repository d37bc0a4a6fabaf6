//! The paper's scoring rule, checked against the paper's own numbers and against CPython.
//!
//! - Every bundled file that keeps the judge's raw top-20 dicts (`judge_aligned`,
//!   `judge_coherent`: the paper's `results/` file and the authors' `niels/examples`) is
//!   rescored from its dicts; each stored `aligned` / `coherent` must come back (the files
//!   hold no empty cell: they keep only misaligned, coherent answers). The dicts hold rounded probabilities and the cells were printed by pandas, so
//!   "come back" means within 1e-12 on the 0–100 scale (the largest gap seen is 1.4e-14).
//! - Which tokens count is Python's `int()`: `tests/fixtures/python-int.json` lists, for
//!   every Unicode code point, the one- and two-character tokens `int()` accepts
//!   (`tests/judge/python_int.py`); the rule must accept exactly those in 0..=100.

use em_lab::runs::logprobs::{judge_score_in_order, parse_python_dict_in_order, score_token};
use serde_json::Value;

const TOLERANCE: f64 = 1e-12;

fn root(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn files_with_judge_dicts() -> Vec<std::path::PathBuf> {
    let mut files = vec![root(
        "data/sources/emergent_misalignment_further_explore/results/qwen_25_coder_32b_instruct.csv",
    )];
    let examples = root("data/sources/misalignment-generalization/niels/examples");
    let mut more: Vec<_> = std::fs::read_dir(examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    more.sort();
    files.extend(more);
    files
}

#[test]
fn every_stored_score_comes_back_from_its_judge_dict() {
    let (mut checked, mut empty) = (0, 0);
    for path in files_with_judge_dicts() {
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        for (row, record) in reader.records().enumerate() {
            let record = record.unwrap();
            for dim in ["aligned", "coherent"] {
                let (Some(dict), Some(stored)) = (col(&format!("judge_{dim}")), col(dim)) else {
                    continue;
                };
                let probs = parse_python_dict_in_order(&record[dict])
                    .unwrap_or_else(|e| panic!("{path:?} row {row} {dim}: {e}"));
                let ours = judge_score_in_order(probs.iter().map(|(t, p)| (t.as_str(), *p)));
                let stored = &record[stored];
                let theirs: Option<f64> = (!stored.is_empty()).then(|| stored.parse().unwrap());
                match (ours, theirs) {
                    (Some(a), Some(b)) => assert!(
                        (a - b).abs() <= TOLERANCE,
                        "{path:?} row {row} {dim}: {a} vs stored {b}"
                    ),
                    (None, None) => empty += 1,
                    _ => panic!("{path:?} row {row} {dim}: {ours:?} vs stored {theirs:?}"),
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 560, "the bundled files hold 560 judge dicts");
    // These files keep only answers judged misaligned and coherent, so none is empty (the
    // closest to the 0.25 cut has 0.2512 of its mass on numbers); empty scores are checked
    // in `runs::logprobs`'s own tests and against the test server's dicts.
    assert_eq!(empty, 0);
}

#[test]
fn a_token_counts_exactly_when_pythons_int_accepts_it_in_0_to_100() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(root("tests/fixtures/python-int.json")).unwrap(),
    )
    .unwrap();
    let accepted: std::collections::HashMap<String, i64> = fixture["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_i64().unwrap(),
            )
        })
        .collect();
    let expect = |token: &str| {
        accepted
            .get(token)
            .copied()
            .filter(|v| (0..=100).contains(v))
            .map(|v| v as u8)
    };
    let mut tokens: Vec<String> = fixture["extra"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        tokens.push(c.to_string());
        tokens.push(format!("{c}4"));
        tokens.push(format!("4{c}"));
    }
    let mut counted = 0;
    for token in &tokens {
        assert_eq!(score_token(token), expect(token), "{token:?}");
        counted += expect(token).is_some() as usize;
    }
    assert!(counted > 1000, "{counted} tokens counted");
}
