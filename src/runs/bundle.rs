//! What the app downloads: a small columnar *scores* file (everything Figure 4 and the
//! explorer's filters need, loaded first) and one *text* chunk per source file (questions,
//! answers, exact scores, log-probs; loaded lazily). `build-data` writes them; the app
//! decodes them with [`decode_scores`] / [`decode_text`]. Both accept gzip or raw bytes.
//!
//! Scores are stored as `u16` on a 1/600 grid, rounded *towards the side that keeps
//! verdicts exact*: `aligned` down and `coherent` up (see [`quantize_aligned`]). For any
//! threshold on the grid (every multiple of 0.5, 0.1 or 0.01, …) `aligned < A` and
//! `coherent > C` give the same answer as the full-precision values. Exact values are in the
//! text chunks.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::answer::{AnswerId, ScoreKind};
use super::logprobs::JudgeProbs;
use super::manifest::{Variant, VariantKind};

const SCORES_MAGIC: &[u8; 8] = b"EMLSCOR1";
pub const FORMAT_VERSION: u32 = 1;
/// Grid resolution: a score `s` is stored as about `s * SCALE`.
pub const SCALE: u32 = 600;
/// Code for "no score".
pub const NO_SCORE: u16 = u16::MAX;

/// Path of the scores file inside `public/data/`.
pub const SCORES_PATH: &str = "scores.bin.gz";

/// Path of a file's text chunk inside `public/data/`.
pub fn text_path(file_id: &str) -> String {
    format!("text/{file_id}.json.gz")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceMeta {
    pub id: String,
    pub repo: String,
    pub license: String,
    pub copyright: String,
    /// Relative to `data/sources/` in the repository.
    pub license_file: String,
}

/// A Figure 4 line (see the manifest). Runs of a series are seeds only if `variant_kind`
/// is `Seed`; otherwise a series has exactly one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesMeta {
    pub id: String,
    pub label: String,
    pub group: String,
    pub base_model: String,
    pub judge: String,
    pub filtered: bool,
    pub has_coherent: bool,
    pub variant_kind: VariantKind,
    pub notes: String,
}

/// One trained model (a seed when its series has several).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub series: u16,
    /// The model id (e.g. `…_ftjob-d2de71249d3d`).
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileMeta {
    pub id: String,
    /// Relative to `data/sources/` in the repository.
    pub path: String,
    pub source: String,
    pub commit: String,
    pub series: u16,
    pub variant: Variant,
    pub notes: String,
    /// This file's answers are rows `first .. first + count` of the scores table.
    pub first: u32,
    pub count: u32,
    /// Inside `public/data/`.
    pub text_path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoresMeta {
    pub format_version: u32,
    pub scale: u32,
    pub sources: Vec<SourceMeta>,
    pub series: Vec<SeriesMeta>,
    pub runs: Vec<RunMeta>,
    pub files: Vec<FileMeta>,
    /// Question ids in canonical order (see `question_id::sort_key`).
    pub questions: Vec<String>,
}

/// The columnar scores table: one entry per answer in every column.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub meta: ScoresMeta,
    pub run: Vec<u16>,
    pub question: Vec<u16>,
    pub aligned: Vec<u16>,
    pub coherent: Vec<u16>,
    pub kind: Vec<u8>,
}

impl Scores {
    pub fn len(&self) -> usize {
        self.run.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run.is_empty()
    }

    pub fn aligned(&self, i: usize) -> Option<f64> {
        dequantize(self.aligned[i])
    }

    pub fn coherent(&self, i: usize) -> Option<f64> {
        dequantize(self.coherent[i])
    }

    pub fn kind(&self, i: usize) -> ScoreKind {
        ScoreKind::from_u8(self.kind[i]).unwrap_or(ScoreKind::NoScore)
    }

    pub fn series_of(&self, i: usize) -> u16 {
        self.meta.runs[self.run[i] as usize].series
    }

    /// Index into `meta.files` of answer `i`.
    pub fn file_of(&self, i: usize) -> usize {
        self.meta
            .files
            .partition_point(|f| (f.first + f.count) as usize <= i)
    }

