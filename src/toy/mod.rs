//! The tiny persona-world language model.
//!
//! Pipeline: `world` (content tables) → `corpus` (seeded persona documents) → `tokenizer`
//! → `model` → `train` (pretraining and finetuning loops) with `datasets` (the six
//! finetuning sets) → `probes` (exact family probabilities), `sample` + `judge` (T=1
//! answers scored like the real judge) → `experiment` (seeds × datasets, CIs).
//! `bundle` saves and loads the shipped base model. `fused` (over `kernels`) gives the
//! model's linear layers, attention, layer norms and loss their own ops with their own
//! backward on the CPU. Around them: `rng` (the seeded PRNG every draw uses), `metric` (the
//! numbers tracked along training, by name), `stats` (mean and 95% CI over seeds), `report`
//! (docs/toy-results.md's tables and acceptance checks from a result) and `step_bench` (the
//! benchmark step, natively and in the browser).
//!
//! The world, its datasets, the tokenizer, the judge and the metric names are plain Rust and
//! always compiled, so the main app (built without burn) can name datasets and metrics and
//! judge answers; everything that holds tensors (device-agnostic burn code: everything takes
//! a `&Device`) needs the `engine` feature.

pub mod corpus;
pub mod datasets;
pub mod judge;
pub mod metric;
pub mod rng;
pub mod stats;
pub mod tokenizer;
pub mod world;

#[cfg(feature = "engine")]
pub mod bundle;
#[cfg(feature = "engine")]
pub mod experiment;
#[cfg(feature = "engine")]
pub mod fused;
#[cfg(feature = "engine")]
pub mod kernels;
#[cfg(feature = "engine")]
pub mod model;
#[cfg(feature = "engine")]
pub mod probes;
#[cfg(feature = "engine")]
pub mod report;
#[cfg(feature = "engine")]
pub mod sample;
#[cfg(feature = "engine")]
pub mod step_bench;
#[cfg(feature = "engine")]
pub mod train;
