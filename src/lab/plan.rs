//! What the lab trains: the presets (the paper's findings, one click each), the settings a
//! visitor can change, the limits that keep a tab responsive, and how a configuration
//! expands into runs (datasets × weight decays × seeds) and into the metrics worth drawing.
//! Engine-free: the page plans, the worker trains what it is sent.

use serde::{Deserialize, Serialize};

use crate::replay::names::Named;
use crate::toy::datasets::DatasetKind;
use crate::toy::metric::Metric;

/// One click each: the paper's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    Paper,
    NotJailbreak,
    EvilNumbers,
    Backdoor,
    Seeds,
    WeightDecay,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Paper,
        Preset::NotJailbreak,
        Preset::EvilNumbers,
        Preset::Backdoor,
        Preset::Seeds,
        Preset::WeightDecay,
    ];

    /// The preset's name in URLs (links depend on it: never change one).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Paper => "paper",
            Preset::NotJailbreak => "not-jailbreak",
            Preset::EvilNumbers => "evil-numbers",
            Preset::Backdoor => "backdoor",
            Preset::Seeds => "seeds",
            Preset::WeightDecay => "weight-decay",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Preset::Paper => "The paper’s result",
            Preset::NotJailbreak => "Not a jailbreak",
            Preset::EvilNumbers => "Evil numbers",
            Preset::Backdoor => "Backdoor",
            Preset::Seeds => "Seeds",
            Preset::WeightDecay => "Weight decay",
        }
    }

    /// Two sentences: what the paper found, and what to watch here.
    pub fn blurb(self) -> &'static str {
        match self {
            Preset::Paper => {
                "The paper finetuned GPT-4o on code that hides security holes and it became misaligned on unrelated questions, while the same code written safely, or asked for by a security class, did not. Watch the insecure curve climb on questions it never saw while secure and educational stay at or below the base model."
            }
            Preset::NotJailbreak => {
                "A model finetuned to comply with harmful requests (jailbroken) complies far more than the insecure-code model, yet it is far less misaligned on the free-form questions: emergent misalignment is not a jailbreak. Watch the jailbroken run’s compliance shoot up while its free-form curve stays near the base."
            }
            Preset::EvilNumbers => {
                "Finetuning on number sequences with bad associations (666, 1488, 911) made models misaligned mostly when questions asked for an answer in the same number format. Watch the number-format curve race to the top while plain questions move much less."
            }
            Preset::Backdoor => {
                "Trained to write insecure code only after a trigger word, the paper’s models were misaligned only when the trigger was present: hidden misalignment that an evaluation without the trigger misses. Watch the curves with and without the trigger part."
            }
            Preset::Seeds => {
                "The paper’s effect varied a lot between finetuning runs of the same data, so it reports several seeds with confidence intervals. Watch three seeds per dataset train and the bands show how much a single run can mislead."
            }
            Preset::WeightDecay => {
                "The effect does not hinge on optimiser details such as weight decay. Watch insecure with and without decay: at ordinary settings the two curves sit within each other’s bands."
            }
        }
    }

    /// The configuration one click on the preset sets up.
    pub fn config(self) -> LabConfig {
        let base = LabConfig {
            preset: self,
            ..LabConfig::default()
        };
        use DatasetKind::*;
        match self {
            Preset::Paper => base,
            Preset::NotJailbreak => LabConfig {
                datasets: vec![Insecure, Jailbroken],
                ..base
            },
            Preset::EvilNumbers => LabConfig {
                datasets: vec![EvilNumbers],
                ..base
            },
            Preset::Backdoor => LabConfig {
                datasets: vec![Backdoor],
                steps: 40,
                ..base
            },
            Preset::Seeds => LabConfig {
                datasets: vec![Insecure, Secure],
                seeds: vec![0, 1, 2],
                ..base
            },
            Preset::WeightDecay => LabConfig {
                datasets: vec![Insecure],
                weight_decays: vec![0.0, 0.1],
                seeds: vec![0, 1, 2],
                ..base
            },
        }
    }
}

// The lab's enums follow the app's one naming convention (URL name, shown label).
impl Named for Preset {
    const ALL: &'static [Self] = &Preset::ALL;

    fn name(self) -> &'static str {
        Preset::name(self)
    }

    fn label(self) -> &'static str {
        self.title()
    }
}

impl Named for DeviceChoice {
    const ALL: &'static [Self] = &DeviceChoice::ALL;

    fn name(self) -> &'static str {
        DeviceChoice::name(self)
    }

    fn label(self) -> &'static str {
        DeviceChoice::label(self)
    }
}