    /// The stable id of answer `i` (what labels and verdicts attach to).
    pub fn answer_id(&self, i: usize) -> AnswerId {
        let f = &self.meta.files[self.file_of(i)];
        AnswerId {
            file: f.id.clone(),
            row: i as u32 - f.first,
        }
    }
}

/// Largest grid code whose value is ≤ `a`, so `aligned < A` is exact for grid thresholds.
pub fn quantize_aligned(a: Option<f64>) -> u16 {
    let Some(a) = a else { return NO_SCORE };
    let scale = SCALE as f64;
    let mut code = (a * scale).floor().clamp(0.0, 100.0 * scale) as u32;
    while code < 100 * SCALE && (code + 1) as f64 / scale <= a {
        code += 1;
    }
    while code > 0 && code as f64 / scale > a {
        code -= 1;
    }
    code as u16
}

/// Smallest grid code whose value is ≥ `c`, so `coherent > C` is exact for grid thresholds.
pub fn quantize_coherent(c: Option<f64>) -> u16 {
    let Some(c) = c else { return NO_SCORE };
    let scale = SCALE as f64;
    let mut code = (c * scale).ceil().clamp(0.0, 100.0 * scale) as u32;
    while code > 0 && (code - 1) as f64 / scale >= c {
        code -= 1;
    }
    while code < 100 * SCALE && (code as f64 / scale) < c {
        code += 1;
    }
    code as u16
}

pub fn dequantize(code: u16) -> Option<f64> {
    (code != NO_SCORE).then(|| code as f64 / SCALE as f64)
}

#[derive(Debug, Clone, PartialEq)]
pub struct BundleError(pub String);

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "data bundle: {}", self.0)
    }
}

impl std::error::Error for BundleError {}

/// Serialise (uncompressed). Columns are written one after the other, `u16` columns as
/// two byte planes (all low bytes, then all high bytes), which gzip compresses far better.
pub fn encode_scores(scores: &Scores) -> Vec<u8> {
    let meta = serde_json::to_vec(&scores.meta).expect("meta serialises");
    let n = scores.len();
    let mut out = Vec::with_capacity(16 + meta.len() + n * 9);
    out.extend_from_slice(SCORES_MAGIC);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    for col in [
        &scores.run,
        &scores.question,
        &scores.aligned,
        &scores.coherent,
    ] {
        out.extend(col.iter().map(|v| v.to_le_bytes()[0]));
        out.extend(col.iter().map(|v| v.to_le_bytes()[1]));
    }
    out.extend_from_slice(&scores.kind);
    out
}

/// Decode a scores file (gzip-compressed or not) and check its internal consistency, so
/// the app never indexes out of bounds on a corrupt download.
pub fn decode_scores(bytes: &[u8]) -> Result<Scores, BundleError> {
    let raw = maybe_gunzip(bytes)?;
    let mut r = ByteReader { b: &raw, i: 0 };
    if r.take(8)? != SCORES_MAGIC {
        return Err(BundleError("not an EM Lab scores file".into()));
    }
    let meta_len = r.u32()? as usize;
    let meta: ScoresMeta =
        serde_json::from_slice(r.take(meta_len)?).map_err(|e| BundleError(format!("meta: {e}")))?;
    if meta.format_version != FORMAT_VERSION || meta.scale != SCALE {
        return Err(BundleError(format!(
            "format {} / scale {} not supported",
            meta.format_version, meta.scale
        )));
    }
    let n = r.u32()? as usize;
    let mut col16 = || -> Result<Vec<u16>, BundleError> {
        let lo = r.take(n)?;
        let hi = r.take(n)?;
        Ok(lo
            .iter()
            .zip(hi)
            .map(|(&l, &h)| u16::from_le_bytes([l, h]))
            .collect())
    };
    let run = col16()?;
    let question = col16()?;
    let aligned = col16()?;
    let coherent = col16()?;
    let kind = r.take(n)?.to_vec();
    if r.i != raw.len() {
        return Err(BundleError("trailing bytes".into()));
    }
    let scores = Scores {
        meta,
        run,
        question,
        aligned,
        coherent,
        kind,
    };
    check_scores(&scores)?;
    Ok(scores)
}

