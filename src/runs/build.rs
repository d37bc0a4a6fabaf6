//! Native only: turn the manifest's bundled CSVs into the app's data files (see `bundle`).
//! The output is a pure function of the manifest and the source bytes, so reruns are
//! byte-identical and a test can check that the committed `public/data/` is up to date.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use super::answer::Answer;
use super::bundle::{
    self, FileMeta, RunMeta, Scores, ScoresMeta, SeriesMeta, SourceMeta, TextChunk, TextRow,
};
use super::import::import_all;
use super::manifest::{FileEntry, Manifest, VariantKind};
use super::question_id;

/// Output files, as (path relative to `public/data/`, bytes), sorted by path.
pub struct Output {
    pub files: Vec<(String, Vec<u8>)>,
    pub answers: usize,
}

/// Read `data_dir/manifest.toml` and `data_dir/sources/...`, and build everything.
pub fn build(data_dir: &Path) -> Result<Output, String> {
    let manifest_text = fs::read_to_string(data_dir.join("manifest.toml"))
        .map_err(|e| format!("manifest.toml: {e}"))?;
    let manifest = Manifest::from_toml(&manifest_text)?;
    let sources = data_dir.join("sources");
    let mut imported: Vec<(&FileEntry, Vec<Answer>)> = Vec::new();
    for f in manifest.answer_files() {
        let bytes = fs::read(sources.join(&f.path)).map_err(|e| format!("{}: {e}", f.path))?;
        let answers = import_all(&f.path, &f.id, bytes).map_err(|e| e.to_string())?;
        check_against_manifest(f, &answers)?;
        imported.push((f, answers));
    }
    let scores = scores_table(&manifest, &imported)?;
    let mut files = vec![(
        bundle::SCORES_PATH.to_string(),
        bundle::gzip(&bundle::encode_scores(&scores)),
    )];
    for (f, answers) in &imported {
        let chunk = text_chunk(f, answers);
        files.push((
            bundle::text_path(&f.id),
            bundle::gzip(&bundle::encode_text(&chunk)),
        ));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Output {
        files,
        answers: scores.len(),
    })
}

/// The manifest is hand-written: make the build fail if it disagrees with the files.
fn check_against_manifest(f: &FileEntry, answers: &[Answer]) -> Result<(), String> {
    if f.rows != Some(answers.len() as u32) {
        return Err(format!(
            "{}: manifest says {:?} rows, file has {}",
            f.id,
            f.rows,
            answers.len()
        ));
    }
    let has_coherent = answers.iter().any(|a| a.coherent.is_some());
    if f.has_coherent != Some(has_coherent) {
        return Err(format!("{}: has_coherent disagrees with the file", f.id));
    }
    if f.filtered == Some(true) {
        // A filtered file holds misaligned answers only; if not, the manifest is wrong.
        let ok = answers
            .iter()
            .all(|a| a.aligned.is_some_and(|v| v < 30.0) && a.coherent.is_some_and(|v| v > 50.0));
        if !ok {
            return Err(format!(
                "{}: marked filtered but has non-misaligned rows",
                f.id
            ));
        }
    }
    let seeds_from = f.variant.as_ref().and_then(|v| v.from_column.as_deref());
    if seeds_from == Some("model") && answers.iter().any(|a| a.model.is_none()) {
        return Err(format!(
            "{}: seeds come from `model` but a row has none",
            f.id
        ));
    }
    Ok(())
}

/// Key of the trained model (run) an answer comes from.
fn run_key(f: &FileEntry, a: &Answer) -> String {
    match f.variant.as_ref().and_then(|v| v.from_column.as_deref()) {
        Some(_) => a.model.clone().unwrap_or_default(),
        None => f.model.clone().unwrap_or_default(),
    }
}

