//! The annotate page's desk: what a key or a button does, and what happens while a label is
//! being written — actions in, effects out, no I/O (as `lab::driver` is for the lab).
//!
//! A change that must survive a reload (a label, an undo, a skip) is planned by the
//! [`Session`] and handed out as [`Effect::Store`]; the page writes those events and reports
//! back with [`Desk::stored`], and only then is the change committed and the next answer
//! shown. Keys pressed meanwhile are kept, in order, and applied once the write has
//! committed (a key that starts another write keeps the rest waiting for that one). A failed
//! write changes nothing: the buffered keys are dropped, and the message says so.

use std::collections::VecDeque;

use super::keys::{Action, Draft};
use super::label::Judgement;
use super::log::Event;
use super::session::{Pending, Refused, Session};

/// What the page does for the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write these events (one transaction), then call [`Desk::stored`].
    Store(Vec<Event>),
    /// The place on screen changed: show the answer there (and write the URL).
    Moved,
    /// Put the keyboard focus in the note field.
    FocusNote,
}

/// The answer just labelled and the label given, shown beside the judge's after a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reveal {
    pub answer: String,
    pub label: Judgement,
}

#[derive(Debug, Clone)]
pub struct Desk {
    pub session: Session,
    /// The label being typed for the answer on screen.
    pub draft: Draft,
    /// What the page says about the last action (a refusal, a failed write), if anything.
    pub message: Option<String>,
    pub reveal: Option<Reveal>,
    /// The cheat sheet is open.
    pub help: bool,
    /// The change being written, what to reveal once it has committed, and whether it was
    /// planned on the session there is now (see [`Desk::replace_session`]).
    in_flight: Option<(Pending, Option<Reveal>, bool)>,
    /// Keys pressed while a write was in flight.
    buffered: VecDeque<Action>,
}

/// The text hash of an answer's text, by answer id, if its text has loaded.
pub type TextHash<'a> = &'a dyn Fn(&str) -> Option<u64>;

impl Desk {
    pub fn new(session: Session) -> Self {
        let mut desk = Desk {
            session,
            draft: Draft::default(),
            message: None,
            reveal: None,
            help: false,
            in_flight: None,
            buffered: VecDeque::new(),
        };
        desk.show_place();
        desk
    }

    /// A write is in flight.
    pub fn is_saving(&self) -> bool {
        self.in_flight.is_some()
    }

    /// A new session for the same desk (the queue grew). A write in flight was planned on
    /// the old one (its places and undo steps are the old order's): when it completes, its
    /// events join the new session as labels from elsewhere, without an undo step.
    pub fn replace_session(&mut self, session: Session) {
        self.session = session;
        if let Some((_, _, same)) = &mut self.in_flight {
            *same = false;
        }
        self.show_place();
    }

    /// The draft shows the label at the place on screen.
    fn show_place(&mut self) {
        let existing = self
            .session
            .label_at(self.session.position())
            .map(|(_, j)| j.clone());
        self.draft = existing.map(Draft::from).unwrap_or_default();
    }

    /// Moves without changing anything (a place from the URL).
    pub fn go_to(&mut self, place: usize) -> Vec<Effect> {
        self.session.go_to(place);
        self.show_place();
        vec![Effect::Moved]
    }

    /// A key or a button. `text_hash` finds the hash of the text an answer shows.
    pub fn act(&mut self, action: Action, text_hash: TextHash, now: u64) -> Vec<Effect> {
        if self.is_saving() {
            self.buffered.push_back(action);
            return Vec::new();
        }
        if self.draft.edit(action) {
            self.message = None;
            return Vec::new();
        }
        match action {
            Action::SubmitAndNext => self.submit(text_hash, now),
            Action::Skip => match self.session.skip(now) {
                Some(p) => self.store(p, None),
                None => Vec::new(),
            },
            Action::Undo => match self.session.undo(now) {
                Some(p) => {
                    // The answer comes back unlabelled: blind again.
                    self.reveal = None;
                    self.store(p, None)
                }
                None => self.say("Nothing to undo."),
            },
            Action::Redo => match self.session.redo(now) {
                Some(p) => self.store(p, None),
                None => self.say("Nothing to redo."),
            },
            Action::Previous => self.go_to(self.session.position().saturating_sub(1)),
            Action::Next => self.go_to(self.session.position() + 1),
            Action::Note => vec![Effect::FocusNote],
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Escape => {
                self.help = false;
                Vec::new()
            }
            // (Edits, handled by the draft above.)
            Action::Digit(_)
            | Action::Code
            | Action::Refusal
            | Action::Clear
            | Action::SwitchScore
            | Action::Flag(_) => Vec::new(),
        }
    }

    fn say(&mut self, message: &str) -> Vec<Effect> {
        self.message = Some(message.to_string());
        Vec::new()
    }

