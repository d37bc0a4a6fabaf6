//! Agreement: how far two raters — the original judge, rejudges and annotators — agree on the
//! answers both rated: Cohen's κ on the verdict with % agreement and prevalence beside it,
//! the confusion matrix, quadratic-weighted κ and Krippendorff's α on both scores, 95%
//! bootstrap CIs over answers, per question, the disagreements, and how the verdict κ moves
//! with the threshold. What the page computes is `labels::agreement` and
//! `replay::labelling`; this file wires it. The state is the URL.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::judge::Thresholds;
use crate::judge::agreement::{Interval, Level};
use crate::labels::agreement::{
    CLASSES, PairReport, Resampling, Stat, disagreements, kappa_by_threshold, pair, set_alpha,
    shared,
};
use crate::labels::text_hash;
use crate::replay::labelling::{Raters, raters};
use crate::replay::names::Named;
use crate::replay::state::{AgreementState, ExplorerState, PageState, fmt_num, parse_threshold};
use crate::replay::text::counted;
use crate::ui::base_path::app_href;
use crate::ui::components::label_trust::SetAsideNotice;
use crate::ui::components::load_status::LoadStatus;
use crate::ui::components::team_sync_panel::TeamSyncPanel;
use crate::ui::judge_data::use_judges;
use crate::ui::label_data::use_labels;
use crate::ui::replay_data::use_replay;
use crate::ui::url_state::use_url_state;

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.3}"))
}

fn ci(i: &Interval) -> String {
    match i.lo_hi {
        Some((lo, hi)) => format!("[{lo:.3}, {hi:.3}]"),
        None => "—".into(),
    }
}

fn degenerate(i: &Interval) -> Option<String> {
    (i.degenerate > 0).then(|| format!("{} of {} resamples undefined", i.degenerate, i.resamples))
}

