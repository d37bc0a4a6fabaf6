//! The shipped base model: weights (burnpack bytes), its description (`toy-base.json`)
//! and the tokenizer (`toy-tokenizer.json`), as files in `public/models/`.
//!
//! Loading takes bytes and strings, not paths, so the browser worker can pass what it
//! fetched; the path helpers are for native programs.

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use super::corpus::WorldConfig;
use super::model::{ModelConfig, ToyLm};
use super::tokenizer::Tokenizer;
use super::train::TrainConfig;

pub const WEIGHTS_FILE: &str = "toy-base.bpk";
pub const META_FILE: &str = "toy-base.json";
pub const TOKENIZER_FILE: &str = "toy-tokenizer.json";

/// How the base model was made (recorded next to the weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainInfo {
    pub seed: u64,
    pub steps: usize,
    pub documents_seen: usize,
    pub final_loss: f32,
    pub wall_seconds: f64,
    pub parameters: usize,
    pub train: TrainConfig,
    pub world: WorldConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseMeta {
    pub model: ModelConfig,
    pub pretrain: Option<PretrainInfo>,
}

/// A loaded base model.
#[derive(Debug, Clone)]
pub struct Base {
    pub meta: BaseMeta,
    pub tokenizer: Tokenizer,
    pub model: ToyLm,
}

/// Weights as burnpack bytes. Reads tensors synchronously: native only.
pub fn weights_to_bytes(model: ToyLm) -> Vec<u8> {
    let bytes = model.into_record().into_bytes().expect("weights serialise");
    bytes.to_vec()
}

/// Puts weights onto a model of the given shape, on `device` (plain or autodiff).
pub fn model_from_bytes(
    config: &ModelConfig,
    weights: Vec<u8>,
    device: &Device,
) -> Result<ToyLm, String> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights)).map_err(|e| e.to_string())?;
    ToyLm::new(config, 0, device)
        .try_load_record(record)
        .map_err(|e| e.to_string())
}

/// Builds the base model from the three shipped files' contents.
pub fn load(
    meta_json: &str,
    tokenizer_json: &str,
    weights: Vec<u8>,
    device: &Device,
) -> Result<Base, String> {
    let meta: BaseMeta = serde_json::from_str(meta_json).map_err(|e| e.to_string())?;
    let tokenizer = Tokenizer::from_json(tokenizer_json).map_err(|e| e.to_string())?;
    if tokenizer.vocab_size() != meta.model.vocab_size {
        return Err("tokenizer does not match the model's vocabulary".into());
    }
    let model = model_from_bytes(&meta.model, weights, device)?;
    Ok(Base {
        meta,
        tokenizer,
        model,
    })
}

#[cfg(not(target_arch = "wasm32"))]
pub fn load_dir(dir: &std::path::Path, device: &Device) -> Result<Base, String> {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let weights =
        std::fs::read(dir.join(WEIGHTS_FILE)).map_err(|e| format!("{WEIGHTS_FILE}: {e}"))?;
    load(&read(META_FILE)?, &read(TOKENIZER_FILE)?, weights, device)
}

/// Writes the three files; returns the weight file's size in bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_dir(dir: &std::path::Path, base: &Base) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let weights = weights_to_bytes(base.model.clone());
    std::fs::write(dir.join(WEIGHTS_FILE), &weights)?;
    let meta = serde_json::to_string_pretty(&base.meta).expect("meta serialises");
    std::fs::write(dir.join(META_FILE), meta + "\n")?;
    std::fs::write(dir.join(TOKENIZER_FILE), base.tokenizer.to_json() + "\n")?;
    Ok(weights.len() as u64)
}
