//! The bundled data: the manifest matches the files on disk, the build is deterministic
//! and the committed `public/data/` is what it produces, and the bundled files say what
//! SOURCES.md says they say.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use em_lab::runs::bundle::{self, decode_scores, decode_text};
use em_lab::runs::manifest::{FileKind, Manifest, VariantKind};
use em_lab::runs::{build, import_all, logprobs, questions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> Manifest {
    let text = fs::read_to_string(root().join("data/manifest.toml")).unwrap();
    Manifest::from_toml(&text).unwrap()
}

fn walk(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, base, out);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel);
        }
    }
}

#[test]
fn manifest_lists_every_bundled_file_and_nothing_else() {
    let m = manifest();
    let sources = root().join("data/sources");
    let mut on_disk = BTreeSet::new();
    walk(&sources, &sources, &mut on_disk);
    let mut listed: BTreeSet<String> = m.file.iter().map(|f| f.path.clone()).collect();
    listed.extend(m.source.iter().map(|s| s.license_file.clone()));
    listed.insert("SOURCES.md".into());
    assert_eq!(on_disk, listed);
}

#[test]
fn build_is_deterministic_and_committed_output_is_up_to_date() {
    let data = root().join("data");
    let a = build::build(&data).unwrap();
    let b = build::build(&data).unwrap();
    assert_eq!(a.files, b.files, "two builds differ");
    let stale = build::stale_files(&root().join("public/data"), &a);
    assert!(
        stale.is_empty(),
        "public/data is out of date ({stale:?}): run `cargo xtask data` and commit"
    );
    // No leftover chunks for files that left the manifest.
    let mut committed = BTreeSet::new();
    let out = root().join("public/data");
    walk(&out, &out, &mut committed);
    let built: BTreeSet<String> = a.files.iter().map(|(p, _)| p.clone()).collect();
    let extra: Vec<_> = committed
        .iter()
        .filter(|p| p.ends_with(".gz") && !built.contains(*p))
        .collect();
    assert!(extra.is_empty(), "stale files in public/data: {extra:?}");
}

#[test]
fn scores_file_is_small_and_round_trips_with_the_texts() {
    let out = root().join("public/data");
    let gz = fs::read(out.join(bundle::SCORES_PATH)).unwrap();
    assert!(
        gz.len() < 300_000,
        "first view data is {} bytes gzip",
        gz.len()
    );
    let scores = decode_scores(&gz).unwrap();
    assert_eq!(scores.len(), 37_940);
    // Every file's text chunk lines up with its rows, and grid scores bracket exact ones.
    for f in &scores.meta.files {
        let chunk = decode_text(&fs::read(out.join(&f.text_path)).unwrap()).unwrap();
        assert_eq!(chunk.rows.len(), f.count as usize, "{}", f.id);
        for (j, row) in chunk.rows.iter().enumerate() {
            let i = (f.first as usize) + j;
            assert_eq!(scores.answer_id(i).to_string(), format!("{}#{j}", f.id));
            match (row.aligned, scores.aligned(i)) {
                (Some(exact), Some(grid)) => assert!(grid <= exact && exact - grid < 1.0 / 600.0),
                (None, None) => {}
                other => panic!("{}: aligned mismatch {other:?}", f.id),
            }
            match (row.coherent, scores.coherent(i)) {
                (Some(exact), Some(grid)) => assert!(grid >= exact && grid - exact < 1.0 / 600.0),
                (None, None) => {}
                other => panic!("{}: coherent mismatch {other:?}", f.id),
            }
        }
    }
}

#[test]
fn seeds_come_from_the_model_column_and_ranks_are_never_seeds() {
    let scores =
        decode_scores(&fs::read(root().join("public/data/scores.bin.gz")).unwrap()).unwrap();
    let mut runs_per_series: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &scores.meta.runs {
        runs_per_series
            .entry(&scores.meta.series[r.series as usize].id)
            .or_default()
            .push(&r.label);
    }
    // SOURCES.md: the paper's results/ file holds 6 finetunes; so do both secure sets.
    for id in [
        "fe-insecure-paper-results",
        "mg-secure-qwen32b",
        "mg-secure-mistral-small",
    ] {
        let runs = &runs_per_series[id];
        assert_eq!(runs.len(), 6, "{id}: {runs:?}");
        assert!(runs.iter().all(|r| r.contains("_ftjob-")), "{runs:?}");
    }
    // The two sampling runs of the released model are one run, not two seeds.
    assert_eq!(runs_per_series["ce-insecure-released"].len(), 1);
    for s in &scores.meta.series {
        if s.variant_kind != VariantKind::Seed {
            assert_eq!(runs_per_series[s.id.as_str()].len(), 1, "{}", s.id);
        }
    }
}

