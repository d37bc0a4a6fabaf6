//! Untrusted text bound for a spreadsheet: every CSV export (the Replay charts', the labels')
//! writes its text cells through [`safe`], so an answer or a note that starts like a formula
//! is shown as text, never run.

/// Text cells that a spreadsheet would run as a formula get a leading apostrophe.
pub fn safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_starts_get_an_apostrophe_and_other_text_is_kept() {
        assert_eq!(super::safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::safe("a = b"), "a = b");
    }
}
