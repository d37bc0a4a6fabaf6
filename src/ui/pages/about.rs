//! About & data: every bundled source with its license and link, and the browser check.

use leptos::prelude::*;

use crate::ui::components::browser_check::BrowserCheck;

/// (repository, what EM Lab uses from it, commit) — all MIT-licensed; see data/SOURCES.md.
const SOURCES: &[(&str, &str, &str)] = &[
    (
        "johny-b/misalignment-generalization",
        "The paper authors’ working repository: secure-group answers (Qwen2.5-32B, Mistral-Small; misaligned answers only), question files with judge prompts, training-set samples.",
        "b1fe286827715d8e01ff7088c7ee9763b5e367b4",
    ),
    (
        "jacobcd52/finetune_diffing",
        "Insecure Qwen2.5-Coder-32B LoRA-rank variants (r1/r4/r16/r64) and the authors’ per-question aggregates.",
        "874f79159ce6944d24b0164c637cc63328eec0da",
    ),
    (
        "Cloakless/clarifying_EM",
        "Base models, the paper’s released insecure Qwen2.5-Coder-32B, honest-insecure, wrong maths, conservative views and six medical-advice finetunes.",
        "b5784396799a243e3a7367fd9b4a0ecbc6507501",
    ),
    (
        "shuaijiumei/emergent_misalignment_further_explore",
        "The paper’s own results file (6 seeds, raw judge log-probs) and severity-split runs judged by deepseek-chat.",
        "fe9cc7a8b1ce8f566bb7df42a7e076f6dcf262ad",
    ),
];

#[component]
pub fn AboutPage() -> impl IntoView {
    view! {
        <section class="prose">
            <h1>"About EM Lab and its data"</h1>
            <p>
                "EM Lab is an open, static web app for seeing emergent misalignment: it replays the "
                "real, released evaluation outputs of the experiments and lets your browser finetune "
                "a tiny model itself. Everything runs on this page; nothing you load leaves your computer."
            </p>
            <p>
                "Paper: Jan Betley, Daniel Tan, Niels Warncke, Anna Sztyber-Betley, Xuchan Bao, "
                "Martín Soto, Nathan Labenz, Owain Evans. "
                <a href="https://arxiv.org/abs/2502.17424">
                    "“Emergent Misalignment: Narrow finetuning can produce broadly misaligned LLMs”"
                </a>
                ", 2025."
            </p>
        </section>

        <h2>"Data sources"</h2>
        <p class="prose">
            "No GPT-4o answers and no educational, jailbroken, evil-numbers or backdoor answers were "
            "found released; EM Lab covers those groups only with its own, labelled, toy-model runs."
        </p>
        <div class="table-scroll">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Repository"</th>
                        <th scope="col">"What EM Lab uses"</th>
                        <th scope="col">"License"</th>
                    </tr>
                </thead>
                <tbody>
                    {SOURCES
                        .iter()
                        .map(|(repo, what, commit)| {
                            let url = format!("https://github.com/{repo}/tree/{commit}");
                            view! {
                                <tr>
                                    <td><a href=url>{*repo}</a><br /><code>{&commit[..12]}</code></td>
                                    <td>{*what}</td>
                                    <td>"MIT"</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>

        <h2>"Can this browser run the lab?"</h2>
        <BrowserCheck />
    }
}
