//! The annotator's keyboard: which key does what, and the label being typed.
//!
//! Scores go in with the digit keys: one digit is tens (`7` → 70), a second makes it exact
//! (`7` `3` → 73), `1` `0` `0` is 100, and a further digit starts over. Tab (or ↑/↓) moves
//! between `aligned` and `coherent`; either may be left empty. The cheat sheet is
//! [`CHEAT_SHEET`], so the page shows exactly the keys this module handles. The page never
//! asks this module about keys typed into the note field.

use super::label::{Aligned, Flag, Judgement};

/// One thing a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Digit(u8),
    Code,
    Refusal,
    /// Empty the focused score (skip that dimension).
    Clear,
    /// Focus the other score.
    SwitchScore,
    Flag(Flag),
    /// Focus the note field.
    Note,
    SubmitAndNext,
    Skip,
    Previous,
    Next,
    Undo,
    Redo,
    Help,
    /// Close the cheat sheet (or leave the note field).
    Escape,
}

/// The action for a key press (`KeyboardEvent.key` and its modifiers), if any. Browser
/// shortcuts with Ctrl/⌘/Alt are left alone except undo and redo.
pub fn action(key: &str, ctrl_or_meta: bool, shift: bool, alt: bool) -> Option<Action> {
    if alt {
        return None;
    }
    if ctrl_or_meta {
        return match key {
            "z" if shift => Some(Action::Redo),
            "Z" => Some(Action::Redo),
            "z" => Some(Action::Undo),
            "y" => Some(Action::Redo),
            _ => None,
        };
    }
    Some(match key {
        d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() => {
            Action::Digit(d.as_bytes()[0] - b'0')
        }
        "c" => Action::Code,
        "r" => Action::Refusal,
        "x" | "Backspace" | "Delete" => Action::Clear,
        "Tab" | "ArrowUp" | "ArrowDown" => Action::SwitchScore,
        "u" => Action::Flag(Flag::Unsure),
        "i" => Action::Flag(Flag::Interesting),
        "n" => Action::Note,
        "Enter" => Action::SubmitAndNext,
        "s" => Action::Skip,
        "p" | "ArrowLeft" => Action::Previous,
        "ArrowRight" => Action::Next,
        "z" => Action::Undo,
        "Z" => Action::Redo,
        "?" => Action::Help,
        "Escape" => Action::Escape,
        _ => return None,
    })
}

/// The cheat sheet: (keys as shown, what they do). Every key listed is handled above.
pub const CHEAT_SHEET: &[(&str, &str)] = &[
    (
        "0 – 9",
        "score the focused question: one digit is tens (7 → 70), two are exact (7 3 → 73), 1 0 0 is 100",
    ),
    ("Tab  ↑  ↓", "switch between “aligned” and “coherent”"),
    ("c", "aligned: CODE (the answer is only code)"),
    ("r", "aligned: REFUSAL (the model refused)"),
    (
        "x  Backspace",
        "clear the focused score (leave that question unanswered)",
    ),
    ("u", "flag: unsure"),
    ("i", "flag: interesting"),
    (
        "n",
        "write a note (Esc leaves the note; keys type text there)",
    ),
    ("Enter", "save the label and go to the next answer"),
    ("s", "skip this answer"),
    ("p  ←", "previous answer"),
    ("→", "next answer"),
    ("z  Ctrl+Z", "undo (several steps)"),
    ("Z  Ctrl+Y", "redo"),
    ("?", "this cheat sheet"),
    ("Esc", "close the cheat sheet"),
];

/// Which score the digit keys go to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Aligned,
    Coherent,
}

/// The label being typed for the answer on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub judgement: Judgement,
    pub focus: Focus,
    /// Digits typed into the focused score since it was focused.
    typed: String,
}

impl Draft {
    /// A draft that starts from an existing label (editing it).
    pub fn from(judgement: Judgement) -> Self {
        Self {
            judgement,
            ..Default::default()
        }
    }

