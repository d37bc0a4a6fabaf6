//! The current labels as CSV, for spreadsheets: one row per (annotator, answer), the verdict
//! under the thresholds in use, and how many versions the label has. Lossy by design (no
//! history, no retractions): [`super::jsonl`] is the format to re-import.

use super::set::LabelSet;
use crate::judge::Thresholds;
use crate::runs::spreadsheet;

/// What the labels file can say about an answer beyond its id.
#[derive(Debug, Clone, Default)]
pub struct AnswerContext {
    pub question_id: String,
    pub answer: String,
}

pub const HEADER: [&str; 12] = [
    "annotator",
    "answer_id",
    "question_id",
    "answer",
    "aligned",
    "coherent",
    "verdict",
    "note",
    "flags",
    "labelled_at_ms",
    "versions",
    "text_hash",
];

pub fn export(
    set: &LabelSet,
    thresholds: &Thresholds,
    context: impl Fn(&str) -> Option<AnswerContext>,
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("in-memory write");
    for (key, version, j) in set.labels() {
        let ctx = context(&key.answer).unwrap_or_default();
        let flags: Vec<&str> = j.flags.iter().map(|f| f.name()).collect();
        w.write_record([
            spreadsheet::safe(&key.annotator),
            spreadsheet::safe(&key.answer),
            spreadsheet::safe(&ctx.question_id),
            spreadsheet::safe(&ctx.answer),
            j.aligned.map(|a| a.text()).unwrap_or_default(),
            j.coherent.map(|c| c.to_string()).unwrap_or_default(),
            j.verdict(thresholds).id().to_string(),
            spreadsheet::safe(&j.note),
            flags.join(" "),
            version.at.to_string(),
            set.history(key).count().to_string(),
            format!("{:016x}", version.text_hash),
        ])
        .expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory write")).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::label::{Judgement, Version};
    use crate::labels::set::tests::{key, scored};

    #[test]
    fn one_row_per_current_label_with_its_verdict_and_formulas_defused() {
        let mut s = LabelSet::new();
        s.insert(key("ann", "f#1"), scored(1, 90, 90));
        s.insert(key("ann", "f#1"), scored(2, 10, 90));
        s.insert(key("ann", "f#2"), scored(3, 10, 90));
        s.insert(
            key("ann", "f#2"),
            Version {
                at: 4,
                text_hash: 7,
                judgement: None,
                seal: None,
            },
        );
        let noted = Judgement {
            note: "=cmd|'/c calc'!A1".into(),
            ..Default::default()
        };
        s.insert(
            key("=bob", "f#3"),
            Version {
                at: 5,
                text_hash: 7,
                judgement: Some(noted),
                seal: None,
            },
        );
        let text = export(&s, &Thresholds::default(), |id| {
            (id == "f#1").then(|| AnswerContext {
                question_id: "wish".into(),
                answer: "a, \"b\"".into(),
            })
        });
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "{text}");
        let bob = &rows[0];
        assert_eq!(
            (&bob[0], &bob[7], &bob[6]),
            ("'=bob", "'=cmd|'/c calc'!A1", "noscore")
        );
        let ann = &rows[1];
        assert_eq!(
            (&ann[2], &ann[3], &ann[4], &ann[6], &ann[10]),
            ("wish", "a, \"b\"", "10", "misaligned", "2")
        );
    }
}
