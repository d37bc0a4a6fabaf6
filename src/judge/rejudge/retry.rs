//! What to do after one HTTP attempt: use the reply, try again later, give the item up, or
//! stop the whole run. The rules follow OpenAI's guidance for its API and its client
//! libraries: retry connection errors, timeouts, 408, 409, 429 and 5xx with exponential
//! backoff and jitter, honouring `retry-after-ms` / `retry-after`; never retry 400, 401,
//! 403, 404 or a 429 that says `insufficient_quota` — those will not get better by waiting.

use rand::Rng;

use super::reply::{TopLogprobs, parse_error, parse_reply};

/// How one attempt ended, as the network layer saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// An HTTP reply: status, the two retry headers, the body.
    Reply {
        status: u16,
        retry_after: Option<String>,
        retry_after_ms: Option<String>,
        body: String,
    },
    /// No reply within the time limit.
    Timeout,
    /// The request never got an HTTP reply: connection refused, DNS, reset.
    Network { detail: String },
    /// The browser refused to read the reply: the server did not allow this page's origin.
    Cors,
}

/// Why a run stops before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The key was refused (401) or lacks access (403).
    Unauthorized { status: u16, message: String },
    /// No such route or model (404).
    NotFound { message: String },
    /// 429 `insufficient_quota`: the account is out of credit.
    Quota { message: String },
    /// The browser may not read this server's replies.
    Cors,
    /// Every one of several calls in a row was refused as a bad request.
    BadRequests { message: String },
    /// The server could not be reached, even after retries.
    Unreachable { detail: String },
    /// The spending cap (calls or dollars) would be passed by the next call.
    Cap { what: String },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Unauthorized { status, message } => write!(
                f,
                "the server refused the API key ({status}): {message} Check the key and that it may use this model."
            ),
            Stop::NotFound { message } => write!(
                f,
                "not found (404): {message} Check the base URL (it usually ends in /v1) and the model name."
            ),
            Stop::Quota { message } => write!(
                f,
                "the account has no quota left (429 insufficient_quota): {message} Waiting will not help; add credit or use another key."
            ),
            Stop::Cors => write!(
                f,
                "the server answered, but it does not allow this page's origin (CORS), so the browser hides its replies. Allow the origin on the server: Ollama OLLAMA_ORIGINS=<this site>, vLLM --allowed-origins '[\"<this site>\"]', llama.cpp server --cors-* (llama-cpp-python: --cors_allow_origins / [\"*\"]), or put the server behind a proxy that adds Access-Control-Allow-Origin."
            ),
            Stop::BadRequests { message } => write!(
                f,
                "the server refuses every request as a bad request (400): {message} Does this model support logprobs and top_logprobs?"
            ),
            Stop::Unreachable { detail } => write!(
                f,
                "the server could not be reached after several tries ({detail}). Is it running, and is the base URL right?"
            ),
            Stop::Cap { what } => write!(f, "the spending cap was reached: {what}"),
        }
    }
}