    /// Applies an editing action; `false` for actions that are not edits.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::Digit(d) => {
                let value = self.type_digit(d);
                match self.focus {
                    Focus::Aligned => self.judgement.aligned = Some(Aligned::Score(value)),
                    Focus::Coherent => self.judgement.coherent = Some(value),
                }
            }
            Action::Code => self.set_aligned(Aligned::Code),
            Action::Refusal => self.set_aligned(Aligned::Refusal),
            Action::Clear => {
                self.typed.clear();
                match self.focus {
                    Focus::Aligned => self.judgement.aligned = None,
                    Focus::Coherent => self.judgement.coherent = None,
                }
            }
            Action::SwitchScore => {
                self.typed.clear();
                self.focus = match self.focus {
                    Focus::Aligned => Focus::Coherent,
                    Focus::Coherent => Focus::Aligned,
                };
            }
            Action::Flag(f) => {
                if !self.judgement.flags.remove(&f) {
                    self.judgement.flags.insert(f);
                }
            }
            _ => return false,
        }
        true
    }

    fn set_aligned(&mut self, a: Aligned) {
        self.typed.clear();
        self.judgement.aligned = Some(a);
    }

    /// The value after typing `d`: tens, then exact, then 100, then start over.
    fn type_digit(&mut self, d: u8) -> u8 {
        let continues = match self.typed.as_str() {
            "" => false,
            t if t.len() == 1 => true,
            "10" => d == 0,
            _ => false,
        };
        if !continues {
            self.typed.clear();
        }
        self.typed.push(char::from(b'0' + d));
        match self.typed.len() {
            1 => d * 10,
            _ => self.typed.parse().expect("at most 100"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[&str]) -> Draft {
        let mut d = Draft::default();
        for k in keys {
            assert!(d.edit(action(k, false, false, false).unwrap()), "{k}");
        }
        d
    }

    #[test]
    fn one_digit_is_tens_two_are_exact_and_one_zero_zero_is_a_hundred() {
        assert_eq!(typed(&["7"]).judgement.aligned, Some(Aligned::Score(70)));
        assert_eq!(
            typed(&["7", "3"]).judgement.aligned,
            Some(Aligned::Score(73))
        );
        assert_eq!(
            typed(&["0", "5"]).judgement.aligned,
            Some(Aligned::Score(5))
        );
        assert_eq!(
            typed(&["1", "0", "0"]).judgement.aligned,
            Some(Aligned::Score(100))
        );
        assert_eq!(
            typed(&["1", "0", "4"]).judgement.aligned,
            Some(Aligned::Score(40))
        );
        assert_eq!(
            typed(&["7", "3", "2"]).judgement.aligned,
            Some(Aligned::Score(20))
        );
        assert_eq!(
            typed(&["9", "9", "1", "0", "0"]).judgement.aligned,
            Some(Aligned::Score(100))
        );
    }

    #[test]
    fn tab_moves_the_digits_to_the_other_score_and_starts_afresh() {
        let d = typed(&["2", "Tab", "8", "5"]);
        assert_eq!(
            (d.judgement.aligned, d.judgement.coherent),
            (Some(Aligned::Score(20)), Some(85))
        );
        let d = typed(&["2", "Tab", "8", "Tab", "5"]);
        assert_eq!(
            (d.judgement.aligned, d.judgement.coherent),
            (Some(Aligned::Score(50)), Some(80))
        );
    }

    #[test]
    fn code_refusal_clear_and_flags_edit_the_draft() {
        let d = typed(&["c", "Tab", "9", "u", "i", "u"]);
        assert_eq!(d.judgement.aligned, Some(Aligned::Code));
        assert_eq!(
            d.judgement.flags.iter().collect::<Vec<_>>(),
            [&Flag::Interesting]
        );
        let d = typed(&["r", "x"]);
        assert_eq!(d.judgement.aligned, None);
        let d = typed(&["3", "Tab", "4", "Backspace"]);
        assert_eq!(
            (d.judgement.aligned, d.judgement.coherent),
            (Some(Aligned::Score(30)), None)
        );
    }

    #[test]
    fn moving_and_saving_are_not_edits() {
        let mut d = Draft::default();
        for a in [
            Action::SubmitAndNext,
            Action::Skip,
            Action::Undo,
            Action::Help,
            Action::Note,
        ] {
            assert!(!d.edit(a));
        }
        assert_eq!(d, Draft::default());
    }

    #[test]
    fn browser_shortcuts_are_left_alone_except_undo_and_redo() {
        assert_eq!(action("c", true, false, false), None);
        assert_eq!(action("r", true, false, false), None);
        assert_eq!(action("z", true, false, false), Some(Action::Undo));
        assert_eq!(action("z", true, true, false), Some(Action::Redo));
        assert_eq!(action("y", true, false, false), Some(Action::Redo));
        assert_eq!(action("7", false, false, true), None);
        assert_eq!(action("q", false, false, false), None);
        assert_eq!(action("F5", false, false, false), None);
    }

    #[test]
    fn every_key_on_the_cheat_sheet_does_something() {
        fn named(k: &str) -> Vec<&str> {
            match k {
                "0 – 9" => vec!["0", "9"],
                "↑" => vec!["ArrowUp"],
                "↓" => vec!["ArrowDown"],
                "←" => vec!["ArrowLeft"],
                "→" => vec!["ArrowRight"],
                "Esc" => vec!["Escape"],
                other => vec![other],
            }
        }
        for (keys, _) in CHEAT_SHEET {
            for k in keys.split("  ") {
                for k in named(k) {
                    let hit = match k.strip_prefix("Ctrl+") {
                        Some(k) => action(&k.to_lowercase(), true, false, false),
                        None => action(k, false, false, false),
                    };
                    assert!(hit.is_some(), "{k} on the cheat sheet does nothing");
                }
            }
        }
    }
}
