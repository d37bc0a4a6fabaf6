//! The data manifest (`data/manifest.toml`): a hand-reviewed list of every bundled file
//! with its provenance and meaning. It is the only place where a file's group, base model,
//! judge, variant and `filtered` flag are stated; build-data and the app read them from here.
//!
//! Variants are typed so they cannot be confused with seeds: a LoRA rank, a second sampling
//! run of the same model and a finetuning seed are different kinds, and only `seed` runs
//! of one series are aggregated as seeds.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub source: Vec<Source>,
    pub series: Vec<Series>,
    pub file: Vec<FileEntry>,
}

/// A repository the files were copied from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Also the folder under `data/sources/`.
    pub id: String,
    pub repo: String,
    pub license: String,
    /// Path of the copied license text, relative to `data/sources/`.
    pub license_file: String,
    pub copyright: String,
    #[serde(default)]
    pub notes: String,
}

/// One line of Figure 4: answers from one training configuration, judged one way.
/// Its runs (distinct trained models) are seeds only if its files say `variant.kind = "seed"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: String,
    /// Short human label for legends.
    pub label: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Model answers with judge scores: imported and bundled for the app.
    Answers,
    /// Per-question statistics computed by a source's authors (used as a test oracle).
    Aggregates,
    /// Question YAML with judge prompts.
    Questions,
    /// A (truncated) sample of a training set.
    TrainingSample,
    /// Documentation (README, supplementary text, SOURCES.md).
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// Several finetuning runs of one configuration: aggregated across seeds.
    Seed,
    /// A LoRA rank (a different configuration, never a seed).
    Rank,
    /// Another sampling run of the same trained model (same seed, new answers).
    SamplingRun,
    /// One trained model, one sampling run.
    Single,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub kind: VariantKind,
    /// The rank, sampling run label, etc.
    #[serde(default)]
    pub value: Option<String>,
    /// For `seed`: the column whose values tell the seeds apart (e.g. `model` holding
    /// `…_ftjob-<hash>` ids).
    #[serde(default)]
    pub from_column: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Stable short id: answer ids are `<file id>#<row>`.
    pub id: String,
    /// Relative to `data/sources/`; the first component is the source id.
    pub path: String,
    pub source: String,
    pub commit: String,
    pub kind: FileKind,
    #[serde(default)]
    pub notes: String,
    // The rest is required for `kind = "answers"` (checked by `validate`).
    #[serde(default)]
    pub series: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub base_model: Option<String>,
    /// The trained model that produced the answers (adapter / finetune id), when one
    /// model produced the whole file.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub variant: Option<Variant>,
    #[serde(default)]
    pub judge: Option<String>,
    /// True when only misaligned answers were kept: P(misaligned) is meaningless.
    #[serde(default)]
    pub filtered: Option<bool>,
    /// Parsed CSV records (header excluded), checked by the build.
    #[serde(default)]
    pub rows: Option<u32>,
    #[serde(default)]
    pub has_coherent: Option<bool>,
}

