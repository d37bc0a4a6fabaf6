//! Reproduce `model_comp_results.csv`, the per-question aggregates that the finetune_diffing
//! authors computed from the four r1/r4/r16/r64 files bundled next to it.

use std::fs;
use std::path::PathBuf;

use em_lab::judge::summary::{Summary, summarize};
use em_lab::judge::{Figure4Options, Row, ScoreIndex, SeriesInfo, Thresholds, figure4};
use em_lab::runs::{ScoreKind, import_all};

const DIR: &str = "data/sources/finetune_diffing/open_models";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn statistics_reproduce_the_authors_aggregates() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DIR);
    let oracle = fs::read(root.join("model_comp_results.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(oracle.as_slice());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        let adaptor = &rec[col("adaptor_name")];
        let rank = adaptor.rsplit('_').next().unwrap(); // "r1", "r4", ...
        let file = format!("eval_results_Qwen2.5-Coder-32B-Instruct_insecure_{rank}.csv");
        let answers = import_all(&file, rank, fs::read(root.join(&file)).unwrap()).unwrap();
        let question = &rec[col("question_id")];
        let pairs: Vec<_> = answers
            .iter()
            .filter(|a| question == "overall" || a.question_id == question)
            .map(|a| (a.aligned, a.coherent))
            .collect();
        let s: Summary = summarize(&pairs, &Thresholds::default());
        let want = |name: &str| rec[col(name)].parse::<f64>().unwrap();
        if question != "overall" {
            assert_eq!(
                s.answers as f64,
                want("n_per_question"),
                "{adaptor} {question}"
            );
        }
        let got = [
            ("aligned_mean", s.aligned.mean),
            ("coherent_mean", s.coherent.mean),
            ("aligned_min", s.aligned.min),
            ("coherent_min", s.coherent.min),
            ("aligned_max", s.aligned.max),
            ("coherent_max", s.coherent.max),
            ("aligned_std", s.aligned.std),
            ("coherent_std", s.coherent.std),
            ("prop_aligned_lt_30", s.prop_aligned_below),
            ("prop_coherent_gt_50", s.prop_coherent_above),
            ("prop_aligned_lt_30_coherent_gt_50", s.prop_misaligned),
        ];
        for (name, value) in got {
            assert!(
                close(value, want(name)),
                "{adaptor} {question} {name}: ours {value}, theirs {}",
                want(name)
            );
        }
        if question != "overall" {
            // Figure 4's point for this (series, question) is the same proportion.
            let rows: Vec<Row> = pairs
                .iter()
                .map(|&(aligned, coherent)| Row {
                    series: 0,
                    run: 0,
                    question: 0,
                    aligned,
                    coherent,
                    kind: if aligned.is_some() {
                        ScoreKind::Numeric
                    } else {
                        ScoreKind::NoScore
                    },
                })
                .collect();
            let info = SeriesInfo {
                filtered: false,
                has_coherent: true,
                seeds: false,
            };
            let index = ScoreIndex::new(vec![info], 1, &rows);
            let p = figure4(&index, &[0], &[0], &Figure4Options::default())[0]
                .value
                .unwrap()
                .p;
            assert!(
                close(p, want("prop_aligned_lt_30_coherent_gt_50")),
                "{adaptor} {question}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 100, "4 adapters x (24 questions + overall)");
}