    fn submit(&mut self, text_hash: TextHash, now: u64) -> Vec<Effect> {
        let Some(answer) = self.session.answer().map(str::to_string) else {
            return Vec::new();
        };
        let Some(hash) = text_hash(&answer) else {
            return self.say("The text of this answer is still loading; a moment…");
        };
        let label = self.draft.judgement.clone();
        match self.session.submit(label.clone(), hash, now) {
            Ok(p) => self.store(p, Some(Reveal { answer, label })),
            Err(Refused::Empty) => self.say(
                "Nothing to save yet: type a score (digits), c for CODE, r for REFUSAL, a flag or a note — or s to skip.",
            ),
            Err(Refused::NoAnswer) => Vec::new(),
        }
    }

    fn store(&mut self, pending: Pending, reveal: Option<Reveal>) -> Vec<Effect> {
        let events = pending.events.clone();
        self.in_flight = Some((pending, reveal, true));
        vec![Effect::Store(events)]
    }

    /// The write of the last [`Effect::Store`] is done: `Ok` with the events as stored (the
    /// page signs them), or why it failed. Committed, then the keys pressed meanwhile are
    /// applied in order.
    pub fn stored(
        &mut self,
        result: Result<Vec<Event>, String>,
        text_hash: TextHash,
        now: u64,
    ) -> Vec<Effect> {
        let Some((mut pending, reveal, same_session)) = self.in_flight.take() else {
            return Vec::new();
        };
        match result {
            Ok(events) if !same_session => {
                self.session.absorb(events);
                self.message = None;
                self.show_place();
                vec![Effect::Moved]
            }
            Ok(events) => {
                pending.events = events;
                self.session.commit(pending);
                self.message = None;
                if reveal.is_some() {
                    self.reveal = reveal;
                }
                self.show_place();
                let mut effects = vec![Effect::Moved];
                while !self.is_saving() {
                    let Some(next) = self.buffered.pop_front() else {
                        break;
                    };
                    effects.extend(self.act(next, text_hash, now));
                }
                effects
            }
            Err(e) => {
                let dropped = self.buffered.len();
                self.buffered.clear();
                let keys = match dropped {
                    0 => String::new(),
                    1 => " The key pressed meanwhile was not applied.".into(),
                    n => format!(" The {n} keys pressed meanwhile were not applied."),
                };
                self.message = Some(format!("Not saved: {e}. Nothing changed; try again.{keys}"));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::label::Aligned;
    use crate::labels::log::Replayed;
    use crate::labels::queue::Order;

    fn desk(n: usize) -> Desk {
        let order = Order::new("ann", (0..n).map(|i| format!("f#{i}")));
        Desk::new(Session::new("ann", order, Replayed::default()))
    }

    fn loaded(_: &str) -> Option<u64> {
        Some(7)
    }

    fn press(d: &mut Desk, keys: &[Action]) -> Vec<Effect> {
        keys.iter().flat_map(|&a| d.act(a, &loaded, 1)).collect()
    }

    fn events_of(effects: &[Effect]) -> Vec<Event> {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Store(events) => Some(events.clone()),
                _ => None,
            })
            .expect("a write")
    }

    #[test]
    fn a_label_is_written_first_and_the_next_answer_shown_only_once_it_has_committed() {
        let mut d = desk(3);
        let first = d.session.answer().unwrap().to_string();
        let effects = press(&mut d, &[Action::Digit(2), Action::SubmitAndNext]);
        assert!(d.is_saving());
        assert_eq!(d.session.answer(), Some(first.as_str()), "not moved yet");
        let events = events_of(&effects);
        let after = d.stored(Ok(events), &loaded, 2);
        assert_eq!(after, [Effect::Moved]);
        assert_ne!(d.session.answer(), Some(first.as_str()));
        assert_eq!(d.reveal.as_ref().unwrap().answer, first);
        assert_eq!(d.draft, Draft::default(), "the next answer starts blank");
    }

    #[test]
    fn keys_pressed_during_a_slow_write_are_applied_in_order_after_it_commits() {
        let mut d = desk(4);
        let effects = press(&mut d, &[Action::Digit(1), Action::SubmitAndNext]);
        // While the write is in flight: a score and a submit for the next answer, then a digit.
        let meanwhile = press(
            &mut d,
            &[Action::Digit(3), Action::SubmitAndNext, Action::Digit(5)],
        );
        assert!(meanwhile.is_empty(), "nothing happens before the commit");
        let after = d.stored(Ok(events_of(&effects)), &loaded, 2);
        // The 3 and the submit are applied: a second write starts; the 5 waits for it.
        let second = events_of(&after);
        let Event::Label(_, v) = &second[0] else {
            panic!()
        };
        assert_eq!(
            v.judgement.as_ref().unwrap().aligned,
            Some(Aligned::Score(30))
        );
        assert!(d.is_saving());
        assert_eq!(
            d.draft.judgement.aligned,
            Some(Aligned::Score(30)),
            "the second answer is on screen until its label commits; the 5 waits"
        );
        d.stored(Ok(second), &loaded, 3);
        assert_eq!(
            d.draft.judgement.aligned,
            Some(Aligned::Score(50)),
            "applied to the third answer"
        );
        assert_eq!(d.session.progress().done, 2);
    }

    #[test]
    fn a_failed_write_drops_the_buffered_keys_and_says_so() {
        let mut d = desk(3);
        let first = d.session.answer().unwrap().to_string();
        press(&mut d, &[Action::Digit(4), Action::SubmitAndNext]);
        press(&mut d, &[Action::Digit(9), Action::SubmitAndNext]);
        let after = d.stored(Err("the disk is full".into()), &loaded, 2);
        assert!(after.is_empty());
        assert!(!d.is_saving());
        assert_eq!(
            d.message.as_deref(),
            Some(
                "Not saved: the disk is full. Nothing changed; try again. The 2 keys pressed meanwhile were not applied."
            )
        );
        assert_eq!(
            d.session.answer(),
            Some(first.as_str()),
            "still on the answer"
        );
        assert_eq!(d.session.progress().done, 0);
        assert_eq!(
            d.draft.judgement.aligned,
            Some(Aligned::Score(40)),
            "the typed label is still there to save again"
        );
        // And the desk works on.
        let again = press(&mut d, &[Action::SubmitAndNext]);
        assert!(matches!(again[..], [Effect::Store(_)]));
    }

    #[test]
    fn a_submit_waits_for_the_answer_text_and_an_empty_label_is_refused() {
        let mut d = desk(2);
        assert!(d.act(Action::SubmitAndNext, &loaded, 1).is_empty());
        assert!(
            d.message
                .as_deref()
                .unwrap()
                .starts_with("Nothing to save yet")
        );
        d.act(Action::Digit(7), &loaded, 1);
        assert_eq!(d.message, None, "typing clears the message");
        let not_loaded = |_: &str| None;
        assert!(d.act(Action::SubmitAndNext, &not_loaded, 1).is_empty());
        assert!(d.message.as_deref().unwrap().contains("still loading"));
        assert!(!d.is_saving());
    }

    #[test]
    fn undo_writes_a_new_version_and_hides_the_reveal_again() {
        let mut d = desk(3);
        let e = press(&mut d, &[Action::Digit(2), Action::SubmitAndNext]);
        d.stored(Ok(events_of(&e)), &loaded, 2);
        assert!(d.reveal.is_some());
        let undo = d.act(Action::Undo, &loaded, 3);
        assert_eq!(d.reveal, None);
        let Event::Label(_, v) = &events_of(&undo)[0] else {
            panic!()
        };
        assert_eq!(v.judgement, None, "a retraction, not a rewrite");
        d.stored(Ok(events_of(&undo)), &loaded, 3);
        assert_eq!(d.session.progress().done, 0);
        assert!(d.act(Action::Undo, &loaded, 4).is_empty());
        assert_eq!(d.message.as_deref(), Some("Nothing to undo."));
    }

    #[test]
    fn a_write_in_flight_when_the_queue_is_rebuilt_joins_the_new_session_without_an_undo_step() {
        let mut d = desk(3);
        let e = press(&mut d, &[Action::Digit(2), Action::SubmitAndNext]);
        // The queue grows while the label is being written.
        let order = Order::new("ann", (0..5).map(|i| format!("f#{i}")));
        d.replace_session(Session::new("ann", order, Replayed::default()));
        d.stored(Ok(events_of(&e)), &loaded, 2);
        assert_eq!(d.session.progress().done, 1, "the label counts");
        assert!(!d.session.can_undo(), "no undo step of the old order");
        // An undo planned on the old session, written while the queue changed, cannot panic.
        let e = press(&mut d, &[Action::Digit(3), Action::SubmitAndNext]);
        d.stored(Ok(events_of(&e)), &loaded, 3);
        let undo = d.act(Action::Undo, &loaded, 4);
        let order = Order::new("ann", (0..6).map(|i| format!("f#{i}")));
        d.replace_session(Session::new("ann", order, Replayed::default()));
        d.stored(Ok(events_of(&undo)), &loaded, 5);
        assert!(!d.is_saving());
    }

    #[test]
    fn moving_shows_the_label_there_and_help_and_note_are_the_pages_to_show() {
        let mut d = desk(3);
        let e = press(&mut d, &[Action::Digit(6), Action::SubmitAndNext]);
        d.stored(Ok(events_of(&e)), &loaded, 2);
        assert_eq!(d.act(Action::Previous, &loaded, 3), [Effect::Moved]);
        assert_eq!(d.draft.judgement.aligned, Some(Aligned::Score(60)));
        assert_eq!(d.act(Action::Note, &loaded, 3), [Effect::FocusNote]);
        d.act(Action::Help, &loaded, 3);
        assert!(d.help);
        d.act(Action::Escape, &loaded, 3);
        assert!(!d.help);
    }
}
