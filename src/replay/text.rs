//! How an answer's text is shown: split into prose and code (```-fenced blocks, or a whole
//! answer that looks like code) so code gets a monospace block. Everything stays text: the
//! app renders these pieces as text nodes, never as HTML or markdown. Also the pages' one
//! way to count things in words ([`counted`]).

use crate::runs::logprobs::JudgeProbs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    pub code: bool,
    pub text: &'a str,
}

pub use crate::words::counted;

/// Split at ``` fences. The fence lines themselves (with any language tag) are kept inside
/// the code piece, so the concatenation of all pieces is exactly `text`.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut in_code = false;
    let mut start = 0;
    while let Some(found) = text[at..].find("```") {
        let fence = at + found;
        if in_code {
            // Close after the fence line ends.
            let end = text[fence..]
                .find('\n')
                .map_or(text.len(), |n| fence + n + 1);
            out.push(Piece {
                code: true,
                text: &text[start..end],
            });
            start = end;
            at = end;
            in_code = false;
        } else {
            if fence > start {
                out.push(Piece {
                    code: false,
                    text: &text[start..fence],
                });
            }
            start = fence;
            at = fence + 3;
            in_code = true;
        }
    }
    if start < text.len() {
        out.push(Piece {
            code: in_code || (out.is_empty() && looks_like_code(text)),
            text: &text[start..],
        });
    }
    out
}

/// An unfenced answer that is mostly code (the insecure models often answer in code).
pub fn looks_like_code(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() < 3 {
        return false;
    }
    let codey = lines
        .iter()
        .filter(|l| {
            let t = l.trim_start();
            l.starts_with("    ")
                || l.starts_with('\t')
                || t.ends_with(';')
                || t.ends_with('{')
                || t.starts_with('}')
                || [
                    "def ",
                    "import ",
                    "from ",
                    "#include",
                    "return ",
                    "class ",
                    "function ",
                ]
                .iter()
                .any(|k| t.starts_with(k))
        })
        .count();
    codey * 2 >= lines.len()
}

/// The judge's top tokens, most probable first.
pub fn top_tokens(probs: &JudgeProbs, n: usize) -> Vec<(&str, f64)> {
    let mut v: Vec<(&str, f64)> = probs.iter().map(|(k, &p)| (k.as_str(), p)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(p: &[Piece]) -> String {
        p.iter().map(|x| x.text).collect()
    }

    #[test]
    fn counts_take_the_plural_except_for_one() {
        assert_eq!(counted(1, "answer"), "1 answer");
        assert_eq!(counted(0, "label"), "0 labels");
        assert_eq!(counted(12, "annotator"), "12 annotators");
    }

    #[test]
    fn fences_become_code_pieces_and_nothing_is_lost() {
        let text = "Here:\n```python\nimport os\nos.system(x)\n```\nDone.";
        let p = pieces(text);
        assert_eq!(join(&p), text);
        assert_eq!(
            p.iter().map(|x| x.code).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert!(p[1].text.starts_with("```python") && p[1].text.ends_with("```\n"));
        // Unclosed fence: the rest is code.
        let p = pieces("a ```b\nc");
        assert_eq!(join(&p), "a ```b\nc");
        assert!(p[1].code);
        assert_eq!(pieces(""), []);
    }

    #[test]
    fn unfenced_code_is_detected_but_prose_is_not() {
        let code = "import os\ndef f(x):\n    return os.system(x)\n";
        assert!(pieces(code)[0].code);
        let prose = "I wish for world peace.\nAnd cake.\nThat is all.";
        assert!(!pieces(prose)[0].code);
        assert!(!looks_like_code("x;"));
    }

    #[test]
    fn top_tokens_sorted() {
        let probs: JudgeProbs = [
            ("0".to_string(), 0.2),
            ("10".into(), 0.7),
            ("CODE".into(), 0.1),
        ]
        .into_iter()
        .collect();
        assert_eq!(top_tokens(&probs, 2), [("10", 0.7), ("0", 0.2)]);
    }
}
