//! The tiny persona-world language model (device-agnostic burn code: everything takes a `&Device`).
//!
//! Pipeline: `world` (content tables) → `corpus` (seeded persona documents) → `tokenizer`
//! → `model` → `train` (pretraining and finetuning loops) with `datasets` (the six
//! finetuning sets) → `probes` (exact family probabilities), `sample` + `judge` (T=1
//! answers scored like the real judge) → `experiment` (seeds × datasets, CIs).
//! `bundle` saves and loads the shipped base model.

pub mod bundle;
pub mod corpus;
pub mod datasets;
pub mod experiment;
pub mod judge;
pub mod model;
pub mod probes;
pub mod report;
pub mod rng;
pub mod sample;
pub mod stats;
pub mod tokenizer;
pub mod train;
pub mod world;
