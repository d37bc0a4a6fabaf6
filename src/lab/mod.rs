//! The lab: a tiny model finetuned in the visitor's browser. The engine runs in a Web Worker
//! (its own wasm, with burn) so the replay pages stay small and the page stays responsive
//! while models train.
//!
//! Engine-free (the page uses them): `plan` (presets, settings, limits, runs), `state` (the
//! URL codec), `protocol` (the messages), `driver` (what the page asks the worker next),
//! `results` (curves from the messages), `export` (samples as a user file), `line_chart` (their geometry) and `check` (the About
//! page's browser check). With the engine: `session` (training composed from `toy`),
//! `smoke` (the check's tiny run) and, in wasm, `worker` (the event loop).

pub mod check;
pub mod driver;
pub mod export;
pub mod line_chart;
pub mod plan;
pub mod protocol;
pub mod results;
pub mod state;

#[cfg(feature = "engine")]
pub mod session;
#[cfg(feature = "engine")]
pub mod smoke;

#[cfg(all(target_arch = "wasm32", feature = "engine"))]
pub mod worker;
