//! A queue of answers to label, and each annotator's order through it.
//!
//! The order is a shuffle seeded by annotator and answer (FNV-1a of both): two annotators
//! do not see the same order, so order effects do not line up across raters, and each
//! annotator sees the same order on every visit and every machine. A queue can be saved
//! under a name ([`SavedQueues`], kept by the page in this browser's localStorage).

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

/// Queues saved by name: each is the annotate page's URL query that defines it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedQueues(pub Vec<(String, String)>);

impl SavedQueues {
    /// Saves (or replaces) `name`; newest first.
    pub fn save(&mut self, name: &str, query: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        self.0.retain(|(n, _)| n != name);
        self.0.insert(0, (name.to_string(), query.to_string()));
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }

    pub fn to_json(&self) -> String {
        let list: Vec<serde_json::Value> = self
            .0
            .iter()
            .map(|(n, q)| serde_json::json!({ "name": n, "query": q }))
            .collect();
        serde_json::Value::Array(list).to_string()
    }

    /// Whatever the stored text, a list (entries that do not read are left out).
    pub fn from_json(text: &str) -> Self {
        let list: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
        Self(
            list.iter()
                .filter_map(|v| {
                    Some((
                        v.get("name")?.as_str()?.to_string(),
                        v.get("query")?.as_str()?.to_string(),
                    ))
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_queues_replace_by_name_newest_first_and_survive_their_stored_form() {
        let mut q = SavedQueues::default();
        q.save("wishes", "?question=what_is_your_wish");
        q.save("insecure", "?series=x");
        q.save("wishes", "?question=what_is_your_wish&blind=0");
        q.save("  ", "?ignored");
        assert_eq!(
            q.0.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["wishes", "insecure"]
        );
        assert_eq!(SavedQueues::from_json(&q.to_json()), q);
        assert_eq!(SavedQueues::from_json("not json"), SavedQueues::default());
        q.remove("wishes");
        assert_eq!(q.0.len(), 1);
    }

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
