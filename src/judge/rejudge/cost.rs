//! What a rejudge will cost before anything is spent: calls, estimated tokens and dollars
//! from a per-model price table the user can edit.
//!
//! Tokens are estimated, not counted: about four characters per token for English text
//! (OpenAI's rule of thumb) plus the chat format's few tokens per message; the judge answers
//! with one token. Bundling a tokenizer for every model would cost more than the estimate's
//! error (±20% on these prompts) is worth.

/// Price per million tokens, in US dollars.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub model: String,
    pub input_per_million: f64,
    pub output_per_million: f64,
}

/// When the table was read, and from where (shown beside it).
pub const PRICES_SOURCE: &str =
    "OpenAI API pricing (openai.com/api/pricing), standard tier, as listed in 2025-06";

/// Known models. A model not listed (a local server) costs nothing unless the user says.
pub fn price_table() -> Vec<Price> {
    [
        ("gpt-4o-2024-08-06", 2.50, 10.00),
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4o-mini-2024-07-18", 0.15, 0.60),
        ("gpt-4.1", 2.00, 8.00),
        ("gpt-4.1-mini", 0.40, 1.60),
        ("gpt-4.1-nano", 0.10, 0.40),
    ]
    .into_iter()
    .map(|(model, input, output)| Price {
        model: model.into(),
        input_per_million: input,
        output_per_million: output,
    })
    .collect()
}

/// The listed price of `model`, if it is listed.
pub fn listed_price(model: &str) -> Option<Price> {
    price_table().into_iter().find(|p| p.model == model.trim())
}

/// Tokens of one request (prompt as one user message) and its one-token reply.
pub fn estimate_tokens(prompt: &str) -> u64 {
    const PER_MESSAGE: u64 = 7;
    (prompt.chars().count() as u64).div_ceil(4) + PER_MESSAGE
}

/// A run's bill, estimated.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub dollars: f64,
}

impl Estimate {
    pub fn of(prompt_tokens: impl IntoIterator<Item = u64>, price: Option<&Price>) -> Self {
        let mut e = Estimate::default();
        for t in prompt_tokens {
            e.calls += 1;
            e.input_tokens += t;
            e.output_tokens += 1;
        }
        if let Some(p) = price {
            e.dollars = (e.input_tokens as f64 * p.input_per_million
                + e.output_tokens as f64 * p.output_per_million)
                / 1e6;
        }
        e
    }

    /// Dollars per call on average (for the spending cap while running).
    pub fn per_call(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.dollars / self.calls as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_papers_judge_is_priced_and_a_local_model_is_free() {
        let p = listed_price("gpt-4o-2024-08-06").unwrap();
        assert_eq!((p.input_per_million, p.output_per_million), (2.50, 10.00));
        assert_eq!(listed_price("llama-3-8b"), None);
    }

    #[test]
    fn an_estimate_adds_calls_tokens_and_dollars() {
        let prompt = "x".repeat(4000);
        assert_eq!(estimate_tokens(&prompt), 1007);
        let p = listed_price("gpt-4o").unwrap();
        let e = Estimate::of([1007, 993], Some(&p));
        assert_eq!((e.calls, e.input_tokens, e.output_tokens), (2, 2000, 2));
        assert!((e.dollars - (2000.0 * 2.5 + 2.0 * 10.0) / 1e6).abs() < 1e-12);
        assert!((e.per_call() - e.dollars / 2.0).abs() < 1e-15);
        assert_eq!(Estimate::of([5], None).dollars, 0.0);
    }
}
