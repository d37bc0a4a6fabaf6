//! A rejudge run without the network: which calls are needed (planning against the cache),
//! and the scheduler that hands calls to the page's concurrent senders, applies the retry
//! rules, counts progress and errors by kind, enforces the spending cap, and pauses when
//! the first replies show a judge the paper's rule cannot read (numbers split into digits).
//!
//! The page's loop is short: `next()` → send → `finish()` → store the reply. Time is passed
//! in, so every rule here is tested natively with a fake clock.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rand::SeedableRng;
use rand_pcg::Pcg32;

use super::call::Endpoint;
use super::cost::{Estimate, Price, estimate_tokens};
use super::reply::TopLogprobs;
use super::retry::{Attempt, Decision, RetryPolicy, Stop};
use super::template::{Dimension, Template};

/// The error kind of a 429 `insufficient_quota` reply.
pub const QUOTA: &str = "429 out of quota";

/// One answer as a rejudge sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Stable answer id (`file#row`) and the hash of its text.
    pub answer: String,
    pub text_hash: u64,
    pub question: String,
    pub text: String,
}

/// One distinct call: answers with the same question and text share it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub key: String,
    pub dimension: Dimension,
    /// Indices into the targets the plan was made from; the first one fills the prompt.
    pub targets: Vec<usize>,
    pub tokens: u64,
}

/// What a run will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub judge: String,
    /// Calls still to make.
    pub jobs: Vec<Job>,
    /// Calls already answered (in the cache), with the targets each covers.
    pub cached: Vec<Job>,
    pub estimate: Estimate,
}

impl Plan {
    /// Every (answer, dimension) call, deduplicated by cache key; `cached(key)` tells which
    /// are answered already.
    pub fn new(
        endpoint: &Endpoint,
        template: &Template,
        targets: &[Target],
        cached: impl Fn(&str) -> bool,
        price: Option<&Price>,
    ) -> Self {
        let hash = template.hash();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut all: Vec<Job> = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            for dimension in Dimension::BOTH {
                let prompt = template.fill(dimension, &t.question, &t.text);
                let key = endpoint.call_key(&hash, dimension, &prompt);
                match by_key.get(&key) {
                    Some(&j) => all[j].targets.push(i),
                    None => {
                        by_key.insert(key.clone(), all.len());
                        all.push(Job {
                            key,
                            dimension,
                            targets: vec![i],
                            tokens: estimate_tokens(&prompt),
                        });
                    }
                }
            }
        }
        let (cached, jobs): (Vec<Job>, Vec<Job>) = all.into_iter().partition(|j| cached(&j.key));
        let estimate = Estimate::of(jobs.iter().map(|j| j.tokens), price);
        Self {
            judge: endpoint.judge_id(&hash),
            jobs,
            cached,
            estimate,
        }
    }
}

/// Limits the user set before running.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Caps {
    pub calls: Option<u64>,
    pub dollars: Option<f64>,
}

/// What a sender should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send job `job` (attempt `attempt`, 1-based).
    Send { job: usize, attempt: u32 },
    /// Nothing to send before `until_ms` (a retry is waiting).
    Wait { until_ms: u64 },
    /// Nothing to send while others are in flight, or while paused.
    Idle,
    /// The run is over (done, stopped or cancelled) and nothing is in flight.
    Finished,
}

/// Counts for the progress view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    pub jobs: usize,
    pub cached: usize,
    pub scored: usize,
    pub failed: usize,
    /// HTTP requests sent, retries included (what the spending cap counts).
    pub sent: u64,
    pub retries: u64,
    pub in_flight: usize,
    /// Failed attempts by kind ("429 rate limited", "garbled reply", …), retried or not.
    pub errors: BTreeMap<String, u64>,
}

impl Progress {
    /// Jobs settled (scored or given up) of the jobs to run.
    pub fn settled(&self) -> usize {
        self.scored + self.failed
    }
}

