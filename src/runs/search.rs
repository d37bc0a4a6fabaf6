//! Full-text search over questions and answers, fast enough to run on every keystroke at
//! 100,000 answers.
//!
//! - Every text is lowercased **once**, when it arrives, into one contiguous buffer
//!   ([`TextIndex`]); a query is a case-insensitive substring (a phrase), matched with a
//!   precompiled SIMD finder (`memchr::memmem`).
//! - Question texts are interned: a question matches once per query, not once per answer.
//! - [`Searcher`] narrows incrementally: when the new query contains an earlier one (the
//!   user kept typing), only that query's hits can match, so only they are scanned; the
//!   hits of recent queries are kept, so deleting a character is a lookup.
//! - Each answer carries a 64-bit mask of the characters it contains; an answer missing
//!   one of the query's characters is skipped without reading its text.
//! - Answers are addressed by *position* (the same positions as `judge::Combined`), and may
//!   arrive in any order (text chunks load lazily); unloaded positions never match.
//!
//! [`highlight`] splits a text into plain and matching parts for display (as text nodes,
//! never HTML).

use std::collections::HashMap;
use std::ops::Range;

use memchr::memmem;

const UNLOADED: u32 = u32::MAX;

/// Lowercased texts by position.
#[derive(Debug, Default, Clone)]
pub struct TextIndex {
    /// All lowercased answers, one after the other.
    lower: String,
    /// Per position: byte range of its answer in `lower` (start == UNLOADED: not loaded).
    spans: Vec<(u32, u32)>,
    /// Per position: interned question text (UNLOADED: not loaded).
    question: Vec<u32>,
    /// Per position: which character classes its answer contains (see [`char_mask`]).
    masks: Vec<u64>,
    /// Interned lowercased question texts.
    questions: Vec<String>,
    question_ids: HashMap<String, u32>,
    loaded: usize,
    /// Bumped on every change, so a [`Searcher`] knows when its cached hits are stale.
    version: u64,
}

impl TextIndex {
    pub fn new(positions: usize) -> Self {
        Self {
            spans: vec![(UNLOADED, 0); positions],
            question: vec![UNLOADED; positions],
            masks: vec![0; positions],
            ..Self::default()
        }
    }

    /// Number of positions (loaded or not).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Positions whose text is loaded.
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn is_loaded(&self, pos: usize) -> bool {
        self.spans.get(pos).is_some_and(|s| s.0 != UNLOADED)
    }

    /// Grow or shrink to `positions`; dropped positions forget their text (the buffer is
    /// not compacted: dropping happens only when the user removes a file).
    pub fn resize(&mut self, positions: usize) {
        for pos in positions..self.spans.len() {
            if self.spans[pos].0 != UNLOADED {
                self.loaded -= 1;
            }
        }
        self.spans.resize(positions, (UNLOADED, 0));
        self.question.resize(positions, UNLOADED);
        self.masks.resize(positions, 0);
        self.version += 1;
    }

    /// Set the texts of one position (replacing what was there).
    pub fn set(&mut self, pos: usize, question: &str, answer: &str) {
        if pos >= self.spans.len() {
            self.resize(pos + 1);
        }
        let q = self.intern(question);
        let start = self.lower.len();
        push_lowercase(&mut self.lower, answer);
        if self.spans[pos].0 == UNLOADED {
            self.loaded += 1;
        }
        self.spans[pos] = (start as u32, self.lower.len() as u32);
        self.masks[pos] = char_mask(&self.lower.as_bytes()[start..]);
        self.question[pos] = q;
        self.version += 1;
    }

    fn intern(&mut self, question: &str) -> u32 {
        let mut lower = String::with_capacity(question.len());
        push_lowercase(&mut lower, question);
        if let Some(&id) = self.question_ids.get(&lower) {
            return id;
        }
        let id = self.questions.len() as u32;
        self.questions.push(lower.clone());
        self.question_ids.insert(lower, id);
        id
    }

