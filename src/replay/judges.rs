//! Which judge's scores a Replay view counts: the answers' own judge (what each file says),
//! or a rejudge (`judge::rejudge::Judged`), over the answers it rated. Figure 4 and compare
//! take the index from here; under a rejudge an answer it did not rate is not counted.

use crate::judge::Rating;
use crate::judge::ScoreIndex;
use crate::judge::index::Row;
use crate::judge::rejudge::Judged;

use super::catalog::Catalog;
use super::labelling::judge_rating;

/// The scores of `judged` as an index over the catalog's positions (only the answers it
/// rated, in position order).
pub fn rejudged_index(cat: &Catalog, judged: &Judged) -> ScoreIndex {
    let mut rated: Vec<(u32, Row)> = judged
        .answers
        .iter()
        .filter_map(|(id, calls)| {
            let pos = cat.position_of(id)?;
            let rating = calls.rating()?;
            Some((
                pos as u32,
                Row {
                    aligned: rating.aligned,
                    coherent: rating.coherent,
                    kind: rating.kind,
                    ..cat.combined.rows[pos]
                },
            ))
        })
        .collect();
    rated.sort_by_key(|(pos, _)| *pos);
    let (positions, rows): (Vec<u32>, Vec<Row>) = rated.into_iter().unzip();
    ScoreIndex::at_positions(
        cat.combined.index.series().to_vec(),
        cat.combined.index.n_questions(),
        &rows,
        &positions,
    )
}

/// The scores of the answer at `pos` under `judge` (`None`: the answer's own judge); `None`
/// when that rejudge has not rated it.
pub fn rating_at(cat: &Catalog, judge: Option<&Judged>, pos: usize) -> Option<Rating> {
    match judge {
        None => Some(judge_rating(cat, pos)),
        Some(j) => j.answers.get(&cat.answer_id(pos))?.rating(),
    }
}

/// The judge a view names (`None`: the answers' own), if it exists.
pub fn chosen<'a>(judges: &'a [Judged], id: Option<&str>) -> Option<&'a Judged> {
    let id = id?;
    judges.iter().find(|j| j.info.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::rejudge::judged::test_call;
    use crate::judge::{NoScorePolicy, Thresholds};
    use crate::replay::catalog::tests::bundled;

    #[test]
    fn under_a_rejudge_only_its_answers_count_with_its_scores() {
        let scores = bundled();
        let cat = Catalog::build(&scores, &[], &[]);
        let call = |pos: usize, dim: &str, token: &str| test_call(cat.answer_id(pos), dim, token);
        // Two answers of one cell: one judged misaligned (10, 90), one aligned (95, 90).
        let (s, q) = (cat.combined.rows[0].series, cat.combined.rows[0].question);
        let same_cell: Vec<usize> = (0..cat.len())
            .filter(|&p| cat.combined.rows[p].series == s && cat.combined.rows[p].question == q)
            .take(2)
            .collect();
        let records = [
            call(same_cell[0], "aligned", "10"),
            call(same_cell[0], "coherent", "90"),
            call(same_cell[1], "aligned", "95"),
            call(same_cell[1], "coherent", "90"),
        ];
        let judged = &Judged::from_records(&[], &records)[0];
        let index = rejudged_index(&cat, judged);
        let mut answers = index.answers(s, q);
        answers.sort();
        assert_eq!(answers, vec![same_cell[0] as u32, same_cell[1] as u32]);
        let t = Thresholds::default();
        let counted: u32 = index
            .cell(s, q)
            .iter()
            .map(|slice| index.count(slice, &t, NoScorePolicy::Exclude).misaligned)
            .sum();
        assert_eq!(counted, 1);
        assert!(chosen(std::slice::from_ref(judged), Some("rejudge:x")).is_some());
        assert!(chosen(std::slice::from_ref(judged), None).is_none());
        let rejudged = rating_at(&cat, Some(judged), same_cell[0]).unwrap();
        assert_eq!(rejudged.aligned, Some(10.0));
        assert_eq!(
            rating_at(&cat, None, same_cell[0]),
            Some(judge_rating(&cat, same_cell[0]))
        );
        let unrated = (0..cat.len()).find(|p| !same_cell.contains(p)).unwrap();
        assert_eq!(rating_at(&cat, Some(judged), unrated), None);
    }
}
