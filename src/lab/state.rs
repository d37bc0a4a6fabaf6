//! The lab's configuration as a URL query, so a shared link sets up the same run.
//!
//! Every setting is written out (not only what differs from the preset), so a link keeps
//! meaning the same run even if a preset's defaults change. Reading is forgiving: unknown
//! names, absurd numbers and too many runs fall back to limits or defaults, each with a
//! note the page shows; nothing in a URL can make the lab crash or train for an hour.
//! Built on the Replay pages' query primitives (`replay::state`), the one URL encoder.

use crate::replay::names::Named;
use crate::replay::state::{PageState, Pairs, Query, fmt_num};
use crate::toy::datasets::DatasetKind;

use super::plan::{DeviceChoice, LabConfig, Preset, limits};

/// A configuration read from a URL, with what had to be changed to make it valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub config: LabConfig,
    /// One sentence per value that was replaced or clamped.
    pub notes: Vec<String>,
    /// `workers=N`: how many workers train (for measuring; the page picks one per core).
    pub workers: Option<usize>,
}

impl LabConfig {
    /// The configuration's query (a link to the lab with these settings).
    pub fn to_query(&self) -> String {
        self.query().finish()
    }

    fn query(&self) -> Query {
        let mut q = Query::default();
        q.names("preset", &[self.preset]);
        q.names("data", &self.datasets);
        q.push("steps", &self.steps.to_string());
        q.push("lr", &format!("{}", self.lr));
        q.push("batch", &self.batch_size.to_string());
        for s in &self.seeds {
            q.push("seed", &s.to_string());
        }
        for w in &self.weight_decays {
            q.push("wd", &fmt_num(f64::from(*w)));
        }
        q.names("device", &[self.device]);
        q
    }
}

/// The lab page's URL state: the configuration, and `workers=N` when the URL gave it.
impl PageState for Decoded {
    const PATH: &'static str = "/lab";

    fn to_query(&self) -> String {
        let mut q = self.config.query();
        if let Some(w) = self.workers {
            q.push("workers", &w.to_string());
        }
        q.finish()
    }

    fn from_pairs(p: &Pairs) -> Decoded {
        let mut notes = Vec::new();
        let preset = match p.get("preset") {
            None => Preset::Paper,
            Some(name) => p.named::<Preset>("preset").unwrap_or_else(|| {
                notes.push(format!(
                    "There is no preset “{name}”: showing “{}”.",
                    Preset::Paper.title()
                ));
                Preset::Paper
            }),
        };
        let mut c = preset.config();

        if p.has("data") {
            let mut datasets = Vec::new();
            for name in p.all("data") {
                match <DatasetKind as Named>::from_name(&name) {
                    Some(k) if !datasets.contains(&k) => datasets.push(k),
                    Some(_) => {}
                    None => notes.push(format!("There is no dataset “{name}”: left out.")),
                }
            }
            if datasets.is_empty() {
                notes.push("No known dataset was given: using the preset’s.".into());
            } else {
                c.datasets = datasets;
            }
        }
        if let Some(text) = p.get("steps") {
            c.steps = bounded("Steps", text, c.steps, limits::STEPS, &mut notes);
        }
        if let Some(text) = p.get("batch") {
            c.batch_size = bounded("Batch size", text, c.batch_size, limits::BATCH, &mut notes);
        }
        if let Some(text) = p.get("lr") {
            c.lr = bounded("The learning rate", text, c.lr, limits::LR, &mut notes);
        }
        if p.has("seed") {
            let mut seeds = Vec::new();
            for text in p.all("seed") {
                match text.parse::<u64>() {
                    Ok(s) if s <= limits::SEED_MAX => {
                        if !seeds.contains(&s) {
                            seeds.push(s);
                        }
                    }
                    _ => notes.push(format!(
                        "Seed “{text}” is not a whole number from 0 to {}: left out.",
                        limits::SEED_MAX
                    )),
                }
            }
            keep_at_most(&mut seeds, limits::SEEDS, "seeds", &mut notes);
            if !seeds.is_empty() {
                c.seeds = seeds;
            }
        }
        if p.has("wd") {
            let mut decays = Vec::new();
            for text in p.all("wd") {
                let d = bounded(
                    "Weight decay",
                    &text,
                    f32::NAN,
                    limits::WEIGHT_DECAY,
                    &mut notes,
                );
                if d.is_finite() && !decays.contains(&d) {
                    decays.push(d);
                }
            }
            keep_at_most(
                &mut decays,
                limits::WEIGHT_DECAYS,
                "weight decays",
                &mut notes,
            );
            if !decays.is_empty() {
                c.weight_decays = decays;
            }
        }
        if let Some(name) = p.get("device") {
            match <DeviceChoice as Named>::from_name(name) {
                Some(d) => c.device = d,
                None => notes.push(format!("There is no device “{name}”: using the CPU.")),
            }
        }
        let before = c.runs().len();
        while c.runs().len() > limits::RUNS {
            if c.seeds.len() > 1 {
                c.seeds.pop();
            } else if c.weight_decays.len() > 1 {
                c.weight_decays.pop();
            } else {
                c.datasets.pop();
            }
        }
        if c.runs().len() < before {
            notes.push(format!(
                "{before} runs are too many for one page: keeping {}.",
                c.runs().len()
            ));
        }
        let workers = p
            .get("workers")
            .and_then(|w| w.parse::<usize>().ok())
            .map(|w| w.clamp(1, super::driver::MAX_WORKERS));
        Decoded {
            config: c,
            notes,
            workers,
        }
    }
}

