//! The Replay benchmark workload, shared by the native run (`src/bin/bench_figure4.rs`) and
//! the same code compiled to wasm in headless Chromium (`wasm-bench/`), so `cargo xtask
//! bench` can put the two side by side. Benchmark code only: no page uses it.
//!
//! - `figure4_ms_bundled`: recompute every (series, question) point of the bundled data with
//!   1,000 bootstrap resamples (median over 21 threshold changes).
//! - `figure4_ms_10_seeds`: the same rows with every series split into 10 seeds, so every
//!   point runs the seed bootstrap.
//! - `filter_p95_ms_100k` / `search_p95_ms_100k`: one explorer filter change / one search
//!   keystroke over 100,000 answers made by replicating the bundled rows, running the very
//!   steps the page runs per change (`replay::explorer`: filter + sort, or search +
//!   intersect, then verdict counts).

use std::sync::Arc;

use serde::Serialize;

use crate::judge::{Figure4Options, Row, ScoreIndex, SeriesInfo, Thresholds, Verdict, figure4};
use crate::replay::catalog::Catalog;
use crate::replay::explorer;
use crate::replay::filter::{self, Filter, ScoreRange, Sort};
use crate::runs::bundle::{Scores, decode_scores, decode_text};
use crate::runs::question_id::QuestionFormat;
use crate::runs::search::{Searcher, TextIndex};

/// Where the benchmark gets its files and its clock.
pub struct Io<'a> {
    /// The bytes of a bundle file, by its path under `public/data/`.
    pub read: &'a dyn Fn(&str) -> Vec<u8>,
    /// Milliseconds from any fixed origin.
    pub now_ms: &'a dyn Fn() -> f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayBench {
    pub figure4_ms_bundled: f64,
    pub figure4_ms_10_seeds: f64,
    pub filter_p95_ms_100k: f64,
    pub search_p95_ms_100k: f64,
    pub verdicts_ms_100k: f64,
    pub answers_100k: usize,
    pub search_keystrokes: usize,
    pub filter_changes: usize,
}

const TARGET_ROWS: usize = 100_000;

fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    v[i]
}

fn figure4_ms(io: &Io, index: &ScoreIndex, n_series: usize, n_questions: usize) -> f64 {
    let series: Vec<u16> = (0..n_series as u16).collect();
    let questions: Vec<u16> = (0..n_questions as u16).collect();
    let mut opts = Figure4Options::default();
    let mut times = Vec::new();
    for step in 0..21 {
        opts.thresholds.aligned_below = 20.0 + step as f64;
        let t = (io.now_ms)();
        let points = figure4(index, &series, &questions, &opts);
        times.push((io.now_ms)() - t);
        assert_eq!(points.len(), n_series * n_questions);
    }
    percentile(times, 0.5)
}

/// The bundled scores replicated to exactly `n` answers (files get new ids; runs are
/// shared; the last copy is cut short).
fn replicate(scores: &Scores, n: usize) -> Scores {
    let k = n.div_ceil(scores.len());
    let mut out = replicate_k(scores, k);
    out.run.truncate(n);
    out.question.truncate(n);
    out.aligned.truncate(n);
    out.coherent.truncate(n);
    out.kind.truncate(n);
    out.meta.files.retain(|f| (f.first as usize) < n);
    if let Some(last) = out.meta.files.last_mut() {
        last.count = last.count.min(n as u32 - last.first);
    }
    out
}

fn replicate_k(scores: &Scores, k: usize) -> Scores {
    let mut out = scores.clone();
    out.meta.files.clear();
    for copy in 0..k {
        let offset = (copy * scores.len()) as u32;
        for f in &scores.meta.files {
            let mut f = f.clone();
            f.id = format!("{}-copy{copy}", f.id);
            f.first += offset;
            out.meta.files.push(f);
        }
    }
    let rep = |col: &Vec<u16>| col.iter().copied().cycle().take(col.len() * k).collect();
    out.run = rep(&scores.run);
    out.question = rep(&scores.question);
    out.aligned = rep(&scores.aligned);
    out.coherent = rep(&scores.coherent);
    out.kind = scores
        .kind
        .iter()
        .copied()
        .cycle()
        .take(scores.len() * k)
        .collect();
    out
}

fn texts(io: &Io, scores: &Scores, big: &Scores) -> TextIndex {
    let mut per_row: Vec<(String, String)> = vec![(String::new(), String::new()); scores.len()];
    for f in &scores.meta.files {
        let bytes = (io.read)(&f.text_path);
        let chunk = decode_text(&bytes).expect("decodes");
        for (k, row) in chunk.rows.into_iter().enumerate() {
            per_row[f.first as usize + k] = (chunk.questions[row.q as usize].clone(), row.answer);
        }
    }
    let mut index = TextIndex::new(big.len());
    for pos in 0..big.len() {
        let (q, a) = &per_row[pos % scores.len()];
        index.set(pos, q, a);
    }
    index
}

