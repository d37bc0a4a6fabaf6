//! One judge call as it is sent and kept: the endpoint it goes to, its request body, and
//! the record stored once it is answered. The record's key — SHA-256 over the base URL,
//! the model, the template's hash, the dimension and the filled prompt — is what makes a rejudge
//! resumable without a repeated call: the same prompt to the same judge is never sent twice.
//! The API key is in none of these.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::reply::TopLogprobs;
use super::template::{Dimension, hex};

/// Where the calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// As typed, without a trailing `/` (e.g. `https://api.openai.com/v1`).
    pub base_url: String,
    pub model: String,
}

/// The paper's judge model.
pub const PAPER_MODEL: &str = "gpt-4o-2024-08-06";

impl Endpoint {
    /// Checks the URL's shape: http(s), a host, no credentials or query in it.
    pub fn new(base_url: &str, model: &str) -> Result<Self, String> {
        let base = base_url.trim().trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or("the base URL must start with http:// or https://")?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err("the base URL has no host".into());
        }
        if host.contains('@') {
            return Err("put the key in the key field, not in the URL".into());
        }
        if base.contains(['?', '#']) {
            return Err("the base URL must not have a query or fragment".into());
        }
        if model.trim().is_empty() {
            return Err("name a model".into());
        }
        Ok(Self {
            base_url: base.to_string(),
            model: model.trim().to_string(),
        })
    }

    pub fn chat_completions_url(&self) -> String {
        format!("{}/chat/completions", self.base_url)
    }

    /// The paper's request: one user message, one token, greedy, top-20 log-probs.
    pub fn request_body(&self, prompt: &str) -> String {
        serde_json::json!({
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": true,
            "top_logprobs": 20,
            "seed": 0,
        })
        .to_string()
    }

    /// The judge these calls make: one id per (endpoint, model, template).
    pub fn judge_id(&self, template_hash: &str) -> String {
        let mut h = Sha256::new();
        for part in [&self.base_url, &self.model, template_hash] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        format!("rejudge:{}", hex(&h.finalize()[..6]))
    }

    /// The cache key of one call (the dimension is in it: two identical prompts still make
    /// two calls, one per question).
    pub fn call_key(&self, template_hash: &str, dimension: Dimension, prompt: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            &self.base_url,
            &self.model,
            template_hash,
            dimension.name(),
            prompt,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// How many connections a browser opens to one HTTP/1.1 server (Chromium, Firefox and Safari
/// alike); calls beyond them wait in the browser.
pub const HTTP1_CONNECTIONS: u32 = 6;

/// A note for a concurrency that a plain-`http://` server cannot get from a browser: HTTP/2,
/// which can carry more calls at once over one connection, comes only over HTTPS.
pub fn concurrency_note(base_url: &str, concurrency: u32) -> Option<String> {
    let plain = base_url.trim().to_ascii_lowercase().starts_with("http://");
    (concurrency > HTTP1_CONNECTIONS).then(|| {
        let limit = format!(
            "A browser opens at most {HTTP1_CONNECTIONS} connections to an HTTP/1.1 server, so more than {HTTP1_CONNECTIONS} calls at once help only with an HTTP/2 server"
        );
        if plain {
            format!("{limit}, and this base URL is plain http:// (HTTP/1.1): {HTTP1_CONNECTIONS} calls at once is the most it gets here.")
        } else {
            format!("{limit} (OpenAI's API is one).")
        }
    })
}

/// Why a key cannot be sent, if it cannot: HTTP header values take visible ASCII only (a
/// space, a line break or a typographic character from a copy-paste would make the browser
/// refuse the request).
pub fn key_problem(key: &str) -> Option<String> {
    let bad = key.chars().find(|c| !c.is_ascii_graphic())?;
    Some(format!(
        "the key contains {bad:?} (U+{:04X}), which cannot go into an HTTP header; paste it again without it",
        bad as u32
    ))
}

/// An answered call, as kept in IndexedDB and in a rejudge export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// [`Endpoint::call_key`].
    pub key: String,
    /// [`Endpoint::judge_id`].
    pub judge: String,
    /// The answer's stable id (`file#row`) and the hash of its text when judged.
    pub answer: String,
    pub text_hash: u64,
    /// `aligned` or `coherent`.
    pub dimension: String,
    /// The judge's top log-probs, raw.
    pub top: TopLogprobs,
    /// When it was answered (ms since the epoch).
    pub at: f64,
}

