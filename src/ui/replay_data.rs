//! The Replay data, shared by the Replay pages through Leptos context:
//! the scores file (fetched and decoded once), the answer text (fetched lazily in the
//! background, one chunk per source file, with progress), and the user's own files
//! (imported in chunks with progress, persisted in IndexedDB). The logic is plain Rust
//! (`runs`, `judge`, `replay`); this module only fetches, stores and bumps signals.

use std::collections::VecDeque;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::judge::UserFile;
use crate::replay::answer_text::{AnswerText, answer_text};
use crate::replay::catalog::Catalog;
use crate::replay::explorer;
use crate::replay::filter::Sort;
use crate::replay::state::ExplorerState;
use crate::runs;
use crate::runs::bundle::{self, Scores, TextChunk};
use crate::runs::search::Searcher;
use crate::runs::search::TextIndex;

use super::browser::{read_file, yield_now};
use super::idb;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Idle,
    Loading,
    Ready,
    Failed(String),
}

/// Background loading of the answer text.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TextProgress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes: u64,
    pub failed: usize,
}

/// A user file being imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Importing {
    pub file: String,
    pub fraction: f64,
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserFileSummary {
    pub id: String,
    pub name: String,
    pub answers: usize,
    /// Distinct values of the file's `model` column.
    pub models: usize,
    pub models_are_seeds: bool,
}

/// The user's files, in import order, with their content-hash ids.
#[derive(Default)]
struct UserStore {
    ids: Vec<String>,
    files: Vec<UserFile>,
}

/// Text of every position, for display and search.
#[derive(Default)]
pub struct Texts {
    pub index: TextIndex,
    /// Per bundled file (index into `meta.files`).
    pub chunks: Vec<Option<Arc<TextChunk>>>,
}

#[derive(Clone, Copy)]
pub struct ReplayData {
    pub status: RwSignal<Status>,
    pub catalog: RwSignal<Option<Arc<Catalog>>>,
    pub texts: StoredValue<Texts>,
    /// Bumped whenever text arrives or the catalog changes.
    pub text_version: RwSignal<u64>,
    pub text_progress: RwSignal<TextProgress>,
    pub user_files: RwSignal<Vec<UserFileSummary>>,
    pub importing: RwSignal<Option<Importing>>,
    /// Clear messages about files that could not be imported (file, line, field).
    pub import_errors: RwSignal<Vec<String>>,
    /// Why the user's files cannot be kept across reloads, if they cannot.
    pub storage_note: RwSignal<Option<String>>,
    scores: StoredValue<Option<Arc<Scores>>>,
    user: StoredValue<UserStore>,
    queue: StoredValue<VecDeque<usize>>,
    started: StoredValue<bool>,
}

pub fn provide_replay_data() {
    provide_context(ReplayData {
        status: RwSignal::new(Status::Idle),
        catalog: RwSignal::new(None),
        texts: StoredValue::new(Texts::default()),
        text_version: RwSignal::new(0),
        text_progress: RwSignal::new(TextProgress::default()),
        user_files: RwSignal::new(Vec::new()),
        importing: RwSignal::new(None),
        import_errors: RwSignal::new(Vec::new()),
        storage_note: RwSignal::new(None),
        scores: StoredValue::new(None),
        user: StoredValue::new(UserStore::default()),
        queue: StoredValue::new(VecDeque::new()),
        started: StoredValue::new(false),
    });
}

/// The Replay data, loading it on first use.
pub fn use_replay() -> ReplayData {
    let data = expect_context::<ReplayData>();
    if !data.started.get_value() {
        data.started.set_value(true);
        data.status.set(Status::Loading);
        spawn_local(data.load());
    }
    data
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    response.binary().await.map_err(|e| format!("{url}: {e}"))
}

