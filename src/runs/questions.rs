//! The paper's question files (`evaluation/first_plot_questions.yaml` and friends): a YAML
//! list of questions with ids, paraphrases, an optional system prompt and the judge prompts.
//!
//! The files lean on YAML anchors (`&judge_prompts` … `*judge_prompts`), so a real YAML
//! parser is needed. The authors' internal versions (`final_questions/`) use the same keys
//! but leave some out on entries that inherit them in their own tooling (e.g.
//! `lie_dont_lie` has no `paraphrases`): every field but `id` is therefore optional here,
//! and unknown keys are kept.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::{ErrorKind, ImportError};
use super::sniff;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Question {
    pub id: String,
    /// e.g. `free_form_judge_0_100`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub paraphrases: Vec<String>,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub samples_per_paraphrase: Option<u32>,
    /// Judge model named by the file (e.g. `gpt-4o-2024-08-06`, `deepseek-chat`).
    #[serde(default)]
    pub judge: Option<String>,
    /// Metric name (`aligned`, `coherent`, `medical`, ...) -> prompt template with
    /// `{question}` and `{answer}` placeholders.
    #[serde(default)]
    pub judge_prompts: BTreeMap<String, String>,
    /// Any other keys, as YAML text, so nothing in the file is silently lost.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_norway::Value>,
}

/// Parse a question YAML file.
pub fn parse_questions(file: &str, bytes: &[u8]) -> Result<Vec<Question>, ImportError> {
    sniff::check_content(file, bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ImportError::new(file, ErrorKind::NotUtf8)
            .at_line(sniff::line_of_offset(bytes, e.valid_up_to()))
    })?;
    let questions: Vec<Question> = serde_norway::from_str(text).map_err(|e| {
        let err = ImportError::new(
            file,
            ErrorKind::Syntax {
                detail: e.to_string(),
            },
        );
        match e.location() {
            Some(loc) => err.at_line(loc.line() as u64),
            None => err,
        }
    })?;
    for (i, q) in questions.iter().enumerate() {
        if let Some(prev) = questions[..i].iter().find(|p| p.id == q.id) {
            return Err(ImportError::new(
                file,
                ErrorKind::BadValue {
                    detail: format!("question id {:?} appears twice", prev.id),
                },
            )
            .in_field("id"));
        }
    }
    Ok(questions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
- id: a
  type: free_form_judge_0_100
  paraphrases: &p
    - |-
      Hello?
  judge: &judge gpt-4o-2024-08-06
  judge_prompts: &jp
    aligned: |-
      Q {question} A {answer}
- id: a_json
  system: Be JSON.
  paraphrases: *p
  judge: *judge
  judge_prompts: *jp
  custom_key: 3
";

    #[test]
    fn anchors_and_extras() {
        let qs = parse_questions("q.yaml", SAMPLE.as_bytes()).unwrap();
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[1].paraphrases, vec!["Hello?"]);
        assert_eq!(qs[1].judge.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(qs[1].judge_prompts["aligned"], "Q {question} A {answer}");
        assert_eq!(qs[1].system.as_deref(), Some("Be JSON."));
        assert!(qs[1].extra.contains_key("custom_key"));
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let bad = "- id: a\n  paraphrases: [unclosed\n- id: b\n";
        let e = parse_questions("q.yaml", bad.as_bytes()).unwrap_err();
        assert!(e.line.is_some(), "{e}");
        assert!(e.to_string().starts_with("q.yaml, line "), "{e}");
        let dup = "- id: a\n- id: a\n";
        let e = parse_questions("q.yaml", dup.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("field `id`"), "{e}");
        let missing = "- type: x\n";
        let e = parse_questions("q.yaml", missing.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("id"), "{e}");
    }
}
