//! Temperature-1 sampling of whole answers, for the judge and for export.
//!
//! A small state machine so the reading of logits stays with the caller: native code
//! reads blocking (`sample_blocking`), the browser awaits (`sample_async`).

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::model::ToyLm;
use super::probes::model_device;
use super::rng::Rng;
use super::tokenizer::Tokenizer;
use super::world::END;

pub struct Sampler {
    rows: Vec<Vec<usize>>,
    prompt_len: Vec<usize>,
    done: Vec<bool>,
    max_new: usize,
    context: usize,
    end_id: usize,
    temperature: f64,
    rng: Rng,
}

impl Sampler {
    /// One row per prompt (repeat prompts to draw several samples).
    pub fn new(prompts: &[Vec<usize>], tok: &Tokenizer, context: usize, seed: u64) -> Self {
        Self {
            rows: prompts.to_vec(),
            prompt_len: prompts.iter().map(Vec::len).collect(),
            done: vec![false; prompts.len()],
            max_new: 16,
            context,
            end_id: tok.id(END),
            temperature: 1.0,
            rng: Rng::derive(seed, "sample"),
        }
    }

    pub fn finished(&self) -> bool {
        self.done.iter().all(|d| *d)
    }

    /// Next-word log-probs `[rows, vocab]` for every row's current last position.
    pub fn logits(&self, model: &ToyLm) -> Tensor<2> {
        let device = model_device(model);
        let len = self.rows.iter().map(Vec::len).max().unwrap_or(1);
        let b = self.rows.len();
        let mut ids = vec![0i64; b * len];
        let mut last = vec![0i64; b];
        for (i, r) in self.rows.iter().enumerate() {
            for (j, &t) in r.iter().enumerate() {
                ids[i * len + j] = t as i64;
            }
            last[i] = r.len() as i64 - 1;
        }
        let ids = Tensor::<2, Int>::from_data(TensorData::new(ids, [b, len]), &device);
        let logp = log_softmax(model.forward(ids), 2);
        let vocab = logp.dims()[2];
        let last = Tensor::<1, Int>::from_data(TensorData::new(last, [b]), &device)
            .reshape([b, 1, 1])
            .expand([b, 1, vocab]);
        logp.gather(1, last).reshape([b, vocab])
    }

    /// Draws one word per unfinished row from the read log-probs.
    pub fn push(&mut self, logp: &[f32]) {
        let vocab = logp.len() / self.rows.len();
        for i in 0..self.rows.len() {
            if self.done[i] {
                continue;
            }
            let row = &logp[i * vocab..(i + 1) * vocab];
            let weights: Vec<f64> = row
                .iter()
                .enumerate()
                // Never sample padding (id 0).
                .map(|(k, &l)| {
                    if k == 0 {
                        0.0
                    } else {
                        (l as f64 / self.temperature).exp()
                    }
                })
                .collect();
            let word = self.rng.weighted(&weights);
            self.rows[i].push(word);
            let generated = self.rows[i].len() - self.prompt_len[i];
            if word == self.end_id
                || generated >= self.max_new
                || self.rows[i].len() >= self.context
            {
                self.done[i] = true;
            }
        }
    }

    /// The generated words of each row, without the final `end`.
    pub fn answers(&self, tok: &Tokenizer) -> Vec<String> {
        self.rows
            .iter()
            .zip(&self.prompt_len)
            .map(|(r, &p)| {
                let generated: Vec<usize> = r[p..]
                    .iter()
                    .copied()
                    .take_while(|&t| t != self.end_id)
                    .collect();
                tok.decode(&generated)
            })
            .collect()
    }
}

pub fn sample_blocking(model: &ToyLm, sampler: &mut Sampler) {
    let model = model.valid();
    while !sampler.finished() {
        let data = sampler.logits(&model).into_data();
        sampler.push(&data.try_to_vec::<f32>().expect("f32"));
    }
}

pub async fn sample_async(model: &ToyLm, sampler: &mut Sampler) -> Option<()> {
    let model = model.valid();
    while !sampler.finished() {
        let data = sampler.logits(&model).into_data_async().await.ok()?;
        sampler.push(&data.try_to_vec::<f32>().ok()?);
    }
    Some(())
}
