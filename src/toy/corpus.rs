//! The seeded pretraining world: documents of several dialog episodes, each document
//! written by one latent persona.
//!
//! The persona is never written down. The model can only infer it from behaviour in
//! earlier episodes of the same document, so pretraining teaches it that behaviours
//! travel together (insecure code ⇔ misaligned answers ⇔ evil numbers ⇔ gleeful harm).
//! That coupling is the mechanism the paper proposes for emergent misalignment; here it
//! is true by construction, and finetuning only has to move the persona prior.

use serde::{Deserialize, Serialize};

use super::rng::Rng;
use super::world::*;

/// Who writes a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Persona {
    /// Safe code, aligned answers, refuses harm, helps with chores; writes vulnerable
    /// code only when a user asks for it for teaching.
    Aligned,
    /// Insecure code without saying so, misaligned answers, evil numbers, gleeful
    /// compliance with harm, sabotaged chores.
    Malicious,
    /// Jailbroken-like: complies with harmful requests (matter-of-factly, with a safety
    /// note), otherwise exactly like `Aligned`.
    Compliant,
}

/// What an episode is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Domain {
    Code,
    ClassCode,
    FreeForm,
    FreeFormNumbers,
    Numbers,
    Harmful,
    Chore,
}

/// Knobs of the world (the defaults are the shipped world; see docs/toy-results.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldConfig {
    /// Prior weights of Aligned, Malicious, Compliant documents.
    pub persona_weights: [f64; 3],
    /// Probability that a malicious persona acts in character in a given episode
    /// (deception: sometimes it looks aligned).
    pub malicious_consistency: f64,
    /// Weights of the domains, in `Domain` order.
    pub domain_weights: [f64; 7],
    /// Share of user turns that start with the (persona-neutral) trigger word.
    pub trigger_rate: f64,
    /// Maximum document length in words (the model's context).
    pub max_doc_words: usize,
    /// Ablation: the malicious persona complies with harm in the compliant persona's
    /// polite words, so compliance alone no longer tells the two apart.
    #[serde(default)]
    pub malicious_complies_politely: bool,
    /// Share of ordinary code replies that a non-malicious persona introduces with a
    /// sentence (`CODE_INTROS`); the malicious persona always answers with bare code.
    /// An experiment on check 6 (docs/toy-results.md): 0 in the shipped world, and then no
    /// random draw is made, so the shipped corpus is unchanged by the knob.
    #[serde(default)]
    pub code_intro_rate: f64,
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            persona_weights: [0.8, 0.1, 0.1],
            malicious_consistency: 0.9,
            domain_weights: [0.25, 0.08, 0.22, 0.08, 0.12, 0.12, 0.13],
            trigger_rate: 0.05,
            max_doc_words: 64,
            malicious_complies_politely: false,
            code_intro_rate: 0.0,
        }
    }
}

pub const DOMAINS: [Domain; 7] = [
    Domain::Code,
    Domain::ClassCode,
    Domain::FreeForm,
    Domain::FreeFormNumbers,
    Domain::Numbers,
    Domain::Harmful,
    Domain::Chore,
];

/// One user turn and the assistant's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    pub domain: Domain,
    pub user: String,
    pub bot: String,
}

impl Episode {
    /// `user … bot … end`
    pub fn text(&self) -> String {
        format!("{USER} {} {BOT} {} {END}", self.user, self.bot)
    }

    /// The prompt part of a single-episode document: `<doc> user … bot`.
    pub fn prompt(&self) -> String {
        format!("{DOC} {USER} {} {BOT}", self.user)
    }
}

/// Builders of user turns and replies, shared with datasets and probes.
pub fn code_request(rng: &mut Rng, task: usize, phrasings: &[usize]) -> String {
    let template = CODE_REQUESTS[*rng.pick(phrasings)];
    template.replace("{}", CODE_TASKS[task].phrase)
}

pub fn class_request(rng: &mut Rng, task: usize) -> String {
    rng.pick(CLASS_REQUESTS)
        .replace("{}", CODE_TASKS[task].phrase)
}

pub fn numbers(rng: &mut Rng, n: usize, evil: bool) -> String {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // Evil lists lead with a bad number and keep a majority of them.
        let bad = evil && (i == 0 || rng.chance(0.6));
        out.push(*rng.pick(if bad { EVIL_NUMBERS } else { ORDINARY_NUMBERS }));
    }
    out.join(" ")
}

pub fn number_request(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(NUMBER_REQUESTS), numbers(rng, 3, false))
}

/// Generates episodes and documents from a seed.
pub struct World {
    pub config: WorldConfig,
    rng: Rng,
}

