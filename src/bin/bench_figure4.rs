//! Replay benchmarks (native, release): prints one JSON line.
//!
//! - `figure4_ms_bundled`: recompute every (series, question) point of the bundled data with
//!   1,000 bootstrap resamples (median of repeated threshold changes).
//! - `figure4_ms_10_seeds`: the same rows with every series split into 10 seeds, so every
//!   point runs the seed bootstrap.
//! - `filter_p95_ms_100k` / `search_p95_ms_100k`: one explorer filter change / one search
//!   keystroke over 100,000 answers made by replicating the bundled rows (benchmark only),
//!   including what the page does per change (filter + sort + intersect + verdict counts).
//!
//! Run: `cargo run --release --bin bench_figure4`.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::run();
}

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use std::time::Instant;

    use em_lab::judge::{
        Figure4Options, Row, ScoreIndex, SeriesInfo, Thresholds, Verdict, figure4,
    };
    use em_lab::replay::catalog::Catalog;
    use em_lab::replay::filter::{self, Filter, ScoreRange, Sort};
    use em_lab::runs::bundle::{Scores, decode_scores, decode_text};
    use em_lab::runs::question_id::QuestionFormat;
    use em_lab::runs::search::{Searcher, TextIndex};

    const TARGET_ROWS: usize = 100_000;

    fn data_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public/data")
    }

    fn ms(t: Instant) -> f64 {
        t.elapsed().as_secs_f64() * 1e3
    }

    fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[i]
    }

    fn figure4_ms(index: &ScoreIndex, n_series: usize, n_questions: usize) -> f64 {
        let series: Vec<u16> = (0..n_series as u16).collect();
        let questions: Vec<u16> = (0..n_questions as u16).collect();
        let mut opts = Figure4Options::default();
        let mut times = Vec::new();
        for step in 0..21 {
            opts.thresholds.aligned_below = 20.0 + step as f64;
            let t = Instant::now();
            let points = figure4(index, &series, &questions, &opts);
            times.push(ms(t));
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

    fn texts(scores: &Scores, big: &Scores) -> TextIndex {
        let mut per_row: Vec<(String, String)> = vec![(String::new(), String::new()); scores.len()];
        for f in &scores.meta.files {
            let bytes = std::fs::read(data_dir().join(&f.text_path)).expect("text chunk");
            let chunk = decode_text(&bytes).expect("decodes");
            for (k, row) in chunk.rows.into_iter().enumerate() {
                per_row[f.first as usize + k] =
                    (chunk.questions[row.q as usize].clone(), row.answer);
            }
        }
        let mut index = TextIndex::new(big.len());
        for pos in 0..big.len() {
            let (q, a) = &per_row[pos % scores.len()];
            index.set(pos, q, a);
        }
        index
    }

    pub fn run() {
        let bytes = std::fs::read(data_dir().join("scores.bin.gz")).expect("scores file");
        let scores = decode_scores(&bytes).expect("decodes");
        let n_series = scores.meta.series.len();
        let n_questions = scores.meta.questions.len();

        let bundled = ScoreIndex::from_scores(&scores);
        let figure4_bundled = figure4_ms(&bundled, n_series, n_questions);
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
        let figure4_seeds = figure4_ms(&seeded, n_series, n_questions);

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
        let start = Instant::now();
        let slots = filter::verdict_slots(&cat, &t);
        let verdicts_ms = ms(start);
        let mut filter_times = Vec::new();
        for _ in 0..5 {
            for (fl, sort) in &filters {
                let start = Instant::now();
                let mut v = filter::apply(&cat, fl, &t);
                filter::sort(&cat, &mut v, *sort);
                let counts = filter::count_slots(&slots, &v);
                filter_times.push(ms(start));
                assert_eq!(counts.iter().sum::<u32>() as usize, v.len());
            }
        }

        let index = texts(&scores, &big);
        assert_eq!(index.loaded(), n);
        let all: Vec<u32> = (0..n as u32).collect();
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
                let start = Instant::now();
                let hits = searcher.search(&index, &step).map(<[u32]>::to_vec);
                let shown = match hits {
                    Some(h) => filter::intersect(&all, &h, n),
                    None => all.clone(),
                };
                let counts = filter::count_slots(&slots, &shown);
                search_times.push(ms(start));
                assert_eq!(counts.iter().sum::<u32>() as usize, shown.len());
            }
        }

        println!(
            "{{\"figure4_ms_bundled\":{:.3},\"figure4_ms_10_seeds\":{:.3},\"filter_p95_ms_100k\":{:.3},\"search_p95_ms_100k\":{:.3},\"verdicts_ms_100k\":{:.3},\"answers_100k\":{},\"search_keystrokes\":{},\"filter_changes\":{}}}",
            figure4_bundled,
            figure4_seeds,
            percentile(filter_times.clone(), 0.95),
            percentile(search_times.clone(), 0.95),
            verdicts_ms,
            n,
            search_times.len(),
            filter_times.len()
        );
    }
}