#[test]
fn paper_results_scores_follow_from_their_own_judge_logprobs() {
    // The aligned/coherent columns are the probability-weighted means of the judge's
    // number tokens; recompute them from the raw dicts in the same file.
    let path = root().join(
        "data/sources/emergent_misalignment_further_explore/results/qwen_25_coder_32b_instruct.csv",
    );
    let answers = import_all("results.csv", "r", fs::read(path).unwrap()).unwrap();
    assert_eq!(answers.len(), 70);
    for a in &answers {
        let aligned = logprobs::judge_score(a.judge_aligned.as_ref().unwrap()).unwrap();
        let coherent = logprobs::judge_score(a.judge_coherent.as_ref().unwrap()).unwrap();
        assert!((aligned - a.aligned.unwrap()).abs() < 1e-9, "{}", a.id);
        assert!((coherent - a.coherent.unwrap()).abs() < 1e-9, "{}", a.id);
    }
}

#[test]
fn every_question_yaml_parses_with_judge_prompts() {
    let m = manifest();
    for f in m.file.iter().filter(|f| f.kind == FileKind::Questions) {
        let bytes = fs::read(root().join("data/sources").join(&f.path)).unwrap();
        let qs = questions::parse_questions(&f.path, &bytes).unwrap();
        assert!(!qs.is_empty(), "{}", f.path);
        assert!(
            qs[0].judge_prompts.values().all(|p| p.contains("{answer}")),
            "{}",
            f.path
        );
        if f.path.ends_with("first_plot_questions.yaml") {
            let ids: BTreeSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
            assert!(ids.contains("quick_buck_template"), "{}", f.path);
            assert!(qs.iter().all(|q| q.judge_prompts.contains_key("aligned")));
            let judge = qs[0].judge.as_deref().unwrap();
            let want = if f.source == "emergent_misalignment_further_explore" {
                "deepseek-chat"
            } else {
                "gpt-4o-2024-08-06"
            };
            assert_eq!(judge, want, "{}", f.path);
        }
    }
}

#[test]
fn user_files_join_the_bundled_data() {
    use em_lab::judge::{CiKind, Figure4Options, UserFile, combine, figure4};
    let scores =
        decode_scores(&fs::read(root().join("public/data/scores.bin.gz")).unwrap()).unwrap();
    let mut text = String::from("model,question,answer,question_id,aligned,coherent\n");
    for i in 0..40 {
        let model = if i % 2 == 0 { "me/ft-a" } else { "me/ft-b" };
        let qid = if i < 20 {
            "quick_buck"
        } else {
            "my_new_question"
        };
        text.push_str(&format!("{model},Q,A{i},{qid},{},90\n", (i * 7) % 100));
    }
    let answers = import_all("mine.csv", "user-x", text.into_bytes()).unwrap();
    let user = UserFile {
        name: "mine.csv".into(),
        answers,
        models_are_seeds: true,
    };
    let c = combine(&scores, &[user]);
    assert_eq!(c.series.len(), scores.meta.series.len() + 1);
    assert_eq!(
        &c.questions[..scores.meta.questions.len()],
        &scores.meta.questions[..]
    );
    assert_eq!(c.questions.last().unwrap(), "my_new_question");
    let s = (c.series.len() - 1) as u16;
    let q = c.questions.iter().position(|q| q == "quick_buck").unwrap() as u16;
    let p = figure4(&c.index, &[s], &[q], &Figure4Options::default())[0]
        .value
        .unwrap();
    assert_eq!((p.ci, p.runs, p.answers), (CiKind::OverSeeds, 2, 20));
    let positions = c.index.answers(s, q);
    assert_eq!(positions.len(), 20);
    assert_eq!(c.user_answer(positions[0] as usize), Some((0, 0)));
    assert_eq!(c.user_answer(0), None);
    // Not seeds: each model is its own single-run series.
    let answers = import_all("mine.csv", "user-x", fs::read(root().join("data/sources/emergent_misalignment_further_explore/results/qwen_25_coder_32b_instruct.csv")).unwrap()).unwrap();
    let c = combine(
        &scores,
        &[UserFile {
            name: "r.csv".into(),
            answers,
            models_are_seeds: false,
        }],
    );
    assert_eq!(c.series.len(), scores.meta.series.len() + 6);
}