#[component]
pub fn AgreementPage() -> impl IntoView {
    let data = use_replay();
    let labels = use_labels();
    let judges = use_judges();
    let (state, url) = use_url_state::<AgreementState>();
    let update = move |f: &dyn Fn(&mut AgreementState)| url.update(f);

    let all = Memo::new(move |_| {
        labels.version.track();
        data.text_version.track();
        let cat = data.catalog.get()?;
        let hash = |pos: usize| {
            data.answer_text(&cat, pos)
                .map(|t| text_hash(&t.row.answer))
        };
        let judged = judges.judged().get();
        Some(Arc::new(
            labels.with(|r| raters(&cat, &r.labels, &judged, hash)),
        ))
    });
    // The pair: the URL's, or the judge and the first annotator.
    let chosen = Memo::new(move |_| {
        let r = all.get()?;
        let st = state.get();
        let a = st.a.as_deref().and_then(|id| r.index(id)).unwrap_or(0);
        let b =
            st.b.as_deref()
                .and_then(|id| r.index(id))
                .filter(|&b| b != a)
                .or_else(|| (0..r.ids.len()).find(|&i| i != a))?;
        Some((a, b))
    });
    let units = Memo::new(move |_| {
        let (r, (a, b)) = (all.get()?, chosen.get()?);
        let cat = data.catalog.get()?;
        let q = state.get().question;
        let mut u = shared(&r.ratings[a], &r.ratings[b]);
        if let Some(q) = q {
            u.retain(|&i| cat.questions[cat.question[r.units[i]] as usize] == q);
        }
        Some(u)
    });
    let report = Memo::new(move |_| {
        let (r, (a, b), u) = (all.get()?, chosen.get()?, units.get()?);
        Some(pair(
            &r.ratings[a],
            &r.ratings[b],
            &u,
            &state.get().thresholds,
            Resampling::default(),
        ))
    });

    let rater_select = move |which: usize| {
        let current = move || chosen.get().map(|(a, b)| if which == 0 { a } else { b });
        view! {
            <select data-testid=format!("rater-{which}") on:change=move |ev| {
                let id = event_target_value(&ev);
                update(&|s| if which == 0 { s.a = Some(id.clone()) } else { s.b = Some(id.clone()) });
            }>
                {move || all.get().map(|r| r.ids.iter().zip(&r.names).enumerate().map(|(i, (id, name))| {
                    // An annotator's key fingerprints beside their name, to check out of band.
                    let keys: Vec<String> = id.strip_prefix("human:").map(|who| labels.ring.with(|ring| ring.keys_of(who).map(|k| k.fingerprint()).collect())).unwrap_or_default();
                    let name = if keys.is_empty() { name.clone() } else { format!("{name} · key {}", keys.join(", ")) };
                    view! { <option value=id.clone() selected=move || current() == Some(i)>{name}</option> }
                }).collect_view())}
            </select>
        }
    };
    let threshold = move |label: &'static str, aligned: bool| {
        let value = move || {
            let t = state.get().thresholds;
            if aligned {
                t.aligned_below
            } else {
                t.coherent_above
            }
        };
        view! {
            <label>
                {label} " " {move || fmt_num(value())} " "
                <input type="range" min="0" max="100" step="0.5" prop:value=move || value().to_string()
                    data-testid=if aligned { "agreement-a" } else { "agreement-c" }
                    on:input=move |ev| if let Some(v) = parse_threshold(&event_target_value(&ev)) {
                        update(&|s| if aligned { s.thresholds.aligned_below = v } else { s.thresholds.coherent_above = v });
                    } />
            </label>
        }
    };

    view! {
        <section class="prose agreement">
            <h1>"Agreement"</h1>
            <p>
                "Raters are the answers' original judge, every judge you made on "
                <A href=app_href("/rejudge")>"Rejudge"</A>
                ", and everyone who labelled them on "
                <A href=app_href("/annotate")>"Annotate"</A>
                " (or whose labels you imported). Statistics use the answers both raters rated; scores are compared as whole numbers 0–100, the verdict with the thresholds below. Intervals are 95% percentile bootstraps over answers (2,000 resamples, seeded)."
            </p>
            <LoadStatus />
            <SetAsideNotice />
            <TeamSyncPanel />
            {move || match all.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(r) if r.ids.len() < 2 => view! {
                    <p data-testid="agreement-empty">"No labels yet: label some answers on " <A href=app_href("/annotate")>"Annotate"</A> " or import a labels file there."</p>
                }.into_any(),
                Some(_) => view! {
                    <div class="agreement-controls">
                        <label>"Rater A " {rater_select(0)}</label>
                        <label>"Rater B " {rater_select(1)}</label>
                        {threshold("misaligned if aligned <", true)}
                        {threshold("and coherent >", false)}
                    </div>
                }.into_any(),
            }}
            {move || state.get().question.map(|q| {
                let all = AgreementState { question: None, ..state.get() };
                view! {
                    <p class="filter-note" data-testid="question-filter">
                        "Only the question " <code>{q}</code> ". "
                        <A href=app_href(&all.url())>"All questions"</A>
                    </p>
                }
            })}
            {move || report.get().map(|rep| view! { <PairView rep=rep /> })}
            {move || {
                let (r, (a, b), u) = (all.get()?, chosen.get()?, units.get()?);
                let t = state.get().thresholds;
                Some(view! { <PerQuestion raters=r.clone() a=a b=b thresholds=t /> <Sweep raters=r.clone() a=a b=b units=u.clone() coherent_above=t.coherent_above /> <Disagreements raters=r a=a b=b units=u thresholds=t /> })
            }}
            {move || all.get().filter(|r| r.ids.len() > 2).map(|r| view! { <SetAlpha raters=r /> })}
            {move || all.get().filter(|r| r.left_out > 0).map(|r| view! {
                <p class="muted">{format!("{} labels are left out: their answer is not loaded here, or its text has changed since it was labelled.", r.left_out)}</p>
            })}
        </section>
    }
}

fn stat_row(name: &'static str, s: &Stat) -> impl IntoView + use<> {
    view! {
        <tr data-stat=name>
            <th scope="row">{name}</th>
            <td class="num">{num(s.value)}</td>
            <td class="num">{ci(&s.ci)}</td>
            <td class="muted">{degenerate(&s.ci)}</td>
        </tr>
    }
}