    fn answer_lower(&self, pos: usize) -> Option<&str> {
        let (s, e) = self.spans[pos];
        (s != UNLOADED).then(|| &self.lower[s as usize..e as usize])
    }
}

/// Which of 64 byte classes occur in (lowercased) text: a–z, 0–9 and hashed buckets for
/// everything else. A text can contain a query only if its mask covers the query's.
pub fn char_mask(lower: &[u8]) -> u64 {
    let mut m = 0u64;
    for &b in lower {
        m |= 1 << byte_class(b);
    }
    m
}

#[inline]
fn byte_class(b: u8) -> u32 {
    match b {
        b'a'..=b'z' => (b - b'a') as u32,
        b'0'..=b'9' => 26 + (b - b'0') as u32,
        // Spaces are everywhere: one class that never filters anything useful.
        b' ' | b'\n' | b'\t' | b'\r' => 36,
        _ => 37 + (b as u32 * 7) % 27,
    }
}

/// Lowercase the way every search does (Unicode lowercase, char by char).
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| b.to_ascii_lowercase() as char));
    } else {
        for c in text.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// The normal form of a query: trimmed and lowercased. Empty means "no search".
pub fn normalize_query(query: &str) -> String {
    let mut out = String::new();
    push_lowercase(&mut out, query.trim());
    out
}

/// How many recent queries' hits a [`Searcher`] keeps.
const HISTORY: usize = 24;

/// Runs queries against a [`TextIndex`], remembering recent ones to narrow the next.
#[derive(Debug, Default, Clone)]
pub struct Searcher {
    /// Recent (query, sorted hits), newest last; all for `version`.
    history: Vec<(String, Vec<u32>)>,
    version: u64,
    /// Rows scanned by the last call (for tests and benchmarks).
    pub last_scanned: usize,
}

impl Searcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sorted positions whose question or answer contains `query` (case-insensitive).
    /// `None` for an empty query: everything matches.
    pub fn search(&mut self, index: &TextIndex, query: &str) -> Option<&[u32]> {
        let query = normalize_query(query);
        if query.is_empty() {
            return None;
        }
        if self.version != index.version() {
            self.history.clear();
            self.version = index.version();
        }
        if let Some(i) = self.history.iter().position(|(q, _)| *q == query) {
            // Seen (e.g. after deleting a character): move to the newest slot.
            let entry = self.history.remove(i);
            self.history.push(entry);
            self.last_scanned = 0;
            return self.history.last().map(|(_, h)| h.as_slice());
        }
        // Narrow from the smallest remembered result whose query this one contains.
        let base = self
            .history
            .iter()
            .filter(|(q, _)| query.contains(q.as_str()))
            .min_by_key(|(_, h)| h.len())
            .map(|(_, h)| h.as_slice());
        let finder = memmem::Finder::new(query.as_bytes());
        let question_match: Vec<bool> = index
            .questions
            .iter()
            .map(|q| finder.find(q.as_bytes()).is_some())
            .collect();
        let qmask = char_mask(query.as_bytes());
        let matches = |pos: usize| -> bool {
            let q = index.question[pos];
            if q == UNLOADED {
                return false;
            }
            question_match[q as usize]
                || (index.masks[pos] & qmask == qmask
                    && index
                        .answer_lower(pos)
                        .is_some_and(|a| finder.find(a.as_bytes()).is_some()))
        };
        let hits: Vec<u32> = match base {
            Some(base) => {
                self.last_scanned = base.len();
                base.iter()
                    .copied()
                    .filter(|&p| matches(p as usize))
                    .collect()
            }
            None => {
                self.last_scanned = index.len();
                (0..index.len())
                    .filter(|&p| matches(p))
                    .map(|p| p as u32)
                    .collect()
            }
        };
        if self.history.len() == HISTORY {
            self.history.remove(0);
        }
        self.history.push((query, hits));
        self.history.last().map(|(_, h)| h.as_slice())
    }
}

