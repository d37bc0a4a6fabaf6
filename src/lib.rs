//! EM Lab: see emergent misalignment.
//!
//! The logic lives in plain Rust modules that compile and are tested natively;
//! `ui` (wasm32 only) wires Leptos signals to them. What may depend on what: the README's
//! "Architecture invariants".

pub mod judge;
pub mod lab;
pub mod labels;
pub mod replay;
pub mod runs;
pub mod toy;
pub mod words;

#[cfg(target_arch = "wasm32")]
pub mod ui;
