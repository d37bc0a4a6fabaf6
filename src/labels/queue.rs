//! A queue of answers to label, and each annotator's order through it.
//!
//! The order is a shuffle seeded by annotator and answer (the first 8 bytes of SHA-256 of
//! both): two annotators do not see the same order, so order effects do not line up across
//! raters, and each annotator sees the same order on every visit and every machine. The hash
//! must mix fully: with FNV-1a, ids that differ in their last digits (neighbouring rows of a
//! file) got neighbouring ranks, so orders came in blocks of consecutive rows and similar
//! names shared their first answers (the tests check both properties statistically). A queue can be saved
//! under a name ([`SavedQueues`], kept by the page in this browser's localStorage).

use sha2::{Digest, Sha256};

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
    let digest = Sha256::new()
        .chain_update(annotator.as_bytes())
        .chain_update([0])
        .chain_update(answer.as_bytes())
        .finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("8 of 32 bytes"))
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

    /// Ids as a real queue has them: neighbouring rows of one file (the reported case was
    /// `ce-base-coder32b`'s `quick_buck` rows, 180 onwards).
    fn rows(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("data/sources/ce/base-coder32b.csv#{}", 180 + i))
            .collect()
    }

    /// P(X = x) for the overlap X of two independent random k-subsets of n items.
    fn hypergeometric(n: u64, k: u64, x: u64) -> f64 {
        let choose =
            |n: u64, r: u64| -> f64 { (0..r).map(|i| (n - i) as f64 / (r - i) as f64).product() };
        choose(k, x) * choose(n - k, k - x) / choose(n, k)
    }

    #[test]
    fn the_first_answers_of_two_annotators_overlap_as_independent_random_orders_do() {
        // 2,000 pairs of names that differ as real names do (one letter, a digit, a suffix),
        // 50 answers, the first 10 of each: the overlap's distribution against the
        // hypergeometric, by a chi-square test at p = 0.001 (5 degrees of freedom: 20.5).
        let (n, k) = (50usize, 10usize);
        let answers = rows(n);
        let names: Vec<String> = (0..2001).map(|i| format!("ann{i}")).collect();
        let mut observed = [0u64; 6]; // overlaps 0, 1, 2, 3, 4, 5 or more
        let mut pairs = 0u64;
        for pair in names.windows(2) {
            let first = |who: &str| -> Vec<String> {
                Order::new(who, answers.clone()).answers[..k].to_vec()
            };
            let (a, b) = (first(&pair[0]), first(&pair[1]));
            let overlap = a.iter().filter(|x| b.contains(x)).count();
            observed[overlap.min(5)] += 1;
            pairs += 1;
        }
        for (a, b) in [("ann", "bob"), ("alice", "bert"), ("ann", "anne")] {
            let first = |who: &str| Order::new(who, answers.clone()).answers[..k].to_vec();
            let overlap = first(a).iter().filter(|x| first(b).contains(x)).count();
            assert!(
                overlap <= 6,
                "{a} and {b} share {overlap} of their first {k}"
            );
        }
        let mut expected = [0f64; 6];
        for x in 0..=k as u64 {
            expected[(x as usize).min(5)] += hypergeometric(n as u64, k as u64, x) * pairs as f64;
        }
        let chi2: f64 = observed
            .iter()
            .zip(expected)
            .map(|(&o, e)| (o as f64 - e).powi(2) / e)
            .sum();
        assert!(
            chi2 < 20.5,
            "chi-square {chi2:.1}: observed {observed:?}, expected {expected:.0?}"
        );
    }

    #[test]
    fn neighbouring_rows_are_no_more_often_neighbours_in_an_order_than_by_chance() {
        // In a random order of n rows, each of the n - 1 neighbouring pairs of places holds
        // neighbouring rows with probability 2/n: (n - 1)·2/n per order. Over 500 orders the
        // count is within 5 standard deviations of that (≈ Poisson).
        let n = 50usize;
        let answers = rows(n);
        let row = |id: &str| -> i64 { id.rsplit('#').next().unwrap().parse().unwrap() };
        let orders = 500;
        let adjacent: usize = (0..orders)
            .map(|i| {
                let order = Order::new(&format!("annotator {i}"), answers.clone());
                order
                    .answers
                    .windows(2)
                    .filter(|w| (row(&w[0]) - row(&w[1])).abs() == 1)
                    .count()
            })
            .sum();
        let expected = orders as f64 * (n - 1) as f64 * 2.0 / n as f64;
        let sd = expected.sqrt();
        assert!(
            (adjacent as f64 - expected).abs() < 5.0 * sd,
            "{adjacent} neighbouring rows side by side, {expected:.0} ± {sd:.0} expected"
        );
    }

    #[test]
    fn an_answer_listed_twice_is_queued_once() {
        let o = Order::new("ann", ["f#1".to_string(), "f#1".into(), "f#2".into()]);
        assert_eq!(o.len(), 2);
    }
}