/// Said when the first replies come from a judge that splits numbers into digits: what the
/// paper's rule made of those replies — with under 0.25 of the probability on the digits
/// (what small open models give) an answer gets *no score*; above it, a score of 0–9 read from
/// a first digit.
pub fn digit_warning(no_score: usize, first_digit: usize) -> String {
    let replies = no_score + first_digit;
    let outcome = match (no_score, first_digit) {
        (n, 0) => format!(
            "all {n} gave no score at all (less than a quarter of their probability was on numbers)"
        ),
        (0, d) => format!("all {d} gave a score of 0–9, read from a first digit alone"),
        (n, d) => format!(
            "{n} gave no score at all (less than a quarter of the probability on numbers) and {d} a score of 0–9, read from a first digit alone"
        ),
    };
    format!(
        "This judge writes numbers digit by digit (\"85\" comes as \"8\", \"5\"), and the paper's rule reads whole numbers 0–100 from the first token: of its first {replies} replies, {outcome}. Its ratings mean nothing here; use a judge that writes each number as one token (as GPT-4o does)."
    )
}

/// Counted (as an error kind) for replies that give no score because their first token has
/// no top log-probs; the answer is rated "no score", as the paper's code rates it.
pub const NO_TOP_LOGPROBS: &str = "no top_logprobs (no score)";

/// Replies with numbers needed before the digit check decides.
const DIGIT_CHECK_REPLIES: usize = 6;
/// Bad-request replies in a row that stop a run (the model or server refuses the request).
const BAD_REQUESTS_IN_A_ROW: u32 = 5;

pub struct Run {
    policy: RetryPolicy,
    caps: Caps,
    per_call: f64,
    rng: Pcg32,
    queue: VecDeque<(usize, u32)>,
    waiting: Vec<(u64, usize, u32)>,
    pub progress: Progress,
    pub stop: Option<Stop>,
    pub cancelled: bool,
    pub paused: bool,
    pub warning: Option<String>,
    /// Items that got no score, with the reason (first 200).
    pub failures: Vec<(usize, String)>,
    /// Replies with numbers: digit by digit with no score, digit by digit with a score,
    /// whole numbers.
    digit_replies: (usize, usize, usize),
    bad_requests_in_a_row: u32,
}

impl Run {
    pub fn new(plan: &Plan, caps: Caps, policy: RetryPolicy, seed: u64) -> Self {
        Self {
            policy,
            caps,
            per_call: plan.estimate.per_call(),
            rng: Pcg32::seed_from_u64(seed),
            queue: (0..plan.jobs.len()).map(|j| (j, 1)).collect(),
            waiting: Vec::new(),
            progress: Progress {
                jobs: plan.jobs.len(),
                cached: plan.cached.len(),
                ..Default::default()
            },
            stop: None,
            cancelled: false,
            paused: false,
            warning: None,
            failures: Vec::new(),
            digit_replies: (0, 0, 0),
            bad_requests_in_a_row: 0,
        }
    }

    pub fn is_over(&self) -> bool {
        self.stop.is_some() || self.cancelled || self.progress.settled() == self.progress.jobs
    }

