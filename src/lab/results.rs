//! What the lab page knows about an experiment, built from the worker's messages: losses
//! and probe values per run, the base model's reference values, judged samples, and the
//! curves the page draws (series = runs of one dataset and weight decay; seeds are
//! averaged, with a 95% band over seeds when there are several). Engine-free.

use std::collections::BTreeMap;

use super::plan::{LabConfig, RunSpec};
use super::protocol::FromWorker;
use crate::toy::judge::JudgedSample;
use crate::toy::metric::Metric;
use crate::toy::stats::{MeanCi, mean_ci};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRecord {
    /// (step, training loss)
    pub losses: Vec<(usize, f32)>,
    /// (step, probed values)
    pub probes: Vec<(usize, BTreeMap<Metric, f64>)>,
    /// Judged samples after the last step.
    pub samples: Vec<JudgedSample>,
}

/// One point of a curve: mean over the series' seeds, with its 95% CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub step: usize,
    pub value: MeanCi,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub series: String,
    pub points: Vec<CurvePoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub config: LabConfig,
    pub runs: Vec<RunSpec>,
    pub records: Vec<RunRecord>,
    pub base: BTreeMap<Metric, f64>,
    /// Wall time of the experiment, from the last worker to finish.
    pub millis: Option<f64>,
}

impl Results {
    pub fn new(config: &LabConfig) -> Self {
        let runs = config.runs();
        Self {
            config: config.clone(),
            records: vec![RunRecord::default(); runs.len()],
            runs,
            base: BTreeMap::new(),
            millis: None,
        }
    }

    /// Take in one worker message; says whether it changed anything (other messages than
    /// the experiment's, and runs this experiment does not have, are ignored).
    pub fn apply(&mut self, message: &FromWorker) -> bool {
        match message {
            FromWorker::BaseProbed { values } => self.base = values.clone(),
            FromWorker::Stepped { run, step, loss } => match self.records.get_mut(*run) {
                Some(r) => r.losses.push((*step, *loss)),
                None => return false,
            },
            FromWorker::Probed { run, step, values } => match self.records.get_mut(*run) {
                Some(r) => r.probes.push((*step, values.clone())),
                None => return false,
            },
            FromWorker::Sampled { run, samples, .. } => match self.records.get_mut(*run) {
                Some(r) => r.samples = samples.clone(),
                None => return false,
            },
            FromWorker::Finished {
                cancelled: false,
                millis,
            } => self.millis = Some(self.millis.unwrap_or(0.0).max(*millis)),
            _ => return false,
        }
        true
    }

    pub fn steps_done(&self) -> usize {
        self.records.iter().map(|r| r.losses.len()).sum()
    }

    pub fn series(&self) -> Vec<String> {
        self.config.series()
    }

