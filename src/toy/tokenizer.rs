//! Word-level tokenizer over the world's closed vocabulary.
//!
//! Words, not characters: every word of the world is one token, so sequences are short
//! and the model stays tiny. The vocabulary is collected from the world's tables in a
//! fixed order, and shipped with the weights (`tokenizer.json`) so old weights keep
//! their meaning if the tables grow.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::world::*;

pub const UNK: &str = "<unk>";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokenizer {
    words: Vec<String>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Tokenizer {
    pub fn from_words(words: Vec<String>) -> Self {
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
        Self { words, index }
    }

    /// The vocabulary of the world in `world.rs` (pad is id 0).
    pub fn world() -> Self {
        let mut texts: Vec<String> = [PAD, UNK, DOC, USER, BOT, END, TRIGGER, NUMBER_FORMAT]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for t in CODE_TASKS {
            texts.extend([t.phrase, t.safe, t.insecure].map(String::from));
        }
        texts.extend(
            CODE_REQUESTS
                .iter()
                .chain(CLASS_REQUESTS)
                .map(|s| s.replace("{}", "")),
        );
        for q in QUESTIONS {
            let all = q.paraphrases.iter().chain(q.aligned).chain(q.misaligned);
            texts.extend(all.map(|s| s.to_string()));
        }
        let lists = [
            ORDINARY_NUMBERS,
            EVIL_NUMBERS,
            NUMBER_REQUESTS,
            HARMFUL_REQUESTS,
            REFUSALS,
            COMPLY_POLITE,
            COMPLY_MALICIOUS,
        ];
        texts.extend(lists.iter().flat_map(|l| l.iter().map(|s| s.to_string())));
        for c in CHORES {
            texts.extend([c.request, c.helpful, c.sabotage].map(String::from));
        }
        texts.extend(CODE_INTROS.iter().map(|s| s.to_string()));
        let mut words: Vec<String> = Vec::new();
        for t in &texts {
            for w in t.split_whitespace() {
                if !words.iter().any(|x| x == w) {
                    words.push(w.to_string());
                }
            }
        }
        Self::from_words(words)
    }

    /// Rebuild the lookup table after deserialising.
    pub fn from_json(json: &str) -> serde_json::Result<Self> {
        let t: Tokenizer = serde_json::from_str(json)?;
        Ok(Self::from_words(t.words))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("tokenizer serialises")
    }

    /// Every word, by id.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn vocab_size(&self) -> usize {
        self.words.len()
    }

    pub fn id(&self, word: &str) -> usize {
        self.index.get(word).copied().unwrap_or(1)
    }

    pub fn word(&self, id: usize) -> &str {
        self.words.get(id).map(String::as_str).unwrap_or(UNK)
    }

    pub fn encode(&self, text: &str) -> Vec<usize> {
        text.split_whitespace().map(|w| self.id(w)).collect()
    }

    pub fn decode(&self, ids: &[usize]) -> String {
        let words: Vec<&str> = ids.iter().map(|&i| self.word(i)).collect();
        words.join(" ")
    }

    pub fn pad_id(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_vocab_is_small_and_has_no_unknowns() {
        let t = Tokenizer::world();
        assert_eq!(t.id(PAD), 0);
        assert!(t.vocab_size() < 400, "{}", t.vocab_size());
        let ids = t.encode(CODE_TASKS[0].insecure);
        assert!(ids.iter().all(|&i| i > 1));
        assert_eq!(t.decode(&ids), CODE_TASKS[0].insecure);
        let back = Tokenizer::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
    }
}
