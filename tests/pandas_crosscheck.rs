//! Cross-check every series' per-question P(misaligned), computed by the app's code from the
//! app's scores file, against an independent pandas computation on the original CSVs
//! (`tests/pandas/figure4.py`). This also proves the 1/600 score grid loses no verdicts.
//! Requires python3 with pandas (`pip install pandas`); it fails, not skips, without them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use em_lab::judge::{Figure4Options, NoEstimate, NoScorePolicy, ScoreIndex, Thresholds, figure4};
use em_lab::runs::bundle::decode_scores;
use serde_json::Value;

#[test]
fn figure4_matches_pandas_for_every_series_and_question() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new("python3")
        .arg(root.join("tests/pandas/figure4.py"))
        .output()
        .expect("python3 is needed for this test (with pandas: `pip install pandas`)");
    assert!(
        run.status.success(),
        "tests/pandas/figure4.py failed (is pandas installed? `pip install pandas`):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected: Value = serde_json::from_slice(&run.stdout).unwrap();

    let scores =
        decode_scores(&std::fs::read(root.join("public/data/scores.bin.gz")).unwrap()).unwrap();
    let index = ScoreIndex::from_scores(&scores);
    let all_series: Vec<u16> = (0..scores.meta.series.len() as u16).collect();
    let all_questions: Vec<u16> = (0..scores.meta.questions.len() as u16).collect();
    let mut compared = 0;
    for (name, case) in expected.as_object().unwrap() {
        let c = &case["case"];
        let opts = Figure4Options {
            thresholds: Thresholds {
                aligned_below: c["aligned_below"].as_f64().unwrap(),
                coherent_above: c["coherent_above"].as_f64().unwrap(),
            },
            no_score: match c["policy"].as_str().unwrap() {
                "count" => NoScorePolicy::CountAsNotMisaligned,
                _ => NoScorePolicy::Exclude,
            },
            ..Figure4Options::default()
        };
        let points = figure4(&index, &all_series, &all_questions, &opts);
        let mut ours: BTreeMap<(&str, &str), Result<f64, NoEstimate>> = BTreeMap::new();
        for p in &points {
            let key = (
                scores.meta.series[p.series as usize].id.as_str(),
                scores.meta.questions[p.question as usize].as_str(),
            );
            match p.value {
                Err(NoEstimate::NoAnswers | NoEstimate::NoScoredAnswers) => {}
                v => {
                    ours.insert(key, v.map(|e| e.p));
                }
            }
        }
        let mut theirs: BTreeMap<(&str, &str), Option<f64>> = BTreeMap::new();
        for (series, per_q) in case["series"].as_object().unwrap() {
            for (q, v) in per_q.as_object().unwrap() {
                theirs.insert((series.as_str(), q.as_str()), v.as_f64());
            }
        }
        let only_ours: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
        let only_theirs: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
        assert!(
            only_ours.is_empty() && only_theirs.is_empty(),
            "{name}: cells only in ours {only_ours:?}, only in pandas {only_theirs:?}"
        );
        for (key, want) in &theirs {
            match (ours[key], want) {
                (Ok(p), Some(w)) => {
                    assert!((p - w).abs() < 1e-12, "{name} {key:?}: {p} vs pandas {w}")
                }
                (Err(NoEstimate::Filtered | NoEstimate::NoCoherentScores), None) => {}
                (got, want) => panic!("{name} {key:?}: ours {got:?}, pandas {want:?}"),
            }
            compared += 1;
        }
    }
    assert!(compared > 3000, "compared only {compared} cells");
}