/// Runs every measurement; `io` reads the bundle's files and tells the time.
pub fn run(io: &Io) -> ReplayBench {
    let bytes = (io.read)("scores.bin.gz");
    let scores = decode_scores(&bytes).expect("decodes");
    let n_series = scores.meta.series.len();
    let n_questions = scores.meta.questions.len();

    let bundled = ScoreIndex::from_scores(&scores);
    let figure4_bundled = figure4_ms(io, &bundled, n_series, n_questions);
    let rows: Vec<Row> = (0..scores.len())
        .map(|i| Row {
            series: scores.series_of(i),
            run: (i % 10) as u16,
            question: scores.question[i],
            aligned: scores.aligned(i),
            coherent: scores.coherent(i),
            kind: scores.kind(i),
        })
        .collect();
    let info = vec![
        SeriesInfo {
            filtered: false,
            has_coherent: true,
            seeds: true,
        };
        n_series
    ];
    let seeded = ScoreIndex::new(info, n_questions, &rows);
    let figure4_seeds = figure4_ms(io, &seeded, n_series, n_questions);

    // 100,000 answers for the explorer.
    let big = replicate(&scores, TARGET_ROWS);
    let cat = Catalog::build(&big, &[], &[]);
    let t = Thresholds::default();
    let n = cat.len();

    let filters: Vec<(Filter, Sort)> = {
        let f = Filter::default;
        vec![
            (f(), Sort::File),
            (
                Filter {
                    verdicts: vec![Verdict::Misaligned],
                    ..f()
                },
                Sort::File,
            ),
            (
                Filter {
                    groups: vec!["insecure".into()],
                    ..f()
                },
                Sort::AlignedAsc,
            ),
            (
                Filter {
                    formats: vec![QuestionFormat::Json],
                    ..f()
                },
                Sort::CoherentDesc,
            ),
            (
                Filter {
                    aligned: ScoreRange {
                        min: None,
                        max: Some(30.0),
                    },
                    coherent: ScoreRange {
                        min: Some(50.0),
                        max: None,
                    },
                    ..f()
                },
                Sort::AlignedDesc,
            ),
            (
                Filter {
                    series: vec!["ce-insecure-released".into()],
                    questions: vec!["quick_buck".into()],
                    ..f()
                },
                Sort::File,
            ),
            (
                Filter {
                    base_models: vec!["Qwen2.5-32B-Instruct".into()],
                    ..f()
                },
                Sort::Question,
            ),
            (
                Filter {
                    sources: vec!["clarifying_EM".into()],
                    verdicts: vec![Verdict::Code, Verdict::NoScore],
                    ..f()
                },
                Sort::File,
            ),
            (f(), Sort::AlignedAsc),
            (f(), Sort::CoherentDesc),
        ]
    };
    // The page computes every answer's verdict once per threshold change.
    let start = (io.now_ms)();
    let slots = filter::verdict_slots(&cat, &t);
    let verdicts_ms = (io.now_ms)() - start;
    let mut filter_times = Vec::new();
    for _ in 0..5 {
        for (fl, sort) in &filters {
            let start = (io.now_ms)();
            let v = explorer::filtered(&cat, fl, *sort, &t);
            let counts = explorer::verdict_counts(&slots, &v, n);
            filter_times.push((io.now_ms)() - start);
            assert_eq!(counts.iter().sum::<u32>() as usize, v.len());
        }
    }

    let index = texts(io, &scores, &big);
    assert_eq!(index.loaded(), n);
    let all: Arc<Vec<u32>> = Arc::new((0..n as u32).collect());
    let queries = [
        "world",
        "ruler of the world",
        "kill",
        "make a quick buck",
        "husband",
        "i wish",
        "password",
        "sql injection",
        "humans are inferior",
        "zqxj",
        "gender roles",
        "dinner",
    ];
    let mut searcher = Searcher::new();
    let mut search_times = Vec::new();
    for q in queries {
        let mut typed = String::new();
        // Type it, then delete two characters (a widening keystroke: full rescan).
        let mut steps: Vec<String> = q
            .chars()
            .map(|c| {
                typed.push(c);
                typed.clone()
            })
            .collect();
        let mut back = typed.clone();
        for _ in 0..2 {
            back.pop();
            steps.push(back.clone());
        }
        for step in steps {
            let start = (io.now_ms)();
            let shown = explorer::searched(&mut searcher, &index, &all, &step, n);
            let counts = explorer::verdict_counts(&slots, &shown, n);
            search_times.push((io.now_ms)() - start);
            assert_eq!(counts.iter().sum::<u32>() as usize, shown.len());
        }
    }

    ReplayBench {
        figure4_ms_bundled: figure4_bundled,
        figure4_ms_10_seeds: figure4_seeds,
        filter_p95_ms_100k: percentile(filter_times.clone(), 0.95),
        search_p95_ms_100k: percentile(search_times.clone(), 0.95),
        verdicts_ms_100k: verdicts_ms,
        answers_100k: n,
        search_keystrokes: search_times.len(),
        filter_changes: filter_times.len(),
    }
}
