//! One annotator working through one queue: where they are, what is done, skipped and left,
//! and undo/redo over several steps — the `/annotate` page's model.
//!
//! Nothing is lost: every step that changes a label is planned as a [`Pending`] change (the
//! events to store, and what the page becomes), the page writes the events to IndexedDB,
//! and only when that transaction has completed does it [`Session::commit`] the change and
//! move on. Undo and redo write new label versions too; the log is never rewritten.

use std::collections::HashSet;

use super::label::{Judgement, LabelKey, Version};
use super::log::{Event, Replayed};
use super::queue::Order;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Left,
    Done,
    Skipped,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub skipped: usize,
    pub left: usize,
}

/// A step that can be undone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Label {
        pos: usize,
        before: Option<Judgement>,
        after: Judgement,
        text_hash: u64,
    },
    Skip {
        pos: usize,
        before: Status,
    },
}

/// A change planned but not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Store these (one transaction), then commit.
    pub events: Vec<Event>,
    step: Step,
    direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Do,
    Undo,
    Redo,
}

/// Why a submit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No score, note or flag entered.
    Empty,
    /// The queue has no answers.
    NoAnswer,
}

#[derive(Debug, Clone)]
pub struct Session {
    annotator: String,
    order: Order,
    status: Vec<Status>,
    pos: usize,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// The newest `at` written, so versions of one session are strictly ordered.
    clock: u64,
    replayed: Replayed,
}

impl Session {
    /// Starts at the first answer neither done nor skipped.
    pub fn new(annotator: &str, order: Order, replayed: Replayed) -> Self {
        let mut s = Self {
            annotator: annotator.to_string(),
            status: vec![Status::Left; order.len()],
            order,
            pos: 0,
            undo: Vec::new(),
            redo: Vec::new(),
            clock: newest_at(&replayed),
            replayed,
        };
        s.restatus();
        s.pos = s.next_left(None).unwrap_or(0);
        s
    }