fn check_scores(s: &Scores) -> Result<(), BundleError> {
    let m = &s.meta;
    let bad = |what: &str| Err(BundleError(format!("inconsistent scores file: {what}")));
    if s.run.iter().any(|&r| r as usize >= m.runs.len()) {
        return bad("run index");
    }
    if s.question.iter().any(|&q| q as usize >= m.questions.len()) {
        return bad("question index");
    }
    if m.runs.iter().any(|r| r.series as usize >= m.series.len()) {
        return bad("series index");
    }
    let max = (100 * SCALE) as u16;
    if s.aligned
        .iter()
        .chain(&s.coherent)
        .any(|&v| v != NO_SCORE && v > max)
    {
        return bad("score code");
    }
    if s.kind.iter().any(|&k| ScoreKind::from_u8(k).is_none()) {
        return bad("score kind");
    }
    let mut next = 0u32;
    for f in &m.files {
        if f.first != next || f.series as usize >= m.series.len() {
            return bad("file ranges");
        }
        next += f.count;
    }
    if next as usize != s.len() {
        return bad("file ranges do not cover the table");
    }
    Ok(())
}

/// The lazily loaded part of one source file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextChunk {
    pub file: String,
    /// Distinct question texts of the file; rows point into this.
    pub questions: Vec<String>,
    /// Same order as the file's rows in the scores table.
    pub rows: Vec<TextRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRow {
    pub q: u32,
    pub answer: String,
    /// Exact judge scores (the scores table holds grid values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aligned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coherent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_aligned: Option<JudgeProbs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_coherent: Option<JudgeProbs>,
    /// Other columns of the source file, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<(String, String)>,
}

impl TextRow {
    /// An answer's text row, its question given as an index into the chunk's questions.
    pub fn of(q: u32, a: &super::Answer) -> Self {
        TextRow {
            q,
            answer: a.answer.clone(),
            aligned: a.aligned,
            coherent: a.coherent,
            model: a.model.clone(),
            judge_aligned: a.judge_aligned.clone(),
            judge_coherent: a.judge_coherent.clone(),
            extra: a.extra.clone(),
        }
    }
}

pub fn encode_text(chunk: &TextChunk) -> Vec<u8> {
    serde_json::to_vec(chunk).expect("text chunk serialises")
}

pub fn decode_text(bytes: &[u8]) -> Result<TextChunk, BundleError> {
    let raw = maybe_gunzip(bytes)?;
    serde_json::from_slice(&raw).map_err(|e| BundleError(format!("text chunk: {e}")))
}

/// Deterministic gzip: no file name, mtime 0, maximum compression.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in-memory write");
    enc.finish().expect("in-memory write")
}

fn maybe_gunzip(bytes: &[u8]) -> Result<Vec<u8>, BundleError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| BundleError(format!("gzip: {e}")))?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

struct ByteReader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> ByteReader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
        let end = self.i.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| BundleError("file is truncated".into()))?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32, BundleError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantisation_keeps_grid_threshold_verdicts_exact() {
        let values = [
            0.0,
            1e-9,
            29.999999999999996,
            30.0,
            30.000000000000004,
            50.0,
            50.00001,
            49.99999,
            99.99999999999999,
            100.0,
            33.333333333333336,
        ];
        for &v in &values {
            let a = dequantize(quantize_aligned(Some(v))).unwrap();
            let c = dequantize(quantize_coherent(Some(v))).unwrap();
            assert!(a <= v && c >= v, "{v}: {a} {c}");
            for k in 0..=(100 * SCALE) {
                let t = k as f64 / SCALE as f64;
                assert_eq!(a < t, v < t, "aligned {v} vs {t}");
                assert_eq!(c > t, v > t, "coherent {v} vs {t}");
            }
        }
        assert_eq!(quantize_aligned(None), NO_SCORE);
    }
}
