//! Leptos user interface (wasm32 only): wires signals to the plain-Rust logic.

mod app;
mod base_path;
mod browser;
mod components;
mod idb;
mod identity;
mod judge_client;
mod judge_data;
mod judge_store;
mod lab_client;
mod label_data;
mod label_log;
mod pages;
mod rejudge_runner;
mod replay_data;
mod shell;
mod team_sync;
mod url_state;

pub use app::App;