impl ReplayData {
    async fn load(self) {
        // Relative URL: works under any sub-path (the document has a <base href>).
        let scores = match fetch_bytes(&format!("data/{}", bundle::SCORES_PATH)).await {
            Ok(bytes) => bundle::decode_scores(&bytes).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let scores = match scores {
            Ok(s) => Arc::new(s),
            Err(e) => {
                self.status.set(Status::Failed(e));
                return;
            }
        };
        let n_files = scores.meta.files.len();
        self.texts.update_value(|t| {
            t.index = TextIndex::new(scores.len());
            t.chunks = vec![None; n_files];
        });
        self.queue.set_value((0..n_files).collect());
        self.text_progress.set(TextProgress {
            files_total: n_files,
            ..TextProgress::default()
        });
        self.scores.set_value(Some(scores));
        self.rebuild();
        self.status.set(Status::Ready);
        spawn_local(self.load_text());
        self.restore_user_files().await;
    }

    /// Rebuild the catalog after the user's files changed.
    fn rebuild(&self) {
        let Some(scores) = self.scores.get_value() else {
            return;
        };
        let catalog = self
            .user
            .with_value(|user| Catalog::build(&scores, &user.files, &user.ids));
        let n = catalog.len();
        let bundled = catalog.n_bundled;
        self.user.with_value(|user| {
            self.texts.update_value(|t| {
                t.index.resize(bundled);
                t.index.resize(n);
                let mut pos = bundled;
                for f in &user.files {
                    for a in &f.answers {
                        t.index.set(pos, &a.question, &a.answer);
                        pos += 1;
                    }
                }
            });
            self.user_files.set(
                user.ids
                    .iter()
                    .zip(&user.files)
                    .map(|(id, f)| UserFileSummary {
                        id: id.clone(),
                        name: f.name.clone(),
                        answers: f.answers.len(),
                        models: f.models().len(),
                        models_are_seeds: f.models_are_seeds,
                    })
                    .collect(),
            );
        });
        self.catalog.set(Some(Arc::new(catalog)));
        self.text_version.update(|v| *v += 1);
    }

    async fn load_text(self) {
        let Some(scores) = self.scores.get_value() else {
            return;
        };
        while let Some(fi) = self.queue.try_update_value(|q| q.pop_front()).flatten() {
            if self.texts.with_value(|t| t.chunks[fi].is_some()) {
                continue;
            }
            let file = &scores.meta.files[fi];
            let result = match fetch_bytes(&format!("data/{}", file.text_path)).await {
                Ok(bytes) => {
                    let size = bytes.len() as u64;
                    bundle::decode_text(&bytes)
                        .map_err(|e| e.to_string())
                        .map(|c| (c, size))
                }
                Err(e) => Err(e),
            };
            match result {
                Ok((chunk, size)) if chunk.rows.len() == file.count as usize => {
                    self.texts.update_value(|t| {
                        for (k, row) in chunk.rows.iter().enumerate() {
                            let q = chunk.questions.get(row.q as usize).map_or("", |s| s);
                            t.index.set(file.first as usize + k, q, &row.answer);
                        }
                        t.chunks[fi] = Some(Arc::new(chunk));
                    });
                    self.text_progress.update(|p| {
                        p.files_done += 1;
                        p.bytes += size;
                    });
                    self.text_version.update(|v| *v += 1);
                }
                _ => self.text_progress.update(|p| {
                    p.files_done += 1;
                    p.failed += 1;
                }),
            }
            yield_now().await;
        }
    }

    /// Load these bundled files' text next (the rows on screen).
    pub fn prioritize(&self, files: impl IntoIterator<Item = usize>) {
        let wanted: Vec<usize> = files.into_iter().collect();
        self.queue.update_value(|q| {
            for &f in wanted.iter().rev() {
                if let Some(i) = q.iter().position(|&x| x == f) {
                    q.remove(i);
                    q.push_front(f);
                }
            }
        });
    }

    /// The positions of an explorer view's answers in file order: its filter, then its
    /// search, which needs all the text (until it is loaded: why there are none yet).
    /// Tracks the text's arrival.
    pub fn view_positions(
        &self,
        cat: &Catalog,
        view: &ExplorerState,
    ) -> Result<Arc<Vec<u32>>, String> {
        let positions = Arc::new(explorer::filtered(
            cat,
            &view.filter,
            Sort::File,
            &view.thresholds,
        ));
        if view.query.is_empty() {
            return Ok(positions);
        }
        self.text_version.track();
        let p = self.text_progress.get();
        if p.files_done < p.files_total {
            return Err("Waiting for the answer text to load: the view has a search.".into());
        }
        let mut searcher = Searcher::new();
        Ok(self.texts.with_value(|t| {
            explorer::searched(&mut searcher, &t.index, &positions, &view.query, cat.len())
        }))
    }

    /// The text of one position, if loaded.
    pub fn answer_text(&self, catalog: &Catalog, pos: usize) -> Option<AnswerText> {
        self.texts.with_value(|t| {
            self.user
                .with_value(|user| answer_text(catalog, &user.files, &t.chunks, pos))
        })
    }

    async fn restore_user_files(self) {
        match idb::load_all().await {
            Ok(files) => {
                for f in files {
                    let _ = self
                        .import_bytes(f.name, f.bytes, f.models_are_seeds, false)
                        .await;
                }
            }
            Err(e) => self.storage_note.set(Some(format!(
                "Your files cannot be kept after a reload in this browser ({e})."
            ))),
        }
    }

    /// Import files the user dropped or picked.
    pub fn import(self, files: Vec<web_sys::File>) {
        spawn_local(async move {
            self.import_errors.set(Vec::new());
            for file in files {
                let name = file.name();
                let bytes = match read_file(&file).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        self.import_errors.update(|v| v.push(e));
                        continue;
                    }
                };
                if let Err(e) = self.import_bytes(name, bytes, false, true).await {
                    self.import_errors.update(|v| v.push(e));
                }
            }
        });
    }

    /// Add a file the app made (the lab's samples) as if the user had imported it, kept in
    /// IndexedDB like any import. The same file twice is no error: it is already there.
    pub async fn import_generated(self, name: String, bytes: Vec<u8>) -> Result<(), String> {
        let id = runs::user_file_id(&bytes);
        if self.user.with_value(|u| u.ids.contains(&id)) {
            return Ok(());
        }
        self.import_bytes(name, bytes, false, true).await
    }

    /// Parse in chunks (yielding to the browser between them), then join the views.
    async fn import_bytes(
        &self,
        name: String,
        bytes: Vec<u8>,
        models_are_seeds: bool,
        persist: bool,
    ) -> Result<(), String> {
        let id = runs::user_file_id(&bytes);
        if self.user.with_value(|u| u.ids.contains(&id)) {
            return Err(format!("{name}: this file is already imported"));
        }
        let shared: Arc<[u8]> = bytes.into();
        self.importing.set(Some(Importing {
            file: name.clone(),
            fraction: 0.0,
            records: 0,
        }));
        let result = async {
            let mut import = runs::open(&name, &id, shared.clone()).map_err(|e| e.to_string())?;
            let mut answers = Vec::new();
            while !import.is_done() {
                answers.extend(import.next_chunk(2000).map_err(|e| e.to_string())?);
                let p = import.progress();
                self.importing.set(Some(Importing {
                    file: name.clone(),
                    fraction: p.fraction(),
                    records: p.records,
                }));
                yield_now().await;
            }
            Ok::<_, String>(answers)
        }
        .await;
        self.importing.set(None);
        let answers = result?;
        if persist && let Err(e) = idb::save(&id, &name, &shared).await {
            self.storage_note.set(Some(format!(
                "{name} is loaded, but cannot be kept after a reload in this browser ({e})."
            )));
        }
        self.user.update_value(|u| {
            u.ids.push(id);
            u.files.push(UserFile {
                name,
                answers,
                models_are_seeds,
            });
        });
        self.rebuild();
        Ok(())
    }

    /// Whether a user file's models are training seeds of one finetune (one series whose
    /// Figure 4 points average over seeds with a bootstrap CI) or separate models (one
    /// series each). Kept with the file in IndexedDB.
    pub fn set_models_are_seeds(self, id: String, seeds: bool) {
        self.user.update_value(|u| {
            if let Some(i) = u.ids.iter().position(|x| *x == id) {
                u.files[i].models_are_seeds = seeds;
            }
        });
        self.rebuild();
        spawn_local(async move {
            if let Err(e) = idb::set_models_are_seeds(&id, seeds).await {
                self.storage_note.set(Some(format!(
                    "This choice cannot be kept after a reload in this browser ({e})."
                )));
            }
        });
    }

    /// Forget a user file (here and in IndexedDB).
    pub fn remove(self, id: String) {
        self.user.update_value(|u| {
            if let Some(i) = u.ids.iter().position(|x| *x == id) {
                u.ids.remove(i);
                u.files.remove(i);
            }
        });
        self.rebuild();
        spawn_local(async move {
            let _ = idb::remove(&id).await;
        });
    }
}
