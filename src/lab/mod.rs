//! The lab engine runs in a Web Worker (its own wasm, with burn) so the replay pages stay
//! small and the page stays responsive while a model trains. This module holds the message
//! protocol both sides speak, the browser check, the smoke run it trains (with the engine)
//! and the worker's event loop.

pub mod check;
pub mod plan;
pub mod protocol;
#[cfg(feature = "engine")]
pub mod session;
#[cfg(feature = "engine")]
pub mod smoke;
pub mod state;

#[cfg(all(target_arch = "wasm32", feature = "engine"))]
pub mod worker;
