//! The one way a page binds its view state to the URL: [`use_url_state`] reads the query
//! into the page's [`PageState`] (a memo, so the page follows links, reloads and back/forward)
//! and returns a [`SetUrlState`] that writes a changed state back — replacing the history
//! entry (a slider, a filter) or pushing one (a step a reader may want to go back from). A new
//! page gets URL state by implementing `PageState` for its state type.

use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::replay::state::{PageState, Pairs};

type Navigate = Rc<dyn Fn(&str, NavigateOptions)>;

/// Writes a page's state into the URL (`Copy`: hand it to any closure).
pub struct SetUrlState<S: Send + Sync + 'static> {
    state: Memo<S>,
    navigate: StoredValue<Navigate, LocalStorage>,
}

impl<S: Send + Sync + 'static> Clone for SetUrlState<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Send + Sync + 'static> Copy for SetUrlState<S> {}

impl<S: PageState> SetUrlState<S> {
    fn go(&self, state: &S, replace: bool) {
        let url = state.url();
        self.navigate.with_value(|go| {
            go(
                &url,
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            )
        });
    }

    /// This state, in place of the current history entry.
    pub fn replace(&self, state: &S) {
        self.go(state, true);
    }

    /// This state, as a new history entry (Back returns to the one before).
    pub fn push(&self, state: &S) {
        self.go(state, false);
    }

    /// The current state changed by `change`, replacing the history entry.
    pub fn update(&self, change: impl FnOnce(&mut S)) {
        let mut s = self.state.get_untracked();
        change(&mut s);
        self.replace(&s);
    }

    /// The current state changed by `change`, as a new history entry.
    pub fn update_push(&self, change: impl FnOnce(&mut S)) {
        let mut s = self.state.get_untracked();
        change(&mut s);
        self.push(&s);
    }
}

/// The page's state as the URL has it, and the way to change it.
pub fn use_url_state<S: PageState>() -> (Memo<S>, SetUrlState<S>) {
    let query = use_query_map();
    let state = Memo::new(move |_| query.with(|m| S::from_pairs(&Pairs::of(m))));
    let navigate = use_navigate();
    let navigate: Navigate = Rc::new(move |url, options| navigate(url, options));
    (
        state,
        SetUrlState {
            state,
            navigate: StoredValue::new_local(navigate),
        },
    )
}