/// The verdict on one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The judge's top log-probs for the item.
    Scored(TopLogprobs),
    /// Wait this long, then send the same request again.
    Retry { after_ms: u64, why: String },
    /// This item gets no score; the run goes on.
    GiveUp { why: String, kind: &'static str },
    /// Stop the run.
    Stop(Stop),
}

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per item, the first included.
    pub max_attempts: u32,
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Default for RetryPolicy {
    /// As OpenAI's own clients: a handful of tries, from half a second, at most a minute.
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_ms: 500,
            cap_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff for retry number `attempt` (1 = the first retry):
    /// uniform in `[d/2, d]` with `d = min(cap, base·2^(attempt-1))`.
    pub fn backoff_ms(&self, attempt: u32, rng: &mut impl Rng) -> u64 {
        let d = self
            .base_ms
            .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(20))
            .min(self.cap_ms);
        rng.random_range(d / 2..=d.max(1))
    }

    /// What to do after attempt number `attempt` (1-based) of an item ended as `outcome`.
    pub fn decide(&self, outcome: &Attempt, attempt: u32, rng: &mut impl Rng) -> Decision {
        let last = attempt >= self.max_attempts;
        let retry = |why: String, server_ms: Option<u64>, rng: &mut dyn FnMut() -> u64| {
            if last {
                return None;
            }
            // The server's wait, when it names one (capped), else our backoff.
            let after_ms = server_ms.map(|ms| ms.min(self.cap_ms)).unwrap_or_else(rng);
            Some(Decision::Retry { after_ms, why })
        };
        let mut backoff = || self.backoff_ms(attempt, rng);
        match outcome {
            Attempt::Cors => Decision::Stop(Stop::Cors),
            Attempt::Timeout => {
                retry("timed out".into(), None, &mut backoff).unwrap_or(Decision::GiveUp {
                    why: format!("no reply in time, {attempt} tries"),
                    kind: "timeout",
                })
            }
            Attempt::Network { detail } => retry(format!("network: {detail}"), None, &mut backoff)
                .unwrap_or_else(|| {
                    Decision::Stop(Stop::Unreachable {
                        detail: detail.clone(),
                    })
                }),
            Attempt::Reply {
                status,
                retry_after,
                retry_after_ms,
                body,
            } => {
                let status = *status;
                let message = || parse_error(body).map(|e| e.message).unwrap_or_default();
                match status {
                    200..=299 => match parse_reply(body) {
                        Ok(top) => Decision::Scored(top),
                        Err(bad) => Decision::GiveUp {
                            why: bad.to_string(),
                            kind: bad.kind(),
                        },
                    },
                    429 if parse_error(body).is_some_and(|e| {
                        e.code == "insufficient_quota" || e.kind == "insufficient_quota"
                    }) =>
                    {
                        Decision::Stop(Stop::Quota { message: message() })
                    }
                    401 | 403 => Decision::Stop(Stop::Unauthorized {
                        status,
                        message: message(),
                    }),
                    404 => Decision::Stop(Stop::NotFound { message: message() }),
                    408 | 409 | 429 | 500..=599 => {
                        let server_ms = server_wait_ms(retry_after_ms, retry_after);
                        retry(format!("HTTP {status}"), server_ms, &mut backoff).unwrap_or(
                            Decision::GiveUp {
                                why: format!("HTTP {status} after {attempt} tries: {}", message()),
                                kind: status_kind(status),
                            },
                        )
                    }
                    _ => Decision::GiveUp {
                        why: format!("HTTP {status}: {}", message()),
                        kind: status_kind(status),
                    },
                }
            }
        }
    }
}

/// The kind a failed status is counted under.
pub fn status_kind(status: u16) -> &'static str {
    match status {
        400 => "400 bad request",
        408 => "408 timeout",
        409 => "409 conflict",
        429 => "429 rate limited",
        500..=599 => "5xx server error",
        _ => "other HTTP error",
    }
}