impl CallRecord {
    pub fn dimension(&self) -> Option<Dimension> {
        Dimension::parse(&self.dimension)
    }
}

/// What is known of a judge besides its calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeInfo {
    pub id: String,
    pub base_url: String,
    pub model: String,
    pub template_name: String,
    pub template_hash: String,
    /// The day of its first call (`YYYY-MM-DD`).
    pub date: String,
}

impl JudgeInfo {
    /// "model · template · date", as the views name it.
    pub fn name(&self) -> String {
        format!("{} · {} · {}", self.model, self.template_name, self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_six_calls_at_once_to_a_plain_http_server_get_a_note_saying_six_is_the_most() {
        assert_eq!(concurrency_note("http://localhost:8000/v1", 6), None);
        let note = concurrency_note("http://localhost:8000/v1", 8).unwrap();
        assert!(note.contains("plain http://"), "{note}");
        assert!(note.contains("6 calls at once is the most"), "{note}");
        let https = concurrency_note("https://api.openai.com/v1", 32).unwrap();
        assert!(
            https.contains("HTTP/2") && !https.contains("plain"),
            "{https}"
        );
    }

    #[test]
    fn the_request_is_the_papers() {
        let e = Endpoint::new("https://api.openai.com/v1/", PAPER_MODEL).unwrap();
        assert_eq!(
            e.chat_completions_url(),
            "https://api.openai.com/v1/chat/completions"
        );
        let body: serde_json::Value = serde_json::from_str(&e.request_body("P \"q\"")).unwrap();
        assert_eq!(body["model"], PAPER_MODEL);
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"], "P \"q\"");
        assert_eq!(body["max_tokens"], 1);
        assert_eq!(body["temperature"], 0);
        assert_eq!(body["logprobs"], true);
        assert_eq!(body["top_logprobs"], 20);
        assert_eq!(body["seed"], 0);
    }

    #[test]
    fn a_key_with_a_character_no_header_takes_is_refused() {
        assert_eq!(key_problem("sk-proj-AbC_123"), None);
        assert_eq!(key_problem(""), None);
        assert!(key_problem("sk-abc\u{200b}").unwrap().contains("U+200B"));
        assert!(key_problem("sk abc").is_some());
        assert!(key_problem("sk-abc\n").is_some());
    }

    #[test]
    fn a_bad_base_url_is_refused_with_a_reason() {
        assert!(
            Endpoint::new("api.openai.com", "m")
                .unwrap_err()
                .contains("http")
        );
        assert!(
            Endpoint::new("https:///v1", "m")
                .unwrap_err()
                .contains("host")
        );
        assert!(
            Endpoint::new("https://sk-123@api.x/v1", "m")
                .unwrap_err()
                .contains("key")
        );
        assert!(Endpoint::new("http://127.0.0.1:8000/v1?x=1", "m").is_err());
        assert!(Endpoint::new("http://127.0.0.1:8000/v1", " ").is_err());
        assert!(Endpoint::new("http://127.0.0.1:8000/v1", "m").is_ok());
    }

    #[test]
    fn keys_differ_by_every_part_and_never_hold_the_secret() {
        let a = Endpoint::new("http://h/v1", "m").unwrap();
        let b = Endpoint::new("http://h/v1/", "m").unwrap();
        let c = Endpoint::new("http://h/v1", "m2").unwrap();
        let al = Dimension::Aligned;
        assert_eq!(a.call_key("t", al, "p"), b.call_key("t", al, "p"));
        assert_ne!(a.call_key("t", al, "p"), c.call_key("t", al, "p"));
        assert_ne!(a.call_key("t", al, "p"), a.call_key("u", al, "p"));
        assert_ne!(a.call_key("t", al, "p"), a.call_key("t", al, "q"));
        assert_ne!(
            a.call_key("t", al, "p"),
            a.call_key("t", Dimension::Coherent, "p")
        );
        // Length-prefixed: moving a boundary changes the key.
        assert_ne!(a.call_key("tp", al, ""), a.call_key("t", al, "p"));
        assert_eq!(a.call_key("t", al, "p").len(), 64);
        assert!(a.judge_id("t").starts_with("rejudge:"));
        assert_ne!(a.judge_id("t"), c.judge_id("t"));
    }
}
