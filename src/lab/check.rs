//! "Can this browser run the lab?": the sequence of worker requests behind the About page's
//! check, and how each reply reads to a person. Plain Rust so it is tested natively.

use super::protocol::{Backend, FromWorker, ToWorker};

/// Training steps per backend: enough for the loss to fall clearly, few enough that the
/// slowest path (SwiftShader WebGPU, shader compilation dominated) stays within seconds.
pub const CHECK_STEPS: usize = 20;

/// The check tries every backend in this order, CPU first because it always exists.
pub const CHECK_ORDER: [Backend; 2] = [Backend::Flex, Backend::WebGpu];

/// Training works when the loss fell by a clear margin, not by noise. Shared by the smoke
/// run's own report (src/lab/smoke.rs) and the check's description of a worker reply.
pub fn loss_fell(first_loss: f32, last_loss: f32) -> bool {
    last_loss.is_finite() && last_loss < first_loss * 0.8
}

/// What to ask the worker next, given its last message; `None` when the check is over.
pub fn next_request(last: &FromWorker) -> Option<ToWorker> {
    let next_backend = match last {
        FromWorker::Ready => Some(CHECK_ORDER[0]),
        FromWorker::SmokeDone { backend, .. }
        | FromWorker::Failed {
            backend: Some(backend),
            ..
        } => {
            let done = CHECK_ORDER.iter().position(|b| b == backend)?;
            CHECK_ORDER.get(done + 1).copied()
        }
        // Failures without a backend, and the lab's own messages, end the check.
        _ => None,
    }?;
    Some(ToWorker::SmokeTest {
        backend: next_backend,
        steps: CHECK_STEPS,
    })
}

/// One line of the check's result list.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckLine {
    pub label: String,
    pub ok: bool,
    pub detail: String,
    /// Wall time of the run, when it finished (read by the benchmarks).
    pub millis: Option<f64>,
}

/// How a worker reply reads to a person; `None` for messages that are not results.
pub fn describe(message: &FromWorker) -> Option<CheckLine> {
    match message {
        FromWorker::SmokeDone {
            backend,
            steps,
            first_loss,
            last_loss,
            millis,
        } => {
            let fell = loss_fell(*first_loss, *last_loss);
            Some(CheckLine {
                label: backend.label().to_string(),
                ok: fell,
                detail: format!(
                    "{steps} training steps in {:.1} s; loss {first_loss:.3} → {last_loss:.3}{}",
                    millis / 1000.0,
                    if fell {
                        ""
                    } else {
                        " (did not fall: training is not working here)"
                    }
                ),
                millis: Some(*millis),
            })
        }
        FromWorker::Failed { backend, message } => Some(CheckLine {
            label: backend.map_or("Lab worker", Backend::label).to_string(),
            ok: false,
            detail: message.clone(),
            millis: None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(backend: Backend) -> FromWorker {
        FromWorker::SmokeDone {
            backend,
            steps: CHECK_STEPS,
            first_loss: 2.8,
            last_loss: 0.5,
            millis: 1500.0,
        }
    }

    #[test]
    fn check_runs_cpu_then_webgpu_then_stops() {
        assert_eq!(
            next_request(&FromWorker::Ready),
            Some(ToWorker::SmokeTest {
                backend: Backend::Flex,
                steps: CHECK_STEPS
            })
        );
        assert_eq!(
            next_request(&done(Backend::Flex)),
            Some(ToWorker::SmokeTest {
                backend: Backend::WebGpu,
                steps: CHECK_STEPS
            })
        );
        assert_eq!(next_request(&done(Backend::WebGpu)), None);
    }

    #[test]
    fn a_failed_backend_does_not_stop_the_next_one() {
        let failed = FromWorker::Failed {
            backend: Some(Backend::Flex),
            message: "boom".into(),
        };
        assert!(matches!(
            next_request(&failed),
            Some(ToWorker::SmokeTest {
                backend: Backend::WebGpu,
                ..
            })
        ));
        let broken = FromWorker::Failed {
            backend: None,
            message: "bad message".into(),
        };
        assert_eq!(next_request(&broken), None);
    }

    #[test]
    fn descriptions_say_whether_the_loss_fell() {
        let line = describe(&done(Backend::WebGpu)).unwrap();
        assert!(line.ok);
        assert_eq!(line.label, "WebGPU");
        assert!(line.detail.contains("1.5 s"), "{}", line.detail);
        let flat = FromWorker::SmokeDone {
            backend: Backend::Flex,
            steps: 5,
            first_loss: 2.0,
            last_loss: 1.9,
            millis: 1.0,
        };
        assert!(!describe(&flat).unwrap().ok);
        assert_eq!(describe(&FromWorker::Ready), None);
    }
}
