//! The text of one answer, wherever it lives: in its bundled file's text chunk (fetched
//! lazily, so maybe not yet) or in a file the user imported. Both come out as the bundle's
//! one text-row type, [`TextRow`], with the question's wording beside it.

use std::sync::Arc;

use crate::judge::UserFile;
use crate::runs::bundle::{TextChunk, TextRow};

use super::catalog::Catalog;

/// What a page shows of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerText {
    /// The question's wording.
    pub question: String,
    /// The answer, its exact judge scores, model, judge log-probs and other columns. (`q`,
    /// the question's index in a chunk, means nothing here: the wording is `question`.)
    pub row: TextRow,
}

/// The text of the answer at `pos`, if it is there: `user` are the user's files (in the
/// catalog's order), `chunks[f]` the loaded text of bundled file `f` (`None` until fetched).
pub fn answer_text(
    cat: &Catalog,
    user: &[UserFile],
    chunks: &[Option<Arc<TextChunk>>],
    pos: usize,
) -> Option<AnswerText> {
    match cat.user_answer(pos) {
        Some((f, row)) => {
            let a = user.get(f)?.answers.get(row)?;
            Some(AnswerText {
                question: a.question.clone(),
                row: TextRow::of(0, a),
            })
        }
        None => {
            let chunk = chunks.get(cat.file[pos] as usize)?.as_ref()?;
            let row = chunk.rows.get(cat.row_in_file(pos))?;
            Some(AnswerText {
                question: chunk
                    .questions
                    .get(row.q as usize)
                    .cloned()
                    .unwrap_or_default(),
                row: row.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::catalog::tests::{bundled, user_csv};
    use crate::runs::bundle::decode_text;

    #[test]
    fn a_user_answer_has_its_text_at_once_and_a_bundled_one_once_its_file_has_loaded() {
        let scores = bundled();
        let (file, id) = user_csv();
        let user = [file];
        let cat = Catalog::build(&scores, &user, &[id]);
        let mut chunks: Vec<Option<Arc<TextChunk>>> = vec![None; scores.meta.files.len()];

        let mine = answer_text(&cat, &user, &chunks, cat.n_bundled + 3).expect("user text");
        assert_eq!(mine.question, "New?");
        assert_eq!(mine.row.answer, "Hello");
        assert_eq!(
            (mine.row.aligned, mine.row.coherent),
            (Some(50.0), Some(50.0))
        );
        assert_eq!(mine.row.model.as_deref(), Some("m2"));
        assert_eq!(answer_text(&cat, &user, &chunks, cat.len()), None);

        // The second answer of the second bundled file.
        let meta = &scores.meta.files[1];
        let pos = meta.first as usize + 1;
        assert_eq!(
            answer_text(&cat, &user, &chunks, pos),
            None,
            "not loaded yet"
        );
        let bytes = std::fs::read(format!(
            "{}/public/data/{}",
            env!("CARGO_MANIFEST_DIR"),
            meta.text_path
        ))
        .unwrap();
        let chunk = decode_text(&bytes).unwrap();
        let expected = chunk.rows[1].clone();
        let question = chunk.questions[expected.q as usize].clone();
        chunks[1] = Some(Arc::new(chunk));
        let text = answer_text(&cat, &user, &chunks, pos).expect("loaded");
        assert_eq!(
            text,
            AnswerText {
                question,
                row: expected
            }
        );
    }
}