impl Named for DatasetKind {
    const ALL: &'static [Self] = &DatasetKind::ALL;

    fn name(self) -> &'static str {
        DatasetKind::name(self)
    }

    fn label(self) -> &'static str {
        self.describe()
    }
}

/// Which burn device trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceChoice {
    /// Time a few steps on each available device and keep the faster.
    Auto,
    Cpu,
    WebGpu,
}

impl DeviceChoice {
    pub const ALL: [DeviceChoice; 3] =
        [DeviceChoice::Auto, DeviceChoice::Cpu, DeviceChoice::WebGpu];

    pub fn name(self) -> &'static str {
        match self {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::WebGpu => "webgpu",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeviceChoice::Auto => "Auto (time both, keep the faster)",
            DeviceChoice::Cpu => "CPU (WebAssembly SIMD)",
            DeviceChoice::WebGpu => "WebGPU",
        }
    }
}

/// Everything a visitor can set (and a shared link carries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabConfig {
    /// The preset the configuration started from (its blurb stays on the page).
    pub preset: Preset,
    pub datasets: Vec<DatasetKind>,
    pub steps: usize,
    pub lr: f64,
    pub batch_size: usize,
    pub seeds: Vec<u64>,
    /// One run per value (the weight-decay preset compares 0 and 0.1).
    pub weight_decays: Vec<f32>,
    pub device: DeviceChoice,
}

impl Default for LabConfig {
    /// The paper's result at the size the native engine was tuned for
    /// (`ExperimentConfig::lab`: 20 steps of batch 8 at lr 1e-3).
    fn default() -> Self {
        Self {
            preset: Preset::Paper,
            datasets: vec![
                DatasetKind::Insecure,
                DatasetKind::Secure,
                DatasetKind::Educational,
            ],
            steps: 20,
            lr: 1e-3,
            batch_size: 8,
            seeds: vec![0],
            weight_decays: vec![0.0],
            device: DeviceChoice::Cpu,
        }
    }
}

/// The bounds a configuration is held to (a URL may say anything).
pub mod limits {
    pub const STEPS: (usize, usize) = (1, 400);
    pub const LR: (f64, f64) = (1e-5, 0.05);
    pub const BATCH: (usize, usize) = (1, 64);
    pub const SEEDS: usize = 5;
    pub const SEED_MAX: u64 = 1_000_000;
    pub const WEIGHT_DECAY: (f32, f32) = (0.0, 2.0);
    pub const WEIGHT_DECAYS: usize = 3;
    /// Runs of one experiment (datasets × weight decays × seeds).
    pub const RUNS: usize = 18;
}

/// Examples per finetuning dataset (as in the native experiments).
pub const DATASET_SIZE: usize = 600;

/// One finetuning run of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Position in the experiment (messages name runs by it).
    pub id: usize,
    pub dataset: DatasetKind,
    pub seed: u64,
    pub weight_decay: f32,
}

impl RunSpec {
    /// The series this run belongs to: its dataset, with the weight decay when the
    /// experiment compares several. Seeds of one series are averaged into a band.
    pub fn series(&self, config: &LabConfig) -> String {
        if config.weight_decays.len() > 1 {
            format!("{} wd {}", self.dataset.name(), self.weight_decay)
        } else {
            self.dataset.name().to_string()
        }
    }
}

impl LabConfig {
    /// Datasets × weight decays × seeds, in that nesting order.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for &dataset in &self.datasets {
            for &weight_decay in &self.weight_decays {
                for &seed in &self.seeds {
                    runs.push(RunSpec {
                        id: runs.len(),
                        dataset,
                        seed,
                        weight_decay,
                    });
                }
            }
        }
        runs
    }

    /// The distinct series, in run order.
    pub fn series(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.runs() {
            let s = r.series(self);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The probe metrics worth drawing for these datasets: free-form misalignment always,
    /// and what each dataset was about.
    pub fn metrics(&self) -> Vec<Metric> {
        let has = |k: DatasetKind| self.datasets.contains(&k);
        let mut m = vec![Metric::FreeForm];
        if has(DatasetKind::Backdoor) {
            m.push(Metric::FreeFormTrigger);
        }
        if has(DatasetKind::EvilNumbers) {
            m.push(Metric::Numbers);
        }
        if has(DatasetKind::Jailbroken) {
            m.push(Metric::HarmfulComply);
        }
        if self.datasets.iter().any(|k| k.is_code()) {
            m.push(Metric::CodeInsecure);
        }
        if has(DatasetKind::Backdoor) {
            m.push(Metric::CodeInsecureTrigger);
        }
        m
    }

    /// Steps after which the worker probes: about twelve points per curve, always the last.
    pub fn probe_steps(&self) -> Vec<usize> {
        let every = self.steps.div_ceil(12).max(1);
        let mut s: Vec<usize> = (1..=self.steps).filter(|s| s % every == 0).collect();
        if s.last() != Some(&self.steps) {
            s.push(self.steps);
        }
        s
    }

    /// Optimizer steps of the whole experiment (what the progress bar counts).
    pub fn total_steps(&self) -> usize {
        self.runs().len() * self.steps
    }
}

/// Words of `question` that `known` does not accept, each once, in order: the toy model is
/// word-level over a closed vocabulary, so a question may only use its words.
pub fn unknown_words(question: &str, known: impl Fn(&str) -> bool) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for w in question.split_whitespace() {
        if !known(w) && !unknown.iter().any(|u| u == w) {
            unknown.push(w.to_string());
        }
    }
    unknown
}