impl LabConfig {
    /// This configuration with one setting as the visitor typed it (`seed` and `wd` take
    /// lists, comma- or space-separated), read by the same rules and limits as a URL.
    pub fn with_setting(&self, key: &str, text: &str) -> Decoded {
        let query = self.to_query();
        let current = crate::replay::state::decode_query(&query);
        let mut pairs: Vec<(String, String)> =
            current.into_iter().filter(|(k, _)| k != key).collect();
        let values: Vec<&str> = if matches!(key, "seed" | "wd") {
            text.split([',', ' ']).filter(|v| !v.is_empty()).collect()
        } else {
            vec![text.trim()]
        };
        pairs.extend(values.into_iter().map(|v| (key.to_string(), v.to_string())));
        Decoded::from_pairs(&Pairs::of(pairs.iter().map(|(k, v)| (k, v.as_str()))))
    }
}

/// The first `max` of a list from the URL, with a note when some were dropped.
fn keep_at_most<T>(values: &mut Vec<T>, max: usize, what: &str, notes: &mut Vec<String>) {
    if values.len() > max {
        notes.push(format!("At most {max} {what}: keeping the first."));
        values.truncate(max);
    }
}

/// A number from the URL within `(low, high)`: clamped when out of range, `fallback`
/// when not a number; either way with a note.
fn bounded<T>(
    what: &str,
    text: &str,
    fallback: T,
    (low, high): (T, T),
    notes: &mut Vec<String>,
) -> T
where
    T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
{
    let lower = text.trim().to_ascii_lowercase();
    // "inf" and "NaN" parse as floats, but are no setting.
    let parsed = if lower.contains("inf") || lower.contains("nan") {
        None
    } else {
        lower.parse::<T>().ok()
    };
    match parsed {
        Some(v) if v >= low && v <= high => v,
        Some(v) if v < low => {
            notes.push(format!(
                "{what} {v} is below the lowest allowed, {low}: using {low}."
            ));
            low
        }
        Some(v) if v > high => {
            notes.push(format!(
                "{what} {v} is above the highest allowed, {high}: using {high}."
            ));
            high
        }
        _ => {
            notes.push(format!(
                "{what} “{text}” is not a number: using the default."
            ));
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode a query string the way the router would (the Replay pages' test helper).
    fn decode(query: &str) -> Decoded {
        let owned = crate::replay::state::tests::decode(query);
        Decoded::from_pairs(&Pairs::of(owned.iter().map(|(k, v)| (k, v.as_str()))))
    }

    #[test]
    fn every_preset_round_trips_through_its_url() {
        for p in Preset::ALL {
            let c = p.config();
            let d = decode(&c.to_query());
            assert_eq!(d.config, c, "{}", c.to_query());
            assert!(d.notes.is_empty(), "{:?}", d.notes);
        }
    }

    #[test]
    fn an_edited_configuration_round_trips() {
        let c = LabConfig {
            datasets: vec![DatasetKind::Backdoor, DatasetKind::EvilNumbers],
            steps: 55,
            lr: 3e-4,
            batch_size: 12,
            seeds: vec![7, 3],
            weight_decays: vec![0.0, 0.25],
            device: DeviceChoice::Auto,
            ..Preset::Backdoor.config()
        };
        let q = c.to_query();
        assert_eq!(decode(&q).config, c, "{q}");
        assert!(q.contains("lr=0.0003"), "{q}");
    }

    #[test]
    fn an_empty_url_is_the_default_without_notes() {
        let d = decode("");
        assert_eq!(d.config, LabConfig::default());
        assert!(d.notes.is_empty());
    }

    #[test]
    fn absurd_values_fall_back_to_limits_with_a_note_each() {
        let d =
            decode("steps=1000000000&lr=-1&batch=abc&data=teleport&data=secure&seed=-3&device=tpu");
        let c = &d.config;
        assert_eq!(c.steps, limits::STEPS.1);
        assert_eq!(c.lr, limits::LR.0);
        assert_eq!(c.batch_size, LabConfig::default().batch_size);
        assert_eq!(c.datasets, [DatasetKind::Secure]);
        assert_eq!(c.seeds, [0]);
        assert_eq!(c.device, DeviceChoice::Cpu);
        assert_eq!(d.notes.len(), 6, "{:#?}", d.notes);
        assert!(d.notes.iter().any(|n| n.contains("teleport")));
        assert!(d.notes.iter().any(|n| n.contains("1000000000")));
    }

    #[test]
    fn not_a_number_and_infinity_are_caught() {
        let d = decode("lr=NaN&wd=inf&steps=1e3&preset=nope");
        assert_eq!(d.config.lr, LabConfig::default().lr);
        assert_eq!(d.config.weight_decays, [0.0]);
        assert_eq!(d.config.steps, 20);
        assert_eq!(d.notes.len(), 4, "{:#?}", d.notes);
    }

    #[test]
    fn a_typed_setting_follows_the_url_rules_with_a_note() {
        let c = LabConfig::default();
        let d = c.with_setting("steps", "1000");
        assert_eq!(d.config.steps, limits::STEPS.1);
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert_eq!(c.with_setting("seed", "3, 4 7").config.seeds, [3, 4, 7]);
        assert_eq!(c.with_setting("lr", "abc").config, c);
        assert_eq!(
            c.with_setting("wd", "0,0.1").config.weight_decays,
            [0.0, 0.1]
        );
    }

    #[test]
    fn a_worker_count_is_read_within_bounds() {
        assert_eq!(decode("workers=2").workers, Some(2));
        assert_eq!(
            decode("workers=99").workers,
            Some(super::super::driver::MAX_WORKERS)
        );
        assert_eq!(decode("workers=x").workers, None);
        assert_eq!(decode("").workers, None);
    }

    #[test]
    fn too_many_runs_are_cut_to_the_limit() {
        let all = DatasetKind::ALL
            .map(|k| format!("data={}", k.name()))
            .join("&");
        let d = decode(&format!(
            "{all}&seed=1&seed=2&seed=3&seed=4&seed=5&wd=0&wd=0.1&wd=0.5"
        ));
        assert!(d.config.runs().len() <= limits::RUNS);
        assert!(
            d.notes.iter().any(|n| n.contains("too many")),
            "{:?}",
            d.notes
        );
    }
}
