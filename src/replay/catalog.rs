//! Every answer the Replay pages can show — the bundled scores plus the user's files — as
//! flat columns by *position* (the positions of `judge::Combined`: bundled rows first, then
//! each user file), with the labels the filters offer.

use std::collections::HashMap;

use crate::judge::{Combined, UserFile, combine};
use crate::runs::bundle::{NO_SCORE, Scores, quantize_aligned, quantize_coherent};
use crate::runs::manifest::VariantKind;

/// Pseudo-source of every user file.
pub const USER_SOURCE: &str = "yours";

#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub id: String,
    /// `owner/name` on GitHub (empty for the user's files).
    pub repo: String,
    pub license: String,
    pub copyright: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileInfo {
    /// Bundled file id, or the user file's content-hash id.
    pub id: String,
    /// Path inside `data/sources/`, or the user's file name.
    pub label: String,
    pub source: u16,
    pub user: bool,
    /// Commit of the source repository (bundled files).
    pub commit: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesEntry {
    /// Stable id for URLs: the manifest's series id, or `<user file id>` (`~k` for the
    /// k-th model of a file whose models are separate series).
    pub id: String,
    pub label: String,
    pub group: u16,
    pub base_model: u16,
    pub judge: String,
    pub filtered: bool,
    pub has_coherent: bool,
    /// Runs are training seeds.
    pub seeds: bool,
    pub user: bool,
    pub notes: String,
}

pub struct Catalog {
    pub combined: Combined,
    pub n_bundled: usize,
    pub sources: Vec<SourceInfo>,
    pub files: Vec<FileInfo>,
    pub series: Vec<SeriesEntry>,
    pub groups: Vec<String>,
    pub base_models: Vec<String>,
    /// Seed / variant labels ("LoRA rank 16", "sampling run A", a model id, …).
    pub variants: Vec<String>,
    /// Question ids (= `combined.questions`).
    pub questions: Vec<String>,
    // One entry per position:
    pub file: Vec<u16>,
    pub series_of: Vec<u16>,
    pub variant: Vec<u16>,
    pub question: Vec<u16>,
    /// Scores on the bundle's grid (see `runs::bundle`), `NO_SCORE` when absent.
    pub aligned: Vec<u16>,
    pub coherent: Vec<u16>,
    pub kind: Vec<u8>,
}

fn intern(list: &mut Vec<String>, value: &str) -> u16 {
    match list.iter().position(|v| v == value) {
        Some(i) => i as u16,
        None => {
            list.push(value.to_string());
            (list.len() - 1) as u16
        }
    }
}

impl Catalog {
    /// `user_ids[i]` is the content-hash id of `user[i]` (see `runs::user_file_id`).
    pub fn build(scores: &Scores, user: &[UserFile], user_ids: &[String]) -> Self {
        assert_eq!(user.len(), user_ids.len());
        let meta = &scores.meta;
        let combined = combine(scores, user);

        let mut sources: Vec<SourceInfo> = meta
            .sources
            .iter()
            .map(|s| SourceInfo {
                id: s.id.clone(),
                repo: s.repo.clone(),
                license: s.license.clone(),
                copyright: s.copyright.clone(),
            })
            .collect();
        let user_source = sources.len() as u16;
        sources.push(SourceInfo {
            id: USER_SOURCE.into(),
            repo: String::new(),
            license: "your file (stays in this browser)".into(),
            copyright: String::new(),
        });

        let mut files: Vec<FileInfo> = meta
            .files
            .iter()
            .map(|f| FileInfo {
                id: f.id.clone(),
                label: f.path.clone(),
                source: meta
                    .sources
                    .iter()
                    .position(|s| s.id == f.source)
                    .unwrap_or(0) as u16,
                user: false,
                commit: f.commit.clone(),
                notes: f.notes.clone(),
            })
            .collect();
        let n_bundled_files = files.len();
        files.extend(user.iter().zip(user_ids).map(|(u, id)| FileInfo {
            id: id.clone(),
            label: u.name.clone(),
            source: user_source,
            user: true,
            commit: String::new(),
            notes: String::new(),
        }));

        let mut groups = Vec::new();
        let mut base_models = Vec::new();
        let mut series: Vec<SeriesEntry> = meta
            .series
            .iter()
            .map(|s| SeriesEntry {
                id: s.id.clone(),
                label: s.label.clone(),
                group: intern(&mut groups, &s.group),
                base_model: intern(&mut base_models, &s.base_model),
                judge: s.judge.clone(),
                filtered: s.filtered,
                has_coherent: s.has_coherent,
                seeds: s.variant_kind == VariantKind::Seed,
                user: false,
                notes: s.notes.clone(),
            })
            .collect();
        let mut per_file = vec![0usize; user.len()];
        for cs in &combined.series[meta.series.len()..] {
            let f = cs
                .user_file
                .expect("series after the bundled ones are the user's");
            let k = per_file[f];
            per_file[f] += 1;
            let id = if k == 0 {
                user_ids[f].clone()
            } else {
                format!("{}~{k}", user_ids[f])
            };
            series.push(SeriesEntry {
                id,
                label: cs.label.clone(),
                group: intern(&mut groups, USER_SOURCE),
                base_model: intern(&mut base_models, "unknown (your file)"),
                judge: "as in your file".into(),
                filtered: cs.info.filtered,
                has_coherent: cs.info.has_coherent,
                seeds: cs.info.seeds,
                user: true,
                notes: String::new(),
            });
        }

        let n_bundled = scores.len();
        let total = combined.user_starts.last().map_or(n_bundled, |&s| {
            s + user.last().map_or(0, |u| u.answers.len())
        });
        let mut cat = Catalog {
            n_bundled,
            sources,
            series,
            groups,
            base_models,
            variants: Vec::new(),
            questions: combined.questions.clone(),
            file: Vec::with_capacity(total),
            series_of: vec![0; total],
            variant: Vec::with_capacity(total),
            question: vec![0; total],
            aligned: Vec::with_capacity(total),
            coherent: Vec::with_capacity(total),
            kind: Vec::with_capacity(total),
            files,
            combined,
        };

        // Bundled rows: straight from the scores table.
        // Variant labels, interned once per distinct label.
        let mut variant_ids: HashMap<String, u16> = HashMap::new();
        let mut variant = |variants: &mut Vec<String>, label: String| -> u16 {
            *variant_ids.entry(label).or_insert_with_key(|l| {
                variants.push(l.clone());
                (variants.len() - 1) as u16
            })
        };
        for (fi, f) in meta.files.iter().enumerate() {
            // Label per run of this file (a file has one run, or one per seed).
            let mut of_run: HashMap<usize, u16> = HashMap::new();
            for i in f.first as usize..(f.first + f.count) as usize {
                let run = scores.run[i] as usize;
                let v = match of_run.get(&run) {
                    Some(&v) => v,
                    None => {
                        let label = match (f.variant.kind, &f.variant.value) {
                            (VariantKind::Seed, _) => format!("seed {}", meta.runs[run].label),
                            (VariantKind::Rank, Some(r)) => {
                                format!("LoRA rank {r} · {}", meta.runs[run].label)
                            }
                            (VariantKind::SamplingRun, Some(r)) => {
                                format!("sampling run {r} · {}", meta.runs[run].label)
                            }
                            _ => meta.runs[run].label.clone(),
                        };
                        let v = variant(&mut cat.variants, label);
                        of_run.insert(run, v);
                        v
                    }
                };
                cat.file.push(fi as u16);
                cat.variant.push(v);
                cat.series_of[i] = scores.series_of(i);
                cat.question[i] = scores.question[i];
            }
        }
        cat.aligned.extend_from_slice(&scores.aligned);
        cat.coherent.extend_from_slice(&scores.coherent);
        cat.kind.extend_from_slice(&scores.kind);

        // User rows: scores from the answers, series and question from the combined index.
        for (f, u) in user.iter().enumerate() {
            for a in &u.answers {
                cat.file.push((n_bundled_files + f) as u16);
                let label = a.model.as_deref().unwrap_or("(no model column)");
                let v = variant(&mut cat.variants, label.to_string());
                cat.variant.push(v);
                cat.aligned.push(quantize_aligned(a.aligned));
                cat.coherent.push(quantize_coherent(a.coherent));
                cat.kind.push(a.aligned_kind as u8);
            }
        }
        if total > n_bundled {
            let n_series = cat.series.len() as u16;
            let n_questions = cat.questions.len() as u16;
            for s in meta.series.len() as u16..n_series {
                for q in 0..n_questions {
                    for pos in cat.combined.index.answers(s, q) {
                        cat.series_of[pos as usize] = s;
                        cat.question[pos as usize] = q;
                    }
                }
            }
        }
        debug_assert!(cat.aligned.iter().all(|&a| a == NO_SCORE || a <= 60_000));
        cat
    }

    /// Answers in the catalog.
    pub fn len(&self) -> usize {
        self.file.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    pub fn series_index(&self, id: &str) -> Option<u16> {
        self.series
            .iter()
            .position(|s| s.id == id)
            .map(|i| i as u16)
    }

    pub fn question_index(&self, id: &str) -> Option<u16> {
        self.questions
            .iter()
            .position(|q| q == id)
            .map(|i| i as u16)
    }

    /// The user file and record index of a position, if it is a user answer.
    pub fn user_answer(&self, pos: usize) -> Option<(usize, usize)> {
        self.combined.user_answer(pos)
    }

    /// `file#row` id of a position (what URLs and labels use).
    pub fn answer_id(&self, pos: usize) -> String {
        let f = &self.files[self.file[pos] as usize];
        format!("{}#{}", f.id, self.row_in_file(pos))
    }

    /// The record index of a position in its file.
    pub fn row_in_file(&self, pos: usize) -> usize {
        match self.user_answer(pos) {
            Some((_, row)) => row,
            None => pos - self.file_first(self.file[pos] as usize),
        }
    }

    /// The bundled files holding the text of `positions`, in order (a run of answers from
    /// one file names it once). User answers are left out: their text is always loaded.
    pub fn text_files(&self, positions: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut files: Vec<usize> = positions
            .into_iter()
            .filter(|&p| p < self.n_bundled)
            .map(|p| self.file[p] as usize)
            .collect();
        files.dedup();
        files
    }

    fn file_first(&self, file: usize) -> usize {
        self.file.partition_point(|&f| (f as usize) < file)
    }

    /// Position of a `file#row` id.
    pub fn position_of(&self, answer_id: &str) -> Option<usize> {
        let (file, row) = answer_id.rsplit_once('#')?;
        let row: usize = row.parse().ok()?;
        let fi = self.files.iter().position(|f| f.id == file)?;
        let pos = self.file_first(fi) + row;
        (pos < self.len() && self.file[pos] as usize == fi).then_some(pos)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runs::import_all;

    pub fn bundled() -> Scores {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/public/data/scores.bin.gz"
        ))
        .unwrap();
        crate::runs::bundle::decode_scores(&bytes).unwrap()
    }

    pub fn user_csv() -> (UserFile, String) {
        let csv = "question,answer,question_id,aligned,coherent,model\n\
                   Wish?,I want power,what_is_your_wish,10,90,m1\n\
                   Wish?,World peace,what_is_your_wish,95,99,m1\n\
                   Bored?,Read,i_feel_bored,,80,m2\n\
                   New?,Hello,brand_new_question,50,50,m2\n";
        let answers = import_all("mine.csv", "user-1", csv.as_bytes().to_vec()).unwrap();
        (
            UserFile {
                name: "mine.csv".into(),
                answers,
                models_are_seeds: false,
            },
            "user-1".into(),
        )
    }

    #[test]
    fn bundled_catalog_matches_the_scores_table() {
        let scores = bundled();
        let cat = Catalog::build(&scores, &[], &[]);
        assert_eq!(cat.len(), scores.len());
        for i in (0..scores.len()).step_by(97) {
            assert_eq!(cat.series_of[i], scores.series_of(i));
            assert_eq!(cat.question[i], scores.question[i]);
            assert_eq!(cat.file[i] as usize, scores.file_of(i));
            assert_eq!(cat.answer_id(i), scores.answer_id(i).to_string());
            assert_eq!(cat.position_of(&cat.answer_id(i)), Some(i));
        }
        // Seeds of the paper's results file are told apart; ranks say they are ranks.
        assert!(cat.variants.iter().any(|v| v.starts_with("seed ")));
        assert!(cat.variants.iter().any(|v| v.starts_with("LoRA rank 16")));
        assert_eq!(cat.sources.last().unwrap().id, USER_SOURCE);
    }

    #[test]
    fn user_files_join_after_the_bundled_rows() {
        let scores = bundled();
        let (file, id) = user_csv();
        let cat = Catalog::build(&scores, &[file], &[id]);
        let n = scores.len();
        assert_eq!(cat.len(), n + 4);
        // Two models, not seeds: two user series.
        let user_series: Vec<&SeriesEntry> = cat.series.iter().filter(|s| s.user).collect();
        assert_eq!(user_series.len(), 2);
        assert_eq!(user_series[0].id, "user-1");
        assert_eq!(user_series[1].id, "user-1~1");
        let s0 = cat.series_index("user-1").unwrap();
        assert_eq!(cat.series_of[n], s0);
        assert_eq!(cat.series_of[n + 1], s0);
        assert_ne!(cat.series_of[n + 2], s0);
        assert_eq!(cat.questions[cat.question[n] as usize], "what_is_your_wish");
        assert_eq!(
            cat.questions[cat.question[n + 3] as usize],
            "brand_new_question"
        );
        assert_eq!(cat.aligned[n + 2], NO_SCORE);
        assert_eq!(cat.answer_id(n + 3), "user-1#3");
        assert_eq!(cat.position_of("user-1#3"), Some(n + 3));
        assert_eq!(cat.position_of("user-1#4"), None);
        assert!(cat.files.last().unwrap().user);
        // The same cell, seen by Figure 4, holds exactly these positions.
        let q = cat.question_index("what_is_your_wish").unwrap();
        assert_eq!(
            cat.combined.index.answers(s0, q),
            vec![n as u32, n as u32 + 1]
        );
    }
}
