//! How the app counts things in words: one helper that every layer (labels' notices, the
//! pages) shares, so no layer needs to import a higher one for a plural.

/// `1 answer`, `2 answers`, `0 answers` (nouns that take an `s`).
pub fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