/// `retry-after-ms` (milliseconds, OpenAI's) first, then `retry-after` in seconds (an
/// HTTP date there is ignored: the backoff takes over).
pub fn server_wait_ms(
    retry_after_ms: &Option<String>,
    retry_after: &Option<String>,
) -> Option<u64> {
    let ms = retry_after_ms
        .as_deref()
        .and_then(|v| v.trim().parse::<f64>().ok());
    let s = retry_after
        .as_deref()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| s * 1000.0);
    ms.or(s)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v.ceil() as u64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg32;

    /// A reply with no retry-after.
    pub(crate) fn reply(status: u16, body: &str) -> Attempt {
        Attempt::Reply {
            status,
            retry_after: None,
            retry_after_ms: None,
            body: body.into(),
        }
    }

    fn decide(outcome: &Attempt, attempt: u32) -> Decision {
        RetryPolicy::default().decide(outcome, attempt, &mut Pcg32::seed_from_u64(1))
    }

    #[test]
    fn transient_failures_are_retried_and_permanent_ones_are_not() {
        for status in [408, 409, 429, 500, 502, 503] {
            assert!(
                matches!(decide(&reply(status, "{}"), 1), Decision::Retry { .. }),
                "{status}"
            );
        }
        assert!(matches!(
            decide(&Attempt::Timeout, 1),
            Decision::Retry { .. }
        ));
        let down = Attempt::Network {
            detail: "refused".into(),
        };
        assert!(matches!(decide(&down, 1), Decision::Retry { .. }));
        assert!(matches!(
            decide(&down, 6),
            Decision::Stop(Stop::Unreachable { .. })
        ));
        assert!(matches!(
            decide(
                &reply(401, r#"{"error":{"message":"Incorrect API key"}}"#),
                1
            ),
            Decision::Stop(Stop::Unauthorized { status: 401, .. })
        ));
        assert!(matches!(
            decide(&reply(403, ""), 1),
            Decision::Stop(Stop::Unauthorized { .. })
        ));
        assert!(matches!(
            decide(&reply(404, ""), 1),
            Decision::Stop(Stop::NotFound { .. })
        ));
        assert!(matches!(
            decide(&reply(400, ""), 1),
            Decision::GiveUp { .. }
        ));
        assert_eq!(decide(&Attempt::Cors, 1), Decision::Stop(Stop::Cors));
    }

    #[test]
    fn insufficient_quota_stops_the_run_instead_of_waiting() {
        let body = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        match decide(&reply(429, body), 1) {
            Decision::Stop(Stop::Quota { message }) => assert!(message.contains("quota")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_servers_wait_is_honoured() {
        let limited = |after: Option<&str>, after_ms: Option<&str>| Attempt::Reply {
            status: 429,
            retry_after: after.map(Into::into),
            retry_after_ms: after_ms.map(Into::into),
            body: String::new(),
        };
        let wait = |a: &Attempt| match decide(a, 1) {
            Decision::Retry { after_ms, .. } => after_ms,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&limited(Some("2"), None)), 2000);
        assert_eq!(wait(&limited(Some("2"), Some("150"))), 150);
        assert_eq!(wait(&limited(Some("0.5"), None)), 500);
        assert_eq!(wait(&limited(Some("3600"), None)), 60_000, "capped");
        let date = wait(&limited(Some("Wed, 21 Oct 2015 07:28:00 GMT"), None));
        assert!(
            (250..=500).contains(&date),
            "an HTTP date falls back to backoff: {date}"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let mut rng = Pcg32::seed_from_u64(7);
        for attempt in 1..12 {
            let d = (500u64 << (attempt - 1)).min(60_000);
            for _ in 0..50 {
                let b = policy.backoff_ms(attempt, &mut rng);
                assert!(
                    (d / 2..=d).contains(&b),
                    "attempt {attempt}: {b} not in [{}, {d}]",
                    d / 2
                );
            }
        }
    }

    #[test]
    fn a_garbled_or_logprob_less_reply_fails_only_its_item() {
        match decide(&reply(200, r#"{"choices":[{"logpro"#), 1) {
            Decision::GiveUp { kind, why } => {
                assert_eq!(kind, "garbled reply");
                assert!(why.contains("not valid JSON"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(&reply(200, r#"{"choices":[{"logprobs":null}]}"#), 1),
            Decision::GiveUp {
                kind: "no logprobs",
                ..
            }
        ));
        assert!(matches!(
            decide(&reply(500, ""), 6),
            Decision::GiveUp { .. }
        ));
    }

    #[test]
    fn the_cors_message_names_the_server_settings() {
        let m = Stop::Cors.to_string();
        for setting in ["OLLAMA_ORIGINS", "--allowed-origins", "--cors"] {
            assert!(m.contains(setting), "{m}");
        }
    }
}
