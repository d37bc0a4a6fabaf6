//! What the annotate and agreement pages show of who signed what: the labels kept aside
//! (failed signatures, unknown keys, unsigned labels from a server for an annotator who signs
//! — never applied), with a way to trust a new key once its fingerprint has been checked with
//! its annotator, and each annotator's key fingerprints beside how many of their labels are
//! unsigned.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::labels::trust::Doubt;
use crate::replay::text::counted;
use crate::ui::label_data::use_labels;

/// The labels kept aside this visit, said plainly (`role="alert"`).
#[component]
pub fn SetAsideNotice() -> impl IntoView {
    let labels = use_labels();
    let outcome = RwSignal::new(None::<String>);
    let trust = move |annotator: String, key| {
        let question = format!(
            "Trust the key {} for {annotator}? Do so only if {annotator} has told you this fingerprint (it shows beside their name on their screen).",
            crate::labels::seal::PublicKey::fingerprint(key)
        );
        let yes = web_sys::window()
            .and_then(|w| w.confirm_with_message(&question).ok())
            .unwrap_or(false);
        if !yes {
            return;
        }
        spawn_local(async move {
            let said = match labels.trust_key(&annotator, key).await {
                Ok(n) => format!("Trusted; {} for {annotator} taken in.", counted(n, "label")),
                Err(e) => format!("Not trusted: {e}"),
            };
            outcome.set(Some(said));
        });
    };
    move || {
        let notices = labels.set_aside.with(|s| s.summary());
        (!notices.is_empty() || outcome.get().is_some()).then(|| {
            view! {
                <div class="set-aside" role="alert" data-testid="set-aside">
                    {notices.into_iter().map(|n| {
                        let button = match n.doubt {
                            Doubt::UnknownKey(key) => {
                                let who = n.annotator.clone();
                                Some(view! {
                                    " " <button class="small" on:click=move |_| trust(who.clone(), key)>"Trust this key…"</button>
                                })
                            }
                            _ => None,
                        };
                        view! { <p class="error">{n.text} {button}</p> }
                    }).collect_view()}
                    {move || outcome.get().map(|o| view! { <p class="muted">{o}</p> })}
                </div>
            }
        })
    }
}

/// Each annotator this browser knows: their key fingerprints (yours marked) and how many of
/// their current labels are unsigned. Counted only while the list is open (every saved
/// label would otherwise recount them all).
#[component]
pub fn AnnotatorKeys() -> impl IntoView {
    let labels = use_labels();
    let open = RwSignal::new(false);
    let rows = move || {
        if !open.get() {
            return None;
        }
        labels.version.track();
        let own = labels.own_key();
        let me = labels.annotator.get();
        let counts = labels.with(|r| {
            let mut counts = std::collections::BTreeMap::<String, (usize, usize)>::new();
            for (k, v, _) in r.labels.labels() {
                let c = counts.entry(k.annotator.clone()).or_default();
                c.0 += 1;
                c.1 += usize::from(v.seal.is_none());
            }
            counts
        });
        let mut names: Vec<String> = counts.keys().cloned().collect();
        if !me.is_empty() && !names.contains(&me) {
            names.push(me.clone());
        }
        names.sort();
        let rows = names
            .into_iter()
            .map(|name| {
                let keys: Vec<String> = labels.ring.with(|ring| {
                    ring.keys_of(&name)
                        .map(|k| {
                            let mine = (Some(k) == own && name == me).then_some(" (this browser)");
                            format!("{}{}", k.fingerprint(), mine.unwrap_or_default())
                        })
                        .collect()
                });
                let (n, unsigned) = counts.get(&name).copied().unwrap_or_default();
                let keys = if keys.is_empty() {
                    "no key seen".to_string()
                } else {
                    keys.join(", ")
                };
                let unsigned = (unsigned > 0).then(|| format!(" · {unsigned} unsigned"));
                view! {
                    <tr>
                        <th scope="row">{name}</th>
                        <td><code class="fingerprint">{keys}</code></td>
                        <td>{counted(n, "label")}{unsigned}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(rows)
    };
    view! {
        <details class="annotator-keys" on:toggle=move |ev| {
            let details: web_sys::Element = event_target(&ev);
            open.set(details.has_attribute("open"));
        }>
            <summary>"Annotators' keys"</summary>
            <p class="muted">
                "Every label is signed in its annotator's browser. A label is used only if it is signed by a key this browser has pinned for its annotator (the first one seen). Compare fingerprints with your teammates to be sure. Unsigned labels (written before signing, or imported from files) are used and counted here."
            </p>
            <table data-testid="annotator-keys">
                <thead><tr><th scope="col">"Annotator"</th><th scope="col">"Key fingerprint"</th><th scope="col">"Labels"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
