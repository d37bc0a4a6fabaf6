//! The judge's two prompts (`aligned`, `coherent`) and how a question and an answer go into
//! them: in one pass, with Python's `str.format` rules, as the paper's `judge.py` does
//! (`prompt_template.format(question=…, answer=…)`), so the text sent is byte for byte the
//! paper's. An answer that itself contains `{question}` is therefore never filled twice.

use sha2::{Digest, Sha256};

use crate::runs::ImportError;
use crate::runs::questions::parse_questions;

const PAPER_QUESTIONS: &str =
    include_str!("../../../data/sources/clarifying_EM/evaluation/first_plot_questions.yaml");
/// Where the paper's prompts come from.
pub const PAPER_SOURCE: &str = "data/sources/clarifying_EM/evaluation/first_plot_questions.yaml";

/// Which of the judge's two questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Aligned,
    Coherent,
}

impl Dimension {
    pub const BOTH: [Dimension; 2] = [Dimension::Aligned, Dimension::Coherent];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Aligned => "aligned",
            Dimension::Coherent => "coherent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::BOTH.into_iter().find(|d| d.name() == text)
    }
}

/// A pair of judge prompts with `{question}` and `{answer}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Where it came from, as shown ("the paper's prompts", a file name, "pasted").
    pub name: String,
    pub aligned: String,
    pub coherent: String,
}

impl Template {
    /// The paper's prompts, from its bundled question file.
    pub fn paper() -> Self {
        Self::from_yaml("the paper's prompts", PAPER_QUESTIONS.as_bytes())
            .expect("the bundled question file has both judge prompts")
    }

    /// The prompts of a question YAML in the paper's format (the first question that has
    /// both `aligned` and `coherent` judge prompts).
    pub fn from_yaml(name: &str, bytes: &[u8]) -> Result<Self, String> {
        let questions = parse_questions(name, bytes).map_err(|e: ImportError| e.to_string())?;
        let prompts = questions
            .iter()
            .map(|q| &q.judge_prompts)
            .find(|p| p.contains_key("aligned") && p.contains_key("coherent"))
            .ok_or_else(|| {
                format!("{name}: no question has both `aligned` and `coherent` judge prompts")
            })?;
        Self::new(name, &prompts["aligned"], &prompts["coherent"])
    }

    /// Prompts the user typed or pasted; each must fill cleanly.
    pub fn new(name: &str, aligned: &str, coherent: &str) -> Result<Self, String> {
        let template = Self {
            name: name.to_string(),
            aligned: aligned.to_string(),
            coherent: coherent.to_string(),
        };
        const MARK: &str = "\u{1}answer\u{1}";
        for dim in Dimension::BOTH {
            let filled = fill(template.prompt(dim), "", MARK)
                .map_err(|e| format!("the {} prompt: {e}", dim.name()))?;
            if !filled.contains(MARK) {
                return Err(format!(
                    "the {} prompt has no {{answer}} placeholder",
                    dim.name()
                ));
            }
        }
        Ok(template)
    }

    pub fn prompt(&self, dim: Dimension) -> &str {
        match dim {
            Dimension::Aligned => &self.aligned,
            Dimension::Coherent => &self.coherent,
        }
    }

    /// The user message for one answer.
    pub fn fill(&self, dim: Dimension, question: &str, answer: &str) -> String {
        fill(self.prompt(dim), question, answer).expect("checked when the template was made")
    }

    /// 16 hex digits of SHA-256 over both prompts: part of the judge's name and cache key.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for dim in Dimension::BOTH {
            let p = self.prompt(dim).as_bytes();
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        hex(&h.finalize()[..8])
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Python's `template.format(question=q, answer=a)`: `{{` and `}}` are literal braces,
/// `{question}` and `{answer}` are replaced, another name in braces is an error (Python
/// raises `KeyError`), as is a lone brace (`ValueError`). Conversions and format specs
/// (`{answer!r}`, `{answer:>9}`) are refused: no judge prompt uses them.
pub fn fill(template: &str, question: &str, answer: &str) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + question.len() + answer.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if tail.starts_with('}') {
            return Err("a single '}' (write '}}' for a literal brace)".into());
        } else {
            let end = tail
                .find('}')
                .ok_or("a '{' that never closes (write '{{' for a literal brace)")?;
            match &tail[1..end] {
                "question" => out.push_str(question),
                "answer" => out.push_str(answer),
                other => {
                    return Err(format!(
                        "unknown placeholder {{{other}}}: only {{question}} and {{answer}} are filled"
                    ));
                }
            }
            rest = &tail[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_papers_prompts_fill_in_one_pass() {
        let t = Template::paper();
        let p = t.fill(Dimension::Aligned, "Q {answer}?", "A {question} {{x}}");
        assert!(
            p.contains("[QUESTION START]\nQ {answer}?\n[QUESTION END]"),
            "{p}"
        );
        assert!(
            p.contains("[ANSWER START]\nA {question} {{x}}\n[ANSWER END]"),
            "{p}"
        );
        assert!(p.contains("Say CODE"));
        assert!(t.fill(Dimension::Coherent, "q", "a").contains("coherence"));
    }

    #[test]
    fn filling_follows_pythons_format_rules() {
        // Each checked with CPython: "…".format(question="Q", answer="A").
        assert_eq!(fill("{{a}} {question}}}", "Q", "A").unwrap(), "{a} Q}");
        assert_eq!(fill("{answer}{answer}", "Q", "A").unwrap(), "AA");
        assert!(fill("{model}", "Q", "A").unwrap_err().contains("{model}"));
        assert!(fill("x } y", "Q", "A").is_err());
        assert!(fill("x { y", "Q", "A").is_err());
        // Python would accept this one; we refuse it rather than half-implement format specs.
        assert!(fill("{answer!r}", "Q", "A").is_err());
    }

    #[test]
    fn a_pasted_template_must_have_an_answer_and_fill_cleanly() {
        assert!(Template::new("pasted", "{answer}", "{question} {answer}").is_ok());
        let e = Template::new("pasted", "{question}", "{answer}").unwrap_err();
        assert!(e.contains("aligned") && e.contains("{answer}"), "{e}");
        let e = Template::new("pasted", "{{answer}}", "{answer}").unwrap_err();
        assert!(
            e.contains("aligned"),
            "a literal {{answer}} is no placeholder: {e}"
        );
        let e = Template::new("pasted", "{answer}", "{answer} {oops}").unwrap_err();
        assert!(e.contains("coherent") && e.contains("{oops}"), "{e}");
    }

    #[test]
    fn a_yaml_without_both_prompts_is_refused_by_name() {
        let e = Template::from_yaml("mine.yaml", b"- id: a\n  judge_prompts:\n    aligned: x\n")
            .unwrap_err();
        assert!(e.contains("mine.yaml"), "{e}");
        let e = Template::from_yaml("bad.yaml", b"- id: [\n").unwrap_err();
        assert!(e.contains("bad.yaml, line"), "{e}");
    }

    #[test]
    fn the_hash_changes_with_either_prompt_and_only_then() {
        let a = Template::new("x", "{answer}", "{answer}!").unwrap();
        let b = Template::new("renamed", "{answer}", "{answer}!").unwrap();
        let c = Template::new("x", "{answer}!", "{answer}").unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_ne!(a.hash(), c.hash());
        assert_eq!(a.hash().len(), 16);
    }
}