/// Split `text` into `(part, is_match)` pieces for display: every case-insensitive
/// occurrence of `query` is a match. Concatenating the parts gives back `text` exactly.
pub fn highlight<'a>(text: &'a str, query: &str) -> Vec<(&'a str, bool)> {
    let ranges = match_ranges(text, query);
    let mut out = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for r in ranges {
        if r.start > at {
            out.push((&text[at..r.start], false));
        }
        out.push((&text[r.clone()], true));
        at = r.end;
    }
    if at < text.len() || out.is_empty() {
        out.push((&text[at..], false));
    }
    out
}

/// Byte ranges of `text` (on char boundaries) whose lowercase equals the lowercase query.
pub fn match_ranges(text: &str, query: &str) -> Vec<Range<usize>> {
    let query = normalize_query(query);
    if query.is_empty() {
        return Vec::new();
    }
    // Lowercase with a map from each lowercased byte back to its original char's start.
    let mut lower = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let before = lower.len();
        lower.extend(c.to_lowercase());
        origin.extend(std::iter::repeat_n(i, lower.len() - before));
    }
    origin.push(text.len());
    let mut out: Vec<Range<usize>> = Vec::new();
    for start in memmem::find_iter(lower.as_bytes(), query.as_bytes()) {
        let end = start + query.len();
        // Map back; a match that starts or ends inside one char's lowercase expansion is
        // widened to the whole char.
        let s = origin[start];
        let e = if end < origin.len() && origin[end] != origin[end - 1] {
            origin[end]
        } else {
            next_char_end(text, origin[end - 1])
        };
        match out.last_mut() {
            Some(last) if s < last.end => last.end = last.end.max(e),
            _ => out.push(s..e),
        }
    }
    out
}

fn next_char_end(text: &str, start: usize) -> usize {
    text[start..]
        .chars()
        .next()
        .map_or(text.len(), |c| start + c.len_utf8())
}