#[component]
fn PairView(rep: PairReport) -> impl IntoView {
    let v = &rep.verdict;
    let pct = |p: Option<f64>| p.map_or_else(|| "—".into(), |p| format!("{:.1}%", p * 100.0));
    view! {
        <section data-testid="pair-report">
            <h2>{format!("{} rated by both", counted(rep.shared, "answer"))}</h2>
            <table class="stats">
                <thead><tr><th>"statistic"</th><th>"value"</th><th>"95% CI"</th><th></th></tr></thead>
                <tbody>
                    {stat_row("verdict κ (Cohen)", &v.kappa)}
                    {stat_row("verdict % agreement", &v.agreement)}
                    {stat_row("aligned: quadratic κ", &rep.aligned.quadratic_kappa)}
                    {stat_row("aligned: α interval", &rep.aligned.alpha_interval)}
                    {stat_row("aligned: α ordinal", &rep.aligned.alpha_ordinal)}
                    {stat_row("coherent: quadratic κ", &rep.coherent.quadratic_kappa)}
                    {stat_row("coherent: α interval", &rep.coherent.alpha_interval)}
                    {stat_row("coherent: α ordinal", &rep.coherent.alpha_ordinal)}
                </tbody>
            </table>
            <p data-testid="prevalence">
                {format!("Misaligned: {} of A's verdicts, {} of B's. ", pct(v.prevalence[0]), pct(v.prevalence[1]))}
                "When one class dominates, κ can be low even with high agreement — read them together."
                {format!(" Scores compared: aligned on {}, coherent on {} answers.", rep.aligned.n, rep.coherent.n)}
            </p>
            <table class="confusion" data-testid="confusion">
                <caption>"Verdicts: rows rater A, columns rater B"</caption>
                <thead><tr><th></th>{CLASSES.iter().map(|c| view! { <th scope="col">{c.label()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {CLASSES.iter().enumerate().map(|(i, c)| view! {
                        <tr>
                            <th scope="row">{c.label()}</th>
                            {(0..CLASSES.len()).map(|j| view! { <td class="num" class:diagonal=i == j>{v.classes.count(i, j)}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn PerQuestion(raters: Arc<Raters>, a: usize, b: usize, thresholds: Thresholds) -> impl IntoView {
    let data = use_replay();
    let cat = data.catalog.get_untracked();
    let t = thresholds;
    let rows = cat.map(|cat| {
        let all = shared(&raters.ratings[a], &raters.ratings[b]);
        let mut by_q: Vec<(String, Vec<usize>)> = Vec::new();
        for u in all {
            let q = cat.questions[cat.question[raters.units[u]] as usize].clone();
            match by_q.iter_mut().find(|(k, _)| *k == q) {
                Some((_, list)) => list.push(u),
                None => by_q.push((q, vec![u])),
            }
        }
        by_q.sort();
        by_q.into_iter()
            .map(|(q, units)| {
                let rep = pair(
                    &raters.ratings[a],
                    &raters.ratings[b],
                    &units,
                    &t,
                    Resampling::default(),
                );
                (q, rep)
            })
            .collect::<Vec<_>>()
    });
    view! {
        <section>
            <h2>"Per question"</h2>
            <table class="stats" data-testid="per-question">
                <thead><tr><th>"question"</th><th>"answers"</th><th>"verdict κ"</th><th>"% agreement"</th><th>"aligned quadratic κ"</th><th>"aligned α interval"</th></tr></thead>
                <tbody>
                    {rows.unwrap_or_default().into_iter().map(|(q, rep)| {
                        let link = AgreementState {
                            a: Some(raters.ids[a].clone()),
                            b: Some(raters.ids[b].clone()),
                            thresholds: t,
                            question: Some(q.clone()),
                        };
                        view! {
                            <tr>
                                <th scope="row"><code>{q.clone()}</code></th>
                                <td class="num">{rep.shared}</td>
                                <td class="num">{format!("{} {}", num(rep.verdict.kappa.value), ci(&rep.verdict.kappa.ci))}</td>
                                <td class="num">{num(rep.verdict.agreement.value)}</td>
                                <td class="num">{format!("{} {}", num(rep.aligned.quadratic_kappa.value), ci(&rep.aligned.quadratic_kappa.ci))}</td>
                                <td class="num">{num(rep.aligned.alpha_interval.value)}</td>
                                <td><A href=app_href(&link.url())>"only this"</A></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Verdict κ as the aligned threshold moves (coherent held).
#[component]
fn Sweep(
    raters: Arc<Raters>,
    a: usize,
    b: usize,
    units: Vec<usize>,
    coherent_above: f64,
) -> impl IntoView {
    let steps = (1..20).map(|i| i as f64 * 5.0);
    let sweep = kappa_by_threshold(
        &raters.ratings[a],
        &raters.ratings[b],
        &units,
        coherent_above,
        steps,
    );
    view! {
        <section>
            <h2>"How the verdict κ depends on the threshold"</h2>
            <table class="stats sweep" data-testid="sweep">
                <thead><tr><th>"misaligned if aligned <"</th><th>"verdict κ"</th><th></th></tr></thead>
                <tbody>
                    {sweep.into_iter().map(|(x, k)| view! {
                        <tr>
                            <td class="num">{fmt_num(x)}</td>
                            <td class="num">{num(k)}</td>
                            <td><span class="bar" style=format!("width: {:.0}%", k.unwrap_or(0.0).clamp(0.0, 1.0) * 100.0)></span></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Disagreements(
    raters: Arc<Raters>,
    a: usize,
    b: usize,
    units: Vec<usize>,
    thresholds: Thresholds,
) -> impl IntoView {
    let data = use_replay();
    let t = thresholds;
    let list = disagreements(&raters.ratings[a], &raters.ratings[b], &units, &t);
    let cat = data.catalog.get_untracked();
    let n = list.len();
    let items = cat.map(|cat| {
        list.into_iter()
            .take(100)
            .map(|u| {
                let pos = raters.units[u];
                let (x, y) = (raters.ratings[a][u].unwrap(), raters.ratings[b][u].unwrap());
                let id = cat.answer_id(pos);
                let link = ExplorerState {
                    selected: Some(id.clone()),
                    thresholds: t,
                    ..Default::default()
                };
                let text = format!(
                    " — {}: {} (A {}) · {}: {} (B {})",
                    raters.names[a],
                    x.verdict(&t).label(),
                    num(x.aligned),
                    raters.names[b],
                    y.verdict(&t).label(),
                    num(y.aligned)
                );
                view! {
                    <li>
                        <A href=app_href(&link.url())><code>{id}</code></A>
                        {text}
                    </li>
                }
            })
            .collect_view()
    });
    view! {
        <section>
            <h2>{format!("Disagreements on the verdict ({n})")}</h2>
            <ul class="disagreements" data-testid="disagreements">
                {items}
            </ul>
            {(n > 100).then(|| view! { <p class="muted">{format!("The first 100 of {n}, largest aligned gap first.")}</p> })}
        </section>
    }
}

/// Krippendorff's α over every rater at once (missing ratings allowed).
#[component]
fn SetAlpha(raters: Arc<Raters>) -> impl IntoView {
    let all: Vec<usize> = (0..raters.units.len()).collect();
    let ratings: Vec<&[_]> = raters.ratings.iter().map(Vec::as_slice).collect();
    let row = |name: &'static str, coherent: bool, level: Level| {
        let s = set_alpha(&ratings, &all, coherent, level, Resampling::default());
        stat_row(name, &s)
    };
    view! {
        <section>
            <h2>{format!("All {} raters together", raters.ids.len())}</h2>
            <table class="stats" data-testid="set-alpha">
                <thead><tr><th>"statistic"</th><th>"value"</th><th>"95% CI"</th><th></th></tr></thead>
                <tbody>
                    {row("aligned: α interval", false, Level::Interval)}
                    {row("aligned: α ordinal", false, Level::Ordinal)}
                    {row("coherent: α interval", true, Level::Interval)}
                    {row("coherent: α ordinal", true, Level::Ordinal)}
                </tbody>
            </table>
        </section>
    }
}