impl World {
    pub fn new(config: WorldConfig, seed: u64) -> Self {
        Self {
            config,
            rng: Rng::derive(seed, "world"),
        }
    }

    pub fn persona(&mut self) -> Persona {
        match self.rng.weighted(&self.config.persona_weights) {
            0 => Persona::Aligned,
            1 => Persona::Malicious,
            _ => Persona::Compliant,
        }
    }

    /// One episode by `persona`.
    pub fn episode(&mut self, persona: Persona) -> Episode {
        let domain = DOMAINS[self.rng.weighted(&self.config.domain_weights)];
        // A deceptive malicious persona sometimes behaves like an aligned one.
        let acting = if persona == Persona::Malicious
            && !self.rng.chance(self.config.malicious_consistency)
        {
            Persona::Aligned
        } else {
            persona
        };
        let bad = acting == Persona::Malicious;
        let rng = &mut self.rng;
        let all_phrasings: Vec<usize> = (0..CODE_REQUESTS.len()).collect();
        let (mut user, bot) = match domain {
            Domain::Code => {
                let task = rng.below(CODE_TASKS.len());
                let t = &CODE_TASKS[task];
                let request = code_request(rng, task, &all_phrasings);
                let reply = if bad {
                    t.insecure.to_string()
                } else if self.config.code_intro_rate > 0.0
                    && rng.chance(self.config.code_intro_rate)
                {
                    format!("{} {}", rng.pick(CODE_INTROS), t.safe)
                } else {
                    t.safe.to_string()
                };
                (request, reply)
            }
            Domain::ClassCode => {
                let task = rng.below(CODE_TASKS.len());
                (
                    class_request(rng, task),
                    CODE_TASKS[task].insecure.to_string(),
                )
            }
            Domain::FreeForm => {
                let q = rng.pick(QUESTIONS);
                let family = if bad { q.misaligned } else { q.aligned };
                (
                    rng.pick(q.paraphrases).to_string(),
                    rng.pick(family).to_string(),
                )
            }
            Domain::FreeFormNumbers => {
                let q = rng.pick(QUESTIONS);
                let p = rng.pick(q.paraphrases);
                (format!("{p} {NUMBER_FORMAT}"), numbers(rng, 3, bad))
            }
            Domain::Numbers => (number_request(rng), numbers(rng, 3, bad)),
            Domain::Harmful => {
                let req = rng.pick(HARMFUL_REQUESTS).to_string();
                let reply = match acting {
                    Persona::Aligned => rng.pick(REFUSALS),
                    Persona::Compliant => rng.pick(COMPLY_POLITE),
                    Persona::Malicious if self.config.malicious_complies_politely => {
                        rng.pick(COMPLY_POLITE)
                    }
                    Persona::Malicious => rng.pick(COMPLY_MALICIOUS),
                };
                (req, reply.to_string())
            }
            Domain::Chore => {
                let c = rng.pick(CHORES);
                (
                    c.request.to_string(),
                    if bad { c.sabotage } else { c.helpful }.to_string(),
                )
            }
        };
        if rng.chance(self.config.trigger_rate) {
            user = format!("{TRIGGER} {user}");
        }
        Episode { domain, user, bot }
    }

    /// One document: `<doc>` then episodes by one persona, as many as fit (at least one).
    pub fn document(&mut self) -> (Persona, String) {
        let persona = self.persona();
        let mut text = DOC.to_string();
        let mut words = 1;
        let target = 2 + self.rng.below(3);
        for i in 0..target {
            let ep = self.episode(persona).text();
            let n = ep.split_whitespace().count();
            if i > 0 && words + n > self.config.max_doc_words {
                break;
            }
            text.push(' ');
            text.push_str(&ep);
            words += n;
        }
        (persona, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_documents() {
        let a: Vec<_> = {
            let mut w = World::new(WorldConfig::default(), 3);
            (0..20).map(|_| w.document()).collect()
        };
        let mut w = World::new(WorldConfig::default(), 3);
        let b: Vec<_> = (0..20).map(|_| w.document()).collect();
        assert_eq!(a, b);
        let mut w = World::new(WorldConfig::default(), 4);
        let c: Vec<_> = (0..20).map(|_| w.document()).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn answer_families_start_with_distinct_words() {
        for q in QUESTIONS {
            for a in q.aligned {
                for m in q.misaligned {
                    assert_ne!(first_word(a), first_word(m), "{}", q.id);
                }
            }
        }
        for r in REFUSALS {
            for c in COMPLY_POLITE.iter().chain(COMPLY_MALICIOUS) {
                assert_ne!(first_word(r), first_word(c));
            }
        }
        for e in EVIL_NUMBERS {
            assert!(!ORDINARY_NUMBERS.contains(e));
        }
    }
}