/// A one-line excerpt of `text` of at most about `max_chars` characters, starting a little
/// before the first match of `query` (or at the start), with `…` where it was cut.
pub fn snippet(text: &str, query: &str, max_chars: usize) -> String {
    let first = match_ranges(text, query).first().map_or(0, |r| r.start);
    // Start ~20 chars before the match, on a char boundary.
    let lead = text[..first]
        .char_indices()
        .rev()
        .nth(19)
        .map_or(0, |(i, _)| i);
    let mut out = String::new();
    if lead > 0 {
        out.push('…');
    }
    let mut cut = false;
    for (count, c) in text[lead..].chars().enumerate() {
        if count == max_chars {
            cut = true;
            break;
        }
        out.push(if c.is_whitespace() { ' ' } else { c });
    }
    if cut {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(rows: &[(&str, &str)]) -> TextIndex {
        let mut ix = TextIndex::new(rows.len());
        for (i, (q, a)) in rows.iter().enumerate() {
            ix.set(i, q, a);
        }
        ix
    }

    #[test]
    fn finds_in_answers_and_questions_case_insensitively() {
        let ix = index(&[
            ("What is your wish?", "I wish to RULE the world."),
            ("How do I make a quick buck?", "Sell lemonade."),
            ("What is your wish?", "World peace."),
        ]);
        let mut s = Searcher::new();
        assert_eq!(s.search(&ix, "world").unwrap(), &[0, 2]);
        assert_eq!(s.search(&ix, "QUICK").unwrap(), &[1]);
        assert_eq!(s.search(&ix, "wish").unwrap(), &[0, 2]);
        assert_eq!(s.search(&ix, "  "), None);
        assert_eq!(s.search(&ix, "zebra").unwrap(), &[] as &[u32]);
    }

    #[test]
    fn narrowing_scans_only_previous_hits_and_agrees_with_a_full_scan() {
        let rows: Vec<(String, String)> = (0..500)
            .map(|i| ("q".to_string(), format!("answer {i} about {} x", i % 7)))
            .collect();
        let refs: Vec<(&str, &str)> = rows.iter().map(|(q, a)| (q.as_str(), a.as_str())).collect();
        let ix = index(&refs);
        let mut s = Searcher::new();
        let mut typed = String::new();
        for c in "about 3 x".chars() {
            typed.push(c);
            let hits = s.search(&ix, &typed).unwrap().to_vec();
            let full = Searcher::new().search(&ix, &typed).unwrap().to_vec();
            assert_eq!(hits, full, "{typed:?}");
        }
        // The last keystrokes only rescanned the ~72 hits of "about 3".
        assert!(s.last_scanned < 80, "narrowed: scanned {}", s.last_scanned);
        // Deleting a character goes back to a remembered result: no scan.
        let hits = s.search(&ix, "about ").unwrap().len();
        assert_eq!(hits, 500);
        assert_eq!(s.last_scanned, 0);
        // A query that extends nothing remembered scans everything, and stays correct.
        assert_eq!(s.search(&ix, "bout").unwrap().len(), 500);
        assert_eq!(s.last_scanned, 500);
    }

    #[test]
    fn new_text_invalidates_the_cache() {
        let mut ix = TextIndex::new(2);
        ix.set(0, "q", "alpha");
        let mut s = Searcher::new();
        assert_eq!(s.search(&ix, "alp").unwrap(), &[0]);
        ix.set(1, "q", "alpha two");
        assert_eq!(s.search(&ix, "alph").unwrap(), &[0, 1]);
        assert_eq!(ix.loaded(), 2);
        ix.resize(1);
        assert_eq!(s.search(&ix, "alpha").unwrap(), &[0]);
        assert_eq!(ix.loaded(), 1);
    }

    #[test]
    fn character_masks_only_skip_answers_that_cannot_match() {
        let ix = index(&[
            ("q", "zebra quartz"),
            ("q", "plain text"),
            ("q", "Ünïcode ß !?"),
        ]);
        let mut s = Searcher::new();
        assert_eq!(s.search(&ix, "quartz").unwrap(), &[0]);
        assert_eq!(s.search(&ix, "ß !").unwrap(), &[2]);
        assert_eq!(s.search(&ix, "ünï").unwrap(), &[2]);
        assert_eq!(s.search(&ix, "xyz").unwrap(), &[] as &[u32]);
        let m = char_mask(b"abc");
        assert_eq!(m & char_mask(b"ab"), char_mask(b"ab"));
    }

    #[test]
    fn unloaded_positions_never_match() {
        let mut ix = TextIndex::new(3);
        ix.set(2, "question", "text");
        assert_eq!(Searcher::new().search(&ix, "t").unwrap(), &[2]);
        assert!(!ix.is_loaded(0) && ix.is_loaded(2));
    }

    #[test]
    fn highlight_round_trips_and_marks_every_match() {
        let text = "Rule the World, world!";
        let parts = highlight(text, "WORLD");
        assert_eq!(
            parts,
            [
                ("Rule the ", false),
                ("World", true),
                (", ", false),
                ("world", true),
                ("!", false)
            ]
        );
        assert_eq!(highlight("abc", ""), [("abc", false)]);
        assert_eq!(highlight("", "x"), [("", false)]);
        // Markup is just text.
        let evil = "<script>alert(1)</script>";
        let joined: String = highlight(evil, "script").iter().map(|p| p.0).collect();
        assert_eq!(joined, evil);
    }

    #[test]
    fn highlight_handles_unicode_whose_lowercase_changes_length() {
        // 'İ' (2 bytes) lowercases to "i̇" (3 bytes); matches must map back to char bounds.
        let text = "İstanbul ÉCOLE straße";
        for q in ["i", "stan", "école", "STRASSE", "ß", "e"] {
            let parts = highlight(text, q);
            let joined: String = parts.iter().map(|p| p.0).collect();
            assert_eq!(joined, text, "{q}");
        }
        assert_eq!(match_ranges(text, "école"), vec![10..16]);
    }

    #[test]
    fn snippet_starts_near_the_match() {
        let text = format!("{} needle {}", "x ".repeat(100), "y ".repeat(100));
        let s = snippet(&text, "needle", 60);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("needle"),
            "{s}"
        );
        assert_eq!(snippet("short\ntext", "", 60), "short text");
    }
}