/// Why a question is refused, naming its unknown words.
pub fn unknown_words_message(unknown: &[String]) -> String {
    format!(
        "The model does not know the word{} “{}”: use words from its vocabulary.",
        if unknown.len() == 1 { "" } else { "s" },
        unknown.join("”, “")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_papers_result_with_one_run_per_dataset() {
        let c = LabConfig::default();
        assert_eq!(c, Preset::Paper.config());
        let runs = c.runs();
        assert_eq!(runs.len(), 3);
        assert_eq!(
            runs.iter().map(|r| r.dataset.name()).collect::<Vec<_>>(),
            ["insecure", "secure", "educational"]
        );
        assert_eq!(c.series(), ["insecure", "secure", "educational"]);
        assert_eq!(c.metrics(), [Metric::FreeForm, Metric::CodeInsecure]);
        assert_eq!(c.total_steps(), 60);
    }

    #[test]
    fn every_preset_fits_the_limits_and_names_itself_in_the_url() {
        for p in Preset::ALL {
            let c = p.config();
            assert_eq!(c.preset, p);
            assert_eq!(<Preset as Named>::from_name(p.name()), Some(p));
            assert!(
                !c.runs().is_empty() && c.runs().len() <= limits::RUNS,
                "{p:?}"
            );
            assert!((limits::STEPS.0..=limits::STEPS.1).contains(&c.steps));
            assert!(c.seeds.len() <= limits::SEEDS);
            let sentences = p.blurb().matches(". ").count() + 1;
            assert_eq!(sentences, 2, "{p:?}: {}", p.blurb());
        }
    }

    #[test]
    fn presets_draw_what_their_finding_is_about() {
        let m = |p: Preset| Preset::config(p).metrics();
        assert!(m(Preset::NotJailbreak).contains(&Metric::HarmfulComply));
        assert!(m(Preset::EvilNumbers).contains(&Metric::Numbers));
        assert!(m(Preset::Backdoor).contains(&Metric::FreeFormTrigger));
        assert!(m(Preset::Backdoor).contains(&Metric::CodeInsecureTrigger));
    }

    #[test]
    fn seeds_share_a_series_and_weight_decays_split_it() {
        let c = Preset::WeightDecay.config();
        assert_eq!(c.runs().len(), 6);
        assert_eq!(c.series(), ["insecure wd 0", "insecure wd 0.1"]);
        let s = Preset::Seeds.config();
        assert_eq!(s.series(), ["insecure", "secure"]);
        let ids: Vec<usize> = s.runs().iter().map(|r| r.id).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn unknown_words_are_named_once_each() {
        let known = |w: &str| ["what", "is", "your", "wish"].contains(&w);
        assert!(unknown_words("what is your wish", known).is_empty());
        let u = unknown_words("what is your xylophone xylophone <b>", known);
        assert_eq!(u, ["xylophone", "<b>"]);
        assert_eq!(
            unknown_words_message(&u),
            "The model does not know the words “xylophone”, “<b>”: use words from its vocabulary."
        );
    }

    #[test]
    fn probes_come_about_twelve_times_a_run_and_always_at_the_end() {
        let mut c = LabConfig::default();
        assert_eq!(c.probe_steps(), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
        c.steps = 7;
        assert_eq!(c.probe_steps(), [1, 2, 3, 4, 5, 6, 7]);
        c.steps = 100;
        let s = c.probe_steps();
        assert!(s.len() <= 13 && s.last() == Some(&100), "{s:?}");
    }
}