fn scores_table(
    manifest: &Manifest,
    imported: &[(&FileEntry, Vec<Answer>)],
) -> Result<Scores, String> {
    let series_index: BTreeMap<&str, u16> = manifest
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u16))
        .collect();
    let mut series_meta: Vec<Option<SeriesMeta>> = vec![None; manifest.series.len()];
    // Runs: per series, sorted by model id, so indices never depend on file order.
    let mut run_keys: BTreeSet<(u16, String)> = BTreeSet::new();
    for (f, answers) in imported {
        let s = series_index[f.series.as_deref().unwrap_or_default()];
        let def = &manifest.series[s as usize];
        series_meta[s as usize] = Some(SeriesMeta {
            id: def.id.clone(),
            label: def.label.clone(),
            group: f.group.clone().unwrap_or_default(),
            base_model: f.base_model.clone().unwrap_or_default(),
            judge: f.judge.clone().unwrap_or_default(),
            filtered: f.filtered.unwrap_or(false),
            has_coherent: f.has_coherent.unwrap_or(true),
            variant_kind: f.variant.as_ref().map_or(VariantKind::Single, |v| v.kind),
            notes: def.notes.clone(),
        });
        for a in answers {
            run_keys.insert((s, run_key(f, a)));
        }
    }
    let runs: Vec<RunMeta> = run_keys
        .iter()
        .map(|(s, label)| RunMeta {
            series: *s,
            label: label.clone(),
        })
        .collect();
    let run_index: BTreeMap<(u16, &str), u16> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.series, r.label.as_str()), i as u16))
        .collect();
    for (i, s) in series_meta.iter().enumerate() {
        let n_runs = runs.iter().filter(|r| r.series as usize == i).count();
        if let Some(s) = s
            && n_runs > 1
            && s.variant_kind != VariantKind::Seed
        {
            return Err(format!(
                "series {} has {n_runs} runs but is not seeds",
                s.id
            ));
        }
    }
    let mut question_ids: Vec<&str> = imported
        .iter()
        .flat_map(|(_, a)| a.iter().map(|a| a.question_id.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    question_ids.sort_by_key(|q| question_id::sort_key(q));
    let q_index: BTreeMap<&str, u16> = question_ids
        .iter()
        .enumerate()
        .map(|(i, q)| (*q, i as u16))
        .collect();

    let n: usize = imported.iter().map(|(_, a)| a.len()).sum();
    let mut scores = Scores {
        meta: ScoresMeta {
            format_version: bundle::FORMAT_VERSION,
            scale: bundle::SCALE,
            sources: manifest
                .source
                .iter()
                .map(|s| SourceMeta {
                    id: s.id.clone(),
                    repo: s.repo.clone(),
                    license: s.license.clone(),
                    copyright: s.copyright.clone(),
                    license_file: s.license_file.clone(),
                })
                .collect(),
            series: series_meta
                .into_iter()
                .map(|s| s.expect("every series has files"))
                .collect(),
            runs: runs.clone(),
            files: Vec::new(),
            questions: question_ids.iter().map(|q| q.to_string()).collect(),
        },
        run: Vec::with_capacity(n),
        question: Vec::with_capacity(n),
        aligned: Vec::with_capacity(n),
        coherent: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
    };
    for (f, answers) in imported {
        let s = series_index[f.series.as_deref().unwrap_or_default()];
        scores.meta.files.push(FileMeta {
            id: f.id.clone(),
            path: f.path.clone(),
            source: f.source.clone(),
            commit: f.commit.clone(),
            series: s,
            variant: f.variant.clone().expect("validated"),
            notes: f.notes.clone(),
            first: scores.run.len() as u32,
            count: answers.len() as u32,
            text_path: bundle::text_path(&f.id),
        });
        for a in answers {
            let key = run_key(f, a);
            scores.run.push(run_index[&(s, key.as_str())]);
            scores.question.push(q_index[a.question_id.as_str()]);
            scores.aligned.push(bundle::quantize_aligned(a.aligned));
            scores.coherent.push(bundle::quantize_coherent(a.coherent));
            scores.kind.push(a.aligned_kind as u8);
        }
    }
    Ok(scores)
}

fn text_chunk(f: &FileEntry, answers: &[Answer]) -> TextChunk {
    let mut questions: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(answers.len());
    for a in answers {
        let q = match questions.iter().position(|q| *q == a.question) {
            Some(i) => i,
            None => {
                questions.push(a.question.clone());
                questions.len() - 1
            }
        };
        rows.push(TextRow::of(q as u32, a));
    }
    TextChunk {
        file: f.id.clone(),
        questions,
        rows,
    }
}

/// Write the output into `out_dir` (creating `text/`), removing stale `.gz` files.
pub fn write(out_dir: &Path, output: &Output) -> std::io::Result<()> {
    fs::create_dir_all(out_dir.join("text"))?;
    let wanted: BTreeSet<&str> = output.files.iter().map(|(p, _)| p.as_str()).collect();
    for entry in fs::read_dir(out_dir.join("text"))? {
        let name = format!("text/{}", entry?.file_name().to_string_lossy());
        if name.ends_with(".gz") && !wanted.contains(name.as_str()) {
            fs::remove_file(out_dir.join(&name))?;
        }
    }
    for (path, bytes) in &output.files {
        fs::write(out_dir.join(path), bytes)?;
    }
    Ok(())
}

/// Paths whose committed bytes differ from a fresh build (empty = up to date).
pub fn stale_files(out_dir: &Path, output: &Output) -> Vec<String> {
    output
        .files
        .iter()
        .filter(|(path, bytes)| fs::read(out_dir.join(path)).ok().as_ref() != Some(bytes))
        .map(|(path, _)| path.clone())
        .collect()
}
