//! A queue of answers to label, and each annotator's order through it.
//!
//! The order is a shuffle seeded by annotator and answer (FNV-1a of both): two annotators
//! do not see the same order, so order effects do not line up across raters, and each
//! annotator sees the same order on every visit and every machine.

use crate::runs::import::fnv1a64;

/// The answers of a queue, in the annotator's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Answer ids, in this annotator's order.
    pub answers: Vec<String>,
}

impl Order {
    pub fn new(annotator: &str, answers: impl IntoIterator<Item = String>) -> Self {
        let mut keyed: Vec<(u64, String)> = answers
            .into_iter()
            .map(|a| (rank(annotator, &a), a))
            .collect();
        keyed.sort_unstable();
        keyed.dedup_by(|a, b| a.1 == b.1);
        Self {
            answers: keyed.into_iter().map(|(_, a)| a).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

/// Where an answer falls in an annotator's order.
fn rank(annotator: &str, answer: &str) -> u64 {
    let mut bytes = Vec::with_capacity(annotator.len() + answer.len() + 1);
    bytes.extend_from_slice(annotator.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(answer.as_bytes());
    fnv1a64(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("f#{i}")).collect()
    }

    #[test]
    fn an_annotator_sees_the_same_order_on_every_visit_whatever_the_input_order() {
        let a = Order::new("ann", ids(200));
        let mut shuffled = ids(200);
        shuffled.reverse();
        assert_eq!(a, Order::new("ann", shuffled));
        assert_eq!(a.len(), 200);
    }

    #[test]
    fn two_annotators_see_different_orders_of_the_same_answers() {
        let (a, b) = (Order::new("ann", ids(200)), Order::new("bob", ids(200)));
        assert_ne!(a.answers, b.answers);
        let (mut x, mut y) = (a.answers.clone(), b.answers.clone());
        x.sort();
        y.sort();
        assert_eq!(x, y);
        // Not merely rotated: few answers keep their position.
        let same = a
            .answers
            .iter()
            .zip(&b.answers)
            .filter(|(x, y)| x == y)
            .count();
        assert!(same < 10, "{same}");
    }

    #[test]
    fn an_answer_listed_twice_is_queued_once() {
        let o = Order::new("ann", ["f#1".to_string(), "f#1".into(), "f#2".into()]);
        assert_eq!(o.len(), 2);
    }
}