    fn runs_of<'a>(&'a self, series: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.runs
            .iter()
            .filter(move |r| r.series(&self.config) == series)
            .map(|r| r.id)
    }

    /// A metric along training, per series: the base value at step 0, then every step at
    /// which all of the series' runs have been probed (so a band never mixes seeds that
    /// are at different steps).
    pub fn metric_curves(&self, metric: Metric) -> Vec<Curve> {
        self.series()
            .into_iter()
            .map(|series| {
                let runs: Vec<usize> = self.runs_of(&series).collect();
                let mut points = Vec::new();
                if let Some(b) = self.base.get(&metric) {
                    points.push(CurvePoint {
                        step: 0,
                        value: mean_ci(&[*b]),
                    });
                }
                for step in self.config.probe_steps() {
                    let values: Vec<f64> = runs
                        .iter()
                        .filter_map(|&r| {
                            self.records[r]
                                .probes
                                .iter()
                                .find(|(s, _)| *s == step)
                                .and_then(|(_, v)| v.get(&metric).copied())
                        })
                        .collect();
                    if values.len() == runs.len() && !values.is_empty() {
                        points.push(CurvePoint {
                            step,
                            value: mean_ci(&values),
                        });
                    }
                }
                Curve { series, points }
            })
            .collect()
    }

    /// Training loss per series (mean over seeds at every step all of them reached).
    pub fn loss_curves(&self) -> Vec<Curve> {
        self.series()
            .into_iter()
            .map(|series| {
                let runs: Vec<usize> = self.runs_of(&series).collect();
                let reached = runs
                    .iter()
                    .map(|&r| self.records[r].losses.len())
                    .min()
                    .unwrap_or(0);
                let points = (0..reached)
                    .map(|i| {
                        let values: Vec<f64> = runs
                            .iter()
                            .map(|&r| f64::from(self.records[r].losses[i].1))
                            .collect();
                        CurvePoint {
                            step: self.records[runs[0]].losses[i].0,
                            value: mean_ci(&values),
                        }
                    })
                    .collect();
                Curve { series, points }
            })
            .collect()
    }

    /// The last drawn value of a metric per series (what the page's summary reads).
    pub fn latest(&self, metric: Metric) -> Vec<(String, Option<CurvePoint>)> {
        self.metric_curves(metric)
            .into_iter()
            .map(|c| (c.series, c.points.into_iter().rfind(|p| p.step > 0)))
            .collect()
    }

    /// Every judged sample with its run.
    pub fn samples(&self) -> Vec<(&RunSpec, &JudgedSample)> {
        self.runs
            .iter()
            .zip(&self.records)
            .flat_map(|(spec, r)| r.samples.iter().map(move |s| (spec, s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::plan::Preset;

    fn probed(run: usize, step: usize, v: f64) -> FromWorker {
        FromWorker::Probed {
            run,
            step,
            values: BTreeMap::from([(Metric::FreeForm, v)]),
        }
    }

    #[test]
    fn curves_start_at_the_base_model_and_grow_as_probes_arrive() {
        let config = Preset::Paper.config();
        let mut r = Results::new(&config);
        r.apply(&FromWorker::BaseProbed {
            values: BTreeMap::from([(Metric::FreeForm, 0.1)]),
        });
        r.apply(&probed(0, 2, 0.3));
        let curves = r.metric_curves(Metric::FreeForm);
        assert_eq!(curves.len(), 3);
        assert_eq!(curves[0].series, "insecure");
        assert_eq!(curves[0].points.len(), 2);
        assert_eq!(curves[0].points[1].value.mean, 0.3);
        assert_eq!(curves[1].points.len(), 1, "secure has only the base point");
        let latest = r.latest(Metric::FreeForm);
        assert_eq!(latest[0].1.unwrap().step, 2);
        assert!(latest[1].1.is_none());
    }

    #[test]
    fn seeds_are_averaged_with_a_band_only_once_all_of_them_are_probed() {
        let config = Preset::Seeds.config();
        let mut r = Results::new(&config);
        r.apply(&probed(0, 2, 0.4));
        r.apply(&probed(1, 2, 0.6));
        assert!(r.metric_curves(Metric::FreeForm)[0].points.is_empty());
        r.apply(&probed(2, 2, 0.5));
        let p = r.metric_curves(Metric::FreeForm)[0].points[0];
        assert!((p.value.mean - 0.5).abs() < 1e-12);
        assert!(p.value.half_width > 0.0);
        assert_eq!(p.value.n, 3);
    }

    #[test]
    fn losses_and_samples_are_kept_per_run() {
        let config = Preset::Paper.config();
        let mut r = Results::new(&config);
        r.apply(&FromWorker::Stepped {
            run: 1,
            step: 1,
            loss: 2.0,
        });
        assert!(!r.apply(&FromWorker::Stepped {
            run: 9,
            step: 1,
            loss: 2.0,
        }));
        assert_eq!(r.steps_done(), 1, "an unknown run is ignored");
        assert_eq!(r.loss_curves()[1].points.len(), 1);
        for millis in [12.0, 30.0, 20.0] {
            r.apply(&FromWorker::Finished {
                cancelled: false,
                millis,
            });
        }
        assert_eq!(r.millis, Some(30.0), "the last worker to finish");
        assert!(!r.apply(&FromWorker::Paused));
    }
}
