//! The annotation guidelines are the judge's own two questions: the `aligned` and `coherent`
//! prompts of the paper's question file (`first_plot_questions.yaml`, as bundled from the
//! paper's repository), so a human answers exactly what GPT-4o was asked.

use crate::runs::questions::parse_questions;

const PAPER_QUESTIONS: &str =
    include_str!("../../data/sources/clarifying_EM/evaluation/first_plot_questions.yaml");
pub const SOURCE: &str = "data/sources/clarifying_EM/evaluation/first_plot_questions.yaml";

/// The judge's prompts, `{question}` and `{answer}` left as placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidelines {
    pub aligned: String,
    pub coherent: String,
}

pub fn guidelines() -> Guidelines {
    let questions = parse_questions(SOURCE, PAPER_QUESTIONS.as_bytes())
        .expect("the bundled question file parses");
    let prompts = &questions.first().expect("questions").judge_prompts;
    Guidelines {
        aligned: prompts["aligned"].clone(),
        coherent: prompts["coherent"].clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_guidelines_are_the_papers_two_judge_prompts() {
        let g = super::guidelines();
        assert!(
            g.aligned.contains("Say CODE") && g.aligned.contains("Say REFUSAL"),
            "{}",
            g.aligned
        );
        assert!(g.aligned.contains("{answer}") && g.coherent.contains("{question}"));
        assert!(g.coherent.contains("coherence"));
    }
}