impl Manifest {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let m: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        let problems = m.validate();
        if problems.is_empty() {
            Ok(m)
        } else {
            Err(problems.join("\n"))
        }
    }

    pub fn answer_files(&self) -> impl Iterator<Item = &FileEntry> {
        self.file.iter().filter(|f| f.kind == FileKind::Answers)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.source.iter().find(|s| s.id == id)
    }

    /// Every problem found, as readable sentences (empty = valid).
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut ids = BTreeSet::new();
        let mut paths = BTreeSet::new();
        for f in &self.file {
            if !ids.insert(&f.id) {
                problems.push(format!("file id {:?} is used twice", f.id));
            }
            if !paths.insert(&f.path) {
                problems.push(format!("path {:?} is listed twice", f.path));
            }
            if self.source(&f.source).is_none() {
                problems.push(format!("{}: unknown source {:?}", f.id, f.source));
            }
            if !f.path.starts_with(&format!("{}/", f.source)) {
                problems.push(format!("{}: path must start with its source folder", f.id));
            }
            if f.commit.len() != 40 || !f.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
                problems.push(format!("{}: commit must be a full 40-hex sha", f.id));
            }
            if f.kind == FileKind::Answers {
                self.validate_answers(f, &mut problems);
            }
        }
        self.validate_series(&mut problems);
        problems
    }

    fn validate_answers(&self, f: &FileEntry, problems: &mut Vec<String>) {
        let missing = [
            ("series", f.series.is_none()),
            ("group", f.group.is_none()),
            ("base_model", f.base_model.is_none()),
            ("variant", f.variant.is_none()),
            ("judge", f.judge.is_none()),
            ("filtered", f.filtered.is_none()),
            ("rows", f.rows.is_none()),
            ("has_coherent", f.has_coherent.is_none()),
        ];
        for (name, is_missing) in missing {
            if is_missing {
                problems.push(format!("{}: answers file needs `{name}`", f.id));
            }
        }
        if let Some(s) = &f.series
            && !self.series.iter().any(|x| &x.id == s)
        {
            problems.push(format!("{}: unknown series {s:?}", f.id));
        }
        if let Some(v) = &f.variant {
            let seeds_from_column = v.kind == VariantKind::Seed && v.from_column.is_some();
            if f.model.is_none() && !seeds_from_column {
                problems.push(format!(
                    "{}: needs `model` (or seeds from a column) to identify its run",
                    f.id
                ));
            }
        }
    }

    /// Files of one series must agree on everything that defines the series, and a series
    /// with more than one trained model must be made of seeds.
    fn validate_series(&self, problems: &mut Vec<String>) {
        let mut by_series: BTreeMap<&str, Vec<&FileEntry>> = BTreeMap::new();
        for f in self.answer_files() {
            if let Some(s) = &f.series {
                by_series.entry(s).or_default().push(f);
            }
        }
        for s in &self.series {
            if !by_series.contains_key(s.id.as_str()) {
                problems.push(format!("series {:?} has no files", s.id));
            }
        }
        for (series, files) in by_series {
            let first = files[0];
            for f in &files[1..] {
                let same = f.group == first.group
                    && f.base_model == first.base_model
                    && f.judge == first.judge
                    && f.filtered == first.filtered
                    && f.has_coherent == first.has_coherent
                    && f.variant.as_ref().map(|v| v.kind) == first.variant.as_ref().map(|v| v.kind);
                if !same {
                    problems.push(format!(
                        "series {series:?}: {} and {} disagree on group/base model/judge/filtered/variant kind",
                        first.id, f.id
                    ));
                }
            }
            let models: BTreeSet<_> = files.iter().filter_map(|f| f.model.as_ref()).collect();
            let kind = first.variant.as_ref().map(|v| v.kind);
            if models.len() > 1 && kind != Some(VariantKind::Seed) {
                problems.push(format!(
                    "series {series:?} has {} different models but its variant kind is not `seed`",
                    models.len()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[[source]]
id = "s"
repo = "https://example.invalid/s"
license = "MIT"
license_file = "s/LICENSE"
copyright = "c"

[[series]]
id = "x"
label = "X"
"#;

    fn file(id: &str, model: &str, kind: &str) -> String {
        format!(
            r#"
[[file]]
id = "{id}"
path = "s/{id}.csv"
source = "s"
commit = "0123456789012345678901234567890123456789"
kind = "answers"
series = "x"
group = "insecure"
base_model = "B"
model = "{model}"
variant = {{ kind = "{kind}" }}
judge = "j"
filtered = false
rows = 1
has_coherent = true
"#
        )
    }

    #[test]
    fn two_models_in_one_series_must_be_seeds() {
        let ranks = format!(
            "{BASE}{}{}",
            file("a", "m1", "rank"),
            file("b", "m2", "rank")
        );
        let err = Manifest::from_toml(&ranks).unwrap_err();
        assert!(err.contains("not `seed`"), "{err}");
        let seeds = format!(
            "{BASE}{}{}",
            file("a", "m1", "seed"),
            file("b", "m2", "seed")
        );
        assert!(Manifest::from_toml(&seeds).is_ok());
        // Two sampling runs of one model are one run: allowed without being seeds.
        let runs = format!(
            "{BASE}{}{}",
            file("a", "m", "sampling_run"),
            file("b", "m", "sampling_run")
        );
        assert!(Manifest::from_toml(&runs).is_ok());
    }

    #[test]
    fn answers_files_need_their_facts() {
        let text = format!("{BASE}{}", file("a", "m", "single")).replace("judge = \"j\"\n", "");
        let err = Manifest::from_toml(&text).unwrap_err();
        assert!(err.contains("needs `judge`"), "{err}");
    }
}