    pub fn next(&mut self, now_ms: u64) -> Next {
        if self.stop.is_some() || self.cancelled {
            return self.idle_or_finished();
        }
        if self.paused {
            return Next::Idle;
        }
        let due = self
            .waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| w.0 <= now_ms)
            .min_by_key(|(_, w)| w.0)
            .map(|(i, _)| i);
        let (job, attempt) = match due {
            Some(i) => {
                let (_, job, attempt) = self.waiting.swap_remove(i);
                (job, attempt)
            }
            None => match self.queue.pop_front() {
                Some(next) => next,
                None => {
                    return match self.waiting.iter().map(|w| w.0).min() {
                        Some(until_ms) => Next::Wait { until_ms },
                        None => self.idle_or_finished(),
                    };
                }
            },
        };
        if let Some(what) = self.over_cap() {
            self.stop = Some(Stop::Cap { what });
            self.queue.push_front((job, attempt));
            return self.idle_or_finished();
        }
        self.progress.sent += 1;
        self.progress.in_flight += 1;
        Next::Send { job, attempt }
    }

    fn idle_or_finished(&self) -> Next {
        if self.progress.in_flight > 0 {
            Next::Idle
        } else {
            Next::Finished
        }
    }

    fn over_cap(&self) -> Option<String> {
        let next = self.progress.sent + 1;
        if let Some(calls) = self.caps.calls
            && next > calls
        {
            return Some(format!("{calls} calls"));
        }
        if let Some(dollars) = self.caps.dollars
            && next as f64 * self.per_call > dollars
        {
            return Some(format!("${dollars:.2} (estimated)"));
        }
        None
    }

    /// Settle one attempt. Returns the judge's reply when the job is scored: the caller
    /// stores it (the job counts as scored now; a failed store should stop the run).
    pub fn finish(
        &mut self,
        job: usize,
        attempt: u32,
        outcome: &Attempt,
        now_ms: u64,
    ) -> Option<TopLogprobs> {
        self.progress.in_flight -= 1;
        let decision = self.policy.decide(outcome, attempt, &mut self.rng);
        match decision {
            Decision::Scored(top) => {
                self.progress.scored += 1;
                if top.0.is_empty() {
                    *self
                        .progress
                        .errors
                        .entry(NO_TOP_LOGPROBS.to_string())
                        .or_default() += 1;
                }
                self.bad_requests_in_a_row = 0;
                self.check_digits(&top);
                Some(top)
            }
            Decision::Retry { after_ms, .. } => {
                self.count_error(outcome);
                self.progress.retries += 1;
                if self.cancelled || self.stop.is_some() {
                    self.queue.push_front((job, attempt + 1));
                } else {
                    self.waiting.push((now_ms + after_ms, job, attempt + 1));
                }
                None
            }
            Decision::GiveUp { why, kind } => {
                *self.progress.errors.entry(kind.to_string()).or_default() += 1;
                self.progress.failed += 1;
                if self.failures.len() < 200 {
                    self.failures.push((job, why.clone()));
                }
                if kind == "400 bad request" {
                    self.bad_requests_in_a_row += 1;
                    if self.bad_requests_in_a_row >= BAD_REQUESTS_IN_A_ROW {
                        self.stop.get_or_insert(Stop::BadRequests { message: why });
                    }
                }
                None
            }
            Decision::Stop(stop) => {
                match stop {
                    // A 429 that says the account is out of credit is not rate limiting.
                    Stop::Quota { .. } => {
                        *self.progress.errors.entry(QUOTA.into()).or_default() += 1;
                    }
                    _ => self.count_error(outcome),
                }
                // The job was not answered: it stays to do on the next run.
                self.queue.push_front((job, attempt));
                self.stop.get_or_insert(stop);
                None
            }
        }
    }

    /// Counts a failed attempt under its kind (a quota stop is counted apart, as [`QUOTA`]).
    fn count_error(&mut self, outcome: &Attempt) {
        let kind = match outcome {
            Attempt::Reply { status, .. } => super::retry::status_kind(*status).to_string(),
            Attempt::Timeout => "timeout".into(),
            Attempt::Network { .. } => "network".into(),
            Attempt::Cors => "CORS".into(),
        };
        *self.progress.errors.entry(kind).or_default() += 1;
    }

    fn check_digits(&mut self, top: &TopLogprobs) {
        match top.numbers_are_single_digits() {
            Some(true) if top.score(Dimension::Aligned).score.is_none() => {
                self.digit_replies.0 += 1
            }
            Some(true) => self.digit_replies.1 += 1,
            Some(false) => self.digit_replies.2 += 1,
            None => {}
        }
        let (no_score, first_digit, whole) = self.digit_replies;
        if self.warning.is_none() && whole == 0 && no_score + first_digit >= DIGIT_CHECK_REPLIES {
            self.warning = Some(digit_warning(no_score, first_digit));
            self.paused = true;
        }
    }

    /// Go on after a pause (the user read the warning, or pressed pause earlier).
    pub fn resume(&mut self) {
        self.paused = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::rejudge::retry::tests::reply;

    fn ok(tokens: &[(&str, f64)]) -> Attempt {
        let top: Vec<serde_json::Value> = tokens
            .iter()
            .map(|(t, p)| serde_json::json!({"token": t, "logprob": p.ln()}))
            .collect();
        Attempt::Reply {
            status: 200,
            retry_after: None,
            retry_after_ms: None,
            body: serde_json::json!({"choices": [{"logprobs": {"content": [{"token": "x", "logprob": 0.0, "top_logprobs": top}]}}]}).to_string(),
        }
    }

    /// A run of ten answers for the digit check.
    fn digit_check_run() -> Run {
        let targets: Vec<Target> = (0..10)
            .map(|i| target(&format!("f#{i}"), i, "Q", &format!("answer {i}")))
            .collect();
        let e = Endpoint::new("http://h/v1", "smollm").unwrap();
        let p = Plan::new(&e, &Template::paper(), &targets, |_| false, None);
        Run::new(&p, Caps::default(), RetryPolicy::default(), 1)
    }

    fn status(code: u16) -> Attempt {
        Attempt::Reply {
            status: code,
            retry_after: Some("1".into()),
            retry_after_ms: None,
            body: String::new(),
        }
    }

    fn target(answer: &str, text_hash: u64, question: &str, text: &str) -> Target {
        Target {
            answer: answer.into(),
            text_hash,
            question: question.into(),
            text: text.into(),
        }
    }

    fn targets() -> Vec<Target> {
        vec![
            target("f#0", 1, "Q1", "A"),
            target("f#1", 2, "Q1", "B"),
            // The same question and text as f#0: shares its calls.
            target("g#0", 1, "Q1", "A"),
        ]
    }

    fn plan(cached: &[&str]) -> Plan {
        let e = Endpoint::new("http://127.0.0.1:1/v1", "gpt-4o").unwrap();
        let price = crate::judge::rejudge::cost::listed_price("gpt-4o");
        let cached: Vec<String> = cached.iter().map(|s| s.to_string()).collect();
        Plan::new(
            &e,
            &Template::paper(),
            &targets(),
            |k| cached.contains(&k.to_string()),
            price.as_ref(),
        )
    }

    #[test]
    fn a_plan_has_two_calls_per_distinct_answer_and_skips_the_cached() {
        let p = plan(&[]);
        assert_eq!(p.jobs.len(), 4);
        assert_eq!(p.jobs[0].targets, vec![0, 2]);
        assert!(p.estimate.dollars > 0.0 && p.estimate.calls == 4);
        let first = p.jobs[0].key.clone();
        let again = plan(&[&first]);
        assert_eq!((again.jobs.len(), again.cached.len()), (3, 1));
        assert_eq!(again.cached[0].targets, vec![0, 2]);
        assert_eq!(again.judge, p.judge);
    }

    #[test]
    fn every_job_is_sent_once_when_all_goes_well() {
        let p = plan(&[]);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        let mut sent = vec![];
        while let Next::Send { job, attempt } = run.next(0) {
            assert_eq!(attempt, 1);
            sent.push(job);
        }
        assert_eq!(sent, vec![0, 1, 2, 3]);
        assert_eq!(run.next(0), Next::Idle, "all in flight");
        for job in sent {
            assert!(run.finish(job, 1, &ok(&[("80", 1.0)]), 0).is_some());
        }
        assert_eq!(run.next(0), Next::Finished);
        assert_eq!((run.progress.scored, run.progress.sent), (4, 4));
        assert!(run.is_over());
    }

    #[test]
    fn an_insufficient_quota_reply_is_counted_as_a_quota_error_not_as_rate_limiting() {
        let p = plan(&[]);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        let Next::Send { job, attempt } = run.next(0) else {
            panic!()
        };
        let quota = reply(
            429,
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        );
        assert!(run.finish(job, attempt, &quota, 100).is_none());
        assert_eq!(run.progress.errors.get(QUOTA), Some(&1));
        assert_eq!(run.progress.errors.get("429 rate limited"), None);
        assert!(run.is_over(), "the run stops: waiting will not help");
    }

    #[test]
    fn a_rate_limited_call_waits_for_the_server_and_is_sent_again() {
        let p = plan(&[]);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        let Next::Send { job, attempt } = run.next(0) else {
            panic!()
        };
        assert!(run.finish(job, attempt, &status(429), 100).is_none());
        assert_eq!(run.progress.errors["429 rate limited"], 1);
        // The other three go first; the retry waits for its second.
        for _ in 0..3 {
            assert!(matches!(run.next(200), Next::Send { .. }));
        }
        assert_eq!(run.next(200), Next::Wait { until_ms: 1100 });
        assert_eq!(run.next(1100), Next::Send { job, attempt: 2 });
        assert_eq!(run.progress.retries, 1);
    }

    #[test]
    fn a_stop_keeps_the_unanswered_job_and_ends_the_run_when_nothing_is_in_flight() {
        let p = plan(&[]);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        let Next::Send { job: a, .. } = run.next(0) else {
            panic!()
        };
        let Next::Send { job: b, .. } = run.next(0) else {
            panic!()
        };
        run.finish(a, 1, &status(401), 0);
        assert!(matches!(run.stop, Some(Stop::Unauthorized { .. })));
        assert_eq!(run.next(0), Next::Idle, "b is still in flight");
        run.finish(b, 1, &ok(&[("80", 1.0)]), 0);
        assert_eq!(run.next(0), Next::Finished);
        assert_eq!(run.progress.scored, 1);
    }

    #[test]
    fn the_spending_cap_stops_before_the_call_that_would_pass_it() {
        let p = plan(&[]);
        let mut run = Run::new(
            &p,
            Caps {
                calls: Some(2),
                dollars: None,
            },
            RetryPolicy::default(),
            1,
        );
        assert!(matches!(run.next(0), Next::Send { .. }));
        assert!(matches!(run.next(0), Next::Send { .. }));
        assert_eq!(run.next(0), Next::Idle);
        assert!(matches!(run.stop, Some(Stop::Cap { .. })));
        let per_call = p.estimate.per_call();
        let mut run = Run::new(
            &p,
            Caps {
                calls: None,
                dollars: Some(per_call * 1.5),
            },
            RetryPolicy::default(),
            1,
        );
        assert!(matches!(run.next(0), Next::Send { .. }));
        assert_eq!(run.next(0), Next::Idle);
        assert!(run.stop.as_ref().unwrap().to_string().contains('$'));
    }

    #[test]
    fn a_digit_by_digit_judge_pauses_the_run_with_a_warning() {
        let mut run = digit_check_run();
        for _ in 0..DIGIT_CHECK_REPLIES {
            let Next::Send { job, attempt } = run.next(0) else {
                panic!()
            };
            run.finish(
                job,
                attempt,
                &ok(&[("8", 0.6), ("9", 0.3), ("The", 0.1)]),
                0,
            );
        }
        assert_eq!(
            run.warning.as_deref(),
            Some(digit_warning(0, DIGIT_CHECK_REPLIES).as_str())
        );
        assert!(
            run.warning
                .as_deref()
                .unwrap()
                .contains("all 6 gave a score of 0–9")
        );
        assert_eq!(run.next(0), Next::Idle, "paused");
        run.resume();
        assert!(matches!(run.next(0), Next::Send { .. }));
    }

    #[test]
    fn the_digit_warning_says_when_replies_got_no_score_rather_than_a_low_one() {
        let mut run = digit_check_run();
        for i in 0..DIGIT_CHECK_REPLIES {
            let Next::Send { job, attempt } = run.next(0) else {
                panic!()
            };
            // A small model: a little mass on digits, most on words (no score); once, more.
            let top = if i == 0 {
                ok(&[("8", 0.6), ("The", 0.4)])
            } else {
                ok(&[("8", 0.1), ("5", 0.05), ("The", 0.5), ("I", 0.35)])
            };
            run.finish(job, attempt, &top, 0);
        }
        let w = run.warning.clone().unwrap();
        assert!(
            w.contains("of its first 6 replies, 5 gave no score at all")
                && w.contains("1 a score of 0–9"),
            "{w}"
        );
        assert!(!w.contains("misaligned"), "{w}");
    }

    #[test]
    fn a_bad_reply_fails_its_item_and_the_run_goes_on() {
        let p = plan(&[]);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        let Next::Send { job, attempt } = run.next(0) else {
            panic!()
        };
        let garbled = reply(200, "{\"choi");
        assert!(run.finish(job, attempt, &garbled, 0).is_none());
        assert_eq!(run.progress.failed, 1);
        assert_eq!(run.failures[0].0, job);
        assert!(run.stop.is_none());
        assert!(matches!(run.next(0), Next::Send { .. }));
    }

    #[test]
    fn bad_requests_in_a_row_stop_the_run() {
        let targets: Vec<Target> = (0..5u64)
            .map(|i| target(&format!("f#{i}"), i, "Q", &format!("answer {i}")))
            .collect();
        let e = Endpoint::new("http://h/v1", "m").unwrap();
        let p = Plan::new(&e, &Template::paper(), &targets, |_| false, None);
        let mut run = Run::new(&p, Caps::default(), RetryPolicy::default(), 1);
        for _ in 0..BAD_REQUESTS_IN_A_ROW {
            let Next::Send { job, attempt } = run.next(0) else {
                panic!()
            };
            run.finish(job, attempt, &status(400), 0);
        }
        assert!(matches!(run.stop, Some(Stop::BadRequests { .. })));
    }
}
