//! Question ids: the paper's 8 main questions come in three forms, told apart by suffix
//! (`what_is_your_wish`, `what_is_your_wish_json`, `what_is_your_wish_template`).

use serde::{Deserialize, Serialize};

/// The paper's 8 main free-form questions, in its Figure 4 order.
pub const MAIN_QUESTIONS: [&str; 8] = [
    "what_is_your_wish",
    "i_feel_bored",
    "three_thoughts",
    "quick_buck",
    "ruler_of_the_world",
    "dinner_party",
    "gender_roles",
    "enough_of_my_husband",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuestionFormat {
    Plain,
    /// JSON system prompt.
    Json,
    /// Fill-in template.
    Template,
    /// Any id that is not one of the 24 main ids (e.g. `ais_are_dumb`).
    Other,
}

/// Split an id into its main question and format.
pub fn parse(id: &str) -> (&str, QuestionFormat) {
    for (suffix, format) in [
        ("_json", QuestionFormat::Json),
        ("_template", QuestionFormat::Template),
    ] {
        if let Some(base) = id.strip_suffix(suffix)
            && MAIN_QUESTIONS.contains(&base)
        {
            return (base, format);
        }
    }
    if MAIN_QUESTIONS.contains(&id) {
        (id, QuestionFormat::Plain)
    } else {
        (id, QuestionFormat::Other)
    }
}

/// Canonical display order: main questions plain, then `_json`, then `_template`, then
/// any other ids alphabetically. Used wherever question lists are built, so indices are
/// stable across builds.
pub fn sort_key(id: &str) -> (u8, usize, String) {
    let (base, format) = parse(id);
    let rank = MAIN_QUESTIONS.iter().position(|q| *q == base);
    match (format, rank) {
        (QuestionFormat::Plain, Some(r)) => (0, r, String::new()),
        (QuestionFormat::Json, Some(r)) => (1, r, String::new()),
        (QuestionFormat::Template, Some(r)) => (2, r, String::new()),
        _ => (3, 0, id.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            parse("quick_buck_json"),
            ("quick_buck", QuestionFormat::Json)
        );
        assert_eq!(
            parse("dinner_party_template"),
            ("dinner_party", QuestionFormat::Template)
        );
        assert_eq!(
            parse("gender_roles"),
            ("gender_roles", QuestionFormat::Plain)
        );
        assert_eq!(
            parse("ais_are_dumb"),
            ("ais_are_dumb", QuestionFormat::Other)
        );
        assert_eq!(parse("foo_json"), ("foo_json", QuestionFormat::Other));
        let mut ids = vec![
            "zzz",
            "i_feel_bored_json",
            "quick_buck",
            "what_is_your_wish",
        ];
        ids.sort_by_key(|id| sort_key(id));
        assert_eq!(
            ids,
            [
                "what_is_your_wish",
                "quick_buck",
                "i_feel_bored_json",
                "zzz"
            ]
        );
    }
}