    pub fn annotator(&self) -> &str {
        &self.annotator
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// The answer on screen.
    pub fn answer(&self) -> Option<&str> {
        self.order.answers.get(self.pos).map(String::as_str)
    }

    pub fn answer_at(&self, pos: usize) -> Option<&str> {
        self.order.answers.get(pos).map(String::as_str)
    }

    pub fn status(&self, pos: usize) -> Option<Status> {
        self.status.get(pos).copied()
    }

    pub fn labels(&self) -> &Replayed {
        &self.replayed
    }

    /// The annotator's current label of the answer at `pos`.
    pub fn label_at(&self, pos: usize) -> Option<(&Version, &Judgement)> {
        self.replayed
            .labels
            .current(&key(&self.annotator, self.answer_at(pos)?))
    }

    pub fn progress(&self) -> Progress {
        let mut p = Progress::default();
        for s in &self.status {
            match s {
                Status::Done => p.done += 1,
                Status::Skipped => p.skipped += 1,
                Status::Left => p.left += 1,
            }
        }
        p
    }

    /// Where a submit or skip now would move to: the next answer left after this one, in
    /// order, wrapping round; the next answer when none is left.
    pub fn upcoming(&self) -> usize {
        self.next_left(Some(self.pos))
            .unwrap_or_else(|| (self.pos + 1).min(self.len().saturating_sub(1)))
    }

    fn next_left(&self, after: Option<usize>) -> Option<usize> {
        let n = self.len();
        let start = after.map_or(0, |p| p + 1);
        (0..n)
            .map(|i| (start + i) % n)
            .find(|&p| self.status[p] == Status::Left && Some(p) != after)
    }

    /// Moves without changing anything (Previous, Next, a position from the URL).
    pub fn go_to(&mut self, pos: usize) {
        if !self.is_empty() {
            self.pos = pos.min(self.len() - 1);
        }
    }

    pub fn position_of(&self, answer: &str) -> Option<usize> {
        self.order.answers.iter().position(|a| a == answer)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Plans saving `judgement` for the answer on screen (`text_hash`: its text's hash).
    pub fn submit(
        &self,
        judgement: Judgement,
        text_hash: u64,
        now: u64,
    ) -> Result<Pending, Refused> {
        if self.is_empty() {
            return Err(Refused::NoAnswer);
        }
        if judgement.is_empty() {
            return Err(Refused::Empty);
        }
        let before = self.label_at(self.pos).map(|(_, j)| j.clone());
        let step = Step::Label {
            pos: self.pos,
            before,
            after: judgement,
            text_hash,
        };
        Ok(self.plan(step, Direction::Do, now))
    }

    /// Plans skipping the answer on screen.
    pub fn skip(&self, now: u64) -> Option<Pending> {
        let before = self.status(self.pos)?;
        Some(self.plan(
            Step::Skip {
                pos: self.pos,
                before,
            },
            Direction::Do,
            now,
        ))
    }

    pub fn undo(&self, now: u64) -> Option<Pending> {
        Some(self.plan(self.undo.last()?.clone(), Direction::Undo, now))
    }

    pub fn redo(&self, now: u64) -> Option<Pending> {
        Some(self.plan(self.redo.last()?.clone(), Direction::Redo, now))
    }

    fn plan(&self, step: Step, direction: Direction, now: u64) -> Pending {
        let at = now.max(self.clock.saturating_add(1));
        let undoing = direction == Direction::Undo;
        let event = match &step {
            Step::Label {
                pos,
                before,
                after,
                text_hash,
            } => Event::Label(
                key(&self.annotator, &self.order.answers[*pos]),
                Version {
                    at,
                    text_hash: *text_hash,
                    judgement: if undoing {
                        before.clone()
                    } else {
                        Some(after.clone())
                    },
                    seal: None,
                },
            ),
            Step::Skip { pos, before } => Event::Skip {
                key: key(&self.annotator, &self.order.answers[*pos]),
                skipped: if undoing {
                    *before == Status::Skipped
                } else {
                    true
                },
                at,
            },
        };
        Pending {
            events: vec![event],
            step,
            direction,
        }
    }

    /// Applies a change whose events have been stored.
    pub fn commit(&mut self, pending: Pending) {
        for e in &pending.events {
            self.clock = self.clock.max(event_at(e));
            self.replayed.apply(e.clone());
        }
        let (pos, status_after) = match &pending.step {
            Step::Label { pos, before, .. } => {
                let restored = match before {
                    Some(_) => Status::Done,
                    None if self
                        .replayed
                        .is_skipped(&key(&self.annotator, &self.order.answers[*pos])) =>
                    {
                        Status::Skipped
                    }
                    None => Status::Left,
                };
                (
                    *pos,
                    if pending.direction == Direction::Undo {
                        restored
                    } else {
                        Status::Done
                    },
                )
            }
            Step::Skip { pos, before } => {
                let skipped = if *before == Status::Done {
                    Status::Done
                } else {
                    Status::Skipped
                };
                (
                    *pos,
                    if pending.direction == Direction::Undo {
                        *before
                    } else {
                        skipped
                    },
                )
            }
        };
        self.status[pos] = status_after;
        match pending.direction {
            Direction::Do => {
                self.undo.push(pending.step);
                self.redo.clear();
                self.pos = pos;
                self.pos = self.upcoming();
            }
            Direction::Undo => {
                self.redo
                    .push(self.undo.pop().expect("planned from the undo stack"));
                self.pos = pos;
            }
            Direction::Redo => {
                self.undo
                    .push(self.redo.pop().expect("planned from the redo stack"));
                self.pos = pos;
                self.pos = self.upcoming();
            }
        }
    }

    /// Adds labels from elsewhere (an import) without touching undo.
    pub fn absorb(&mut self, events: impl IntoIterator<Item = Event>) {
        for e in events {
            self.clock = self.clock.max(event_at(&e));
            self.replayed.apply(e);
        }
        self.restatus();
    }

    /// Takes the labels as they are now everywhere in this browser (a sync, another tab),
    /// keeping the place and undo.
    pub fn refresh(&mut self, replayed: &Replayed) {
        if replayed == &self.replayed {
            return;
        }
        self.replayed = replayed.clone();
        self.clock = self.clock.max(newest_at(&self.replayed));
        self.restatus();
    }

    fn restatus(&mut self) {
        let done: HashSet<&str> = self
            .replayed
            .labels
            .labels()
            .filter(|(k, _, _)| k.annotator == self.annotator)
            .map(|(k, _, _)| k.answer.as_str())
            .collect();
        for (p, answer) in self.order.answers.iter().enumerate() {
            self.status[p] = if done.contains(answer.as_str()) {
                Status::Done
            } else if self.replayed.is_skipped(&key(&self.annotator, answer)) {
                Status::Skipped
            } else {
                Status::Left
            };
        }
    }
}

/// The newest `at` of any label version known.
fn newest_at(replayed: &Replayed) -> u64 {
    replayed
        .labels
        .versions()
        .map(|(_, v)| v.at)
        .max()
        .unwrap_or(0)
}

fn event_at(e: &Event) -> u64 {
    match e {
        Event::Label(_, v) => v.at,
        Event::Skip { at, .. } => *at,
    }
}

fn key(annotator: &str, answer: &str) -> LabelKey {
    LabelKey {
        annotator: annotator.to_string(),
        answer: answer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::label::Aligned;

    fn session(n: usize) -> Session {
        let order = Order::new("ann", (0..n).map(|i| format!("f#{i}")));
        Session::new("ann", order, Replayed::default())
    }

    fn scores(a: u8, c: u8) -> Judgement {
        Judgement {
            aligned: Some(Aligned::Score(a)),
            coherent: Some(c),
            ..Default::default()
        }
    }

    /// Plans, "stores" (returns the events) and commits.
    fn run(s: &mut Session, plan: impl FnOnce(&Session) -> Pending) -> Vec<Event> {
        let p = plan(s);
        let events = p.events.clone();
        s.commit(p);
        events
    }

    #[test]
    fn submit_saves_and_moves_to_the_next_answer_left() {
        let mut s = session(5);
        let first = s.position();
        let p = s.submit(scores(20, 80), 1, 100).unwrap();
        assert_eq!(
            s.position(),
            first,
            "nothing moves before the write completes"
        );
        run(&mut s, |_| p);
        assert_eq!(s.status(first), Some(Status::Done));
        assert_eq!(s.position(), first + 1);
        assert_eq!(
            s.progress(),
            Progress {
                done: 1,
                skipped: 0,
                left: 4
            }
        );
    }

    #[test]
    fn an_empty_label_is_refused() {
        let s = session(2);
        assert_eq!(s.submit(Judgement::default(), 1, 1), Err(Refused::Empty));
        assert_eq!(
            session(0).submit(scores(1, 1), 1, 1),
            Err(Refused::NoAnswer)
        );
    }

    #[test]
    fn undo_restores_the_label_before_and_redo_puts_it_back_over_several_steps() {
        let mut s = session(4);
        let p = s.submit(scores(20, 80), 1, 10).unwrap();
        run(&mut s, |_| p);
        let second = s.position();
        let p = s.submit(scores(90, 90), 2, 11).unwrap();
        run(&mut s, |_| p);
        s.go_to(0);
        let p = s.submit(scores(50, 50), 1, 12).unwrap(); // an edit of the first label
        run(&mut s, |_| p);
        assert_eq!(s.label_at(0).unwrap().1, &scores(50, 50));

        run(&mut s, |s| s.undo(13).unwrap());
        assert_eq!(
            (s.position(), s.label_at(0).unwrap().1),
            (0, &scores(20, 80))
        );
        run(&mut s, |s| s.undo(14).unwrap());
        assert_eq!((s.position(), s.label_at(second)), (second, None));
        assert_eq!(s.status(second), Some(Status::Left));
        run(&mut s, |s| s.undo(15).unwrap());
        assert_eq!(s.progress().done, 0);
        assert!(!s.can_undo());

        run(&mut s, |s| s.redo(16).unwrap());
        run(&mut s, |s| s.redo(17).unwrap());
        assert_eq!(s.progress().done, 2);
        assert_eq!(s.label_at(second).unwrap().1, &scores(90, 90));
        // A new step clears what could be redone.
        let p = s.skip(18).unwrap();
        run(&mut s, |_| p);
        assert!(!s.can_redo());
    }

    #[test]
    fn versions_written_in_one_millisecond_still_order_correctly() {
        let mut s = session(2);
        let p = s.submit(scores(20, 80), 1, 5).unwrap();
        let a = run(&mut s, |_| p);
        let b = run(&mut s, |s| s.undo(5).unwrap());
        let at = |e: &Event| event_at(e);
        assert!(at(&b[0]) > at(&a[0]));
        assert_eq!(s.label_at(0), None);
    }

    #[test]
    fn a_reload_replays_the_stored_events_to_the_same_place() {
        let mut s = session(6);
        let mut stored = Vec::new();
        for (i, j) in [scores(1, 90), scores(95, 95)].into_iter().enumerate() {
            stored.extend(run(&mut s, |s| {
                s.submit(j, i as u64, 100 + i as u64).unwrap()
            }));
        }
        stored.extend(run(&mut s, |s| s.skip(200).unwrap()));
        let records: Vec<String> = stored.iter().map(Event::encode).collect();
        let order = Order::new("ann", (0..6).map(|i| format!("f#{i}")));
        let again = Session::new(
            "ann",
            order,
            Replayed::from_records(records.iter().map(String::as_str)),
        );
        assert_eq!(
            again.progress(),
            Progress {
                done: 2,
                skipped: 1,
                left: 3
            }
        );
        assert_eq!(again.position(), s.position());
        for p in 0..6 {
            assert_eq!(again.label_at(p), s.label_at(p));
        }
    }

    #[test]
    fn skipping_is_undone_and_a_skipped_answer_comes_round_again_only_when_nothing_is_left() {
        let mut s = session(3);
        run(&mut s, |s| s.skip(1).unwrap());
        assert_eq!(
            s.progress(),
            Progress {
                done: 0,
                skipped: 1,
                left: 2
            }
        );
        run(&mut s, |s| s.undo(2).unwrap());
        assert_eq!(s.progress().skipped, 0);
        run(&mut s, |s| s.redo(3).unwrap());
        for t in 4..6 {
            run(&mut s, |s| s.submit(scores(50, 50), 0, t).unwrap());
        }
        assert_eq!(
            s.progress(),
            Progress {
                done: 2,
                skipped: 1,
                left: 0
            }
        );
    }

    #[test]
    fn undoing_a_label_of_a_skipped_answer_leaves_it_skipped() {
        let mut s = session(3);
        run(&mut s, |s| s.skip(1).unwrap());
        s.go_to(0);
        run(&mut s, |s| s.submit(scores(10, 10), 1, 2).unwrap());
        assert_eq!(s.status(0), Some(Status::Done));
        run(&mut s, |s| s.undo(3).unwrap());
        assert_eq!(s.status(0), Some(Status::Skipped));
    }

    #[test]
    fn labels_synced_from_elsewhere_show_up_and_keep_the_place() {
        let mut s = session(4);
        run(&mut s, |s| s.submit(scores(10, 10), 1, 2).unwrap());
        let place = s.position();
        let mut elsewhere = s.labels().clone();
        let other = s.answer_at(3).unwrap().to_string();
        elsewhere.apply(Event::Label(
            key("ann", &other),
            Version {
                at: 50,
                text_hash: 1,
                judgement: Some(scores(1, 1)),
                seal: None,
            },
        ));
        s.refresh(&elsewhere);
        assert_eq!(
            (s.status(3), s.position(), s.can_undo()),
            (Some(Status::Done), place, true)
        );
        assert!(event_at(&s.submit(scores(2, 2), 1, 3).unwrap().events[0]) > 50);
    }

    #[test]
    fn labels_from_an_import_mark_answers_done_without_an_undo_step() {
        let mut s = session(3);
        let answer = s.answer_at(2).unwrap().to_string();
        s.absorb([Event::Label(
            key("ann", &answer),
            Version {
                at: 9,
                text_hash: 1,
                judgement: Some(scores(5, 5)),
                seal: None,
            },
        )]);
        assert_eq!((s.status(2), s.can_undo()), (Some(Status::Done), false));
        let p = s.submit(scores(1, 1), 1, 3).unwrap();
        assert!(event_at(&p.events[0]) > 9, "newer than anything known");
    }
}
