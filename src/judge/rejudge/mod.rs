//! Rejudging: score answers again with the paper's log-prob judge through an
//! OpenAI-compatible endpoint the user supplies (OpenAI, vLLM, llama.cpp, Ollama), exactly as
//! the paper's `judge.py` does — same prompts, same request, same scoring rule — resumably,
//! with the cost shown first.
//!
//! Everything here is plain Rust and native-tested; the page only sends the HTTP requests:
//! ```text
//! let plan = Plan::new(&endpoint, &template, &targets, |key| cache.has(key), price);  // cost
//! let mut run = Run::new(&plan, caps, RetryPolicy::default(), seed);
//! loop { match run.next(now) { Send { job, attempt } => { /* POST */
//!            if let Some(top) = run.finish(job, attempt, &outcome, now) { /* store */ } } … } }
//! let judges = Judged::from_records(&infos, &records);   // a new rater for every view
//! ```

pub mod call;
pub mod cost;
pub mod judged;
pub mod reply;
pub mod retry;
pub mod run;
pub mod template;

pub use call::{CallRecord, Endpoint, JudgeInfo, PAPER_MODEL, concurrency_note, key_problem};
pub use judged::Judged;
pub use reply::TopLogprobs;
pub use retry::{Attempt, RetryPolicy, Stop};
pub use run::{Caps, Next, Plan, Run, Target};
pub use template::{Dimension, Template};
