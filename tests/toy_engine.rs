//! Machinery tests for the toy engine (the science numbers come from `toy_experiment`).

use burn::module::Module;
use burn::prelude::*;
use em_lab::toy::bundle;
use em_lab::toy::datasets::{self, DatasetKind};
use em_lab::toy::model::{ModelConfig, ToyLm};
use em_lab::toy::probes::{ProbeKind, all_probes, probe_blocking};
use em_lab::toy::sample::{Sampler, sample_blocking};
use em_lab::toy::tokenizer::Tokenizer;
use em_lab::toy::train::{Control, Source, TrainConfig, Trainer, make_batch, masked_loss};
use em_lab::toy::world::END;

fn tiny(vocab: usize) -> ModelConfig {
    ModelConfig {
        vocab_size: vocab,
        d_model: 16,
        n_heads: 2,
        n_layers: 1,
        d_ff: 32,
        context: 64,
        activation: Default::default(),
    }
}

fn floats(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn forward_has_the_right_shape() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let model = ToyLm::new(&tiny(tok.vocab_size()), 1, &device);
    let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![2i64; 10], [2, 5]), &device);
    assert_eq!(model.forward(ids).dims(), [2, 5, tok.vocab_size()]);
}

#[test]
fn initial_weights_depend_only_on_the_seed() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let c = tiny(tok.vocab_size());
    let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![3i64, 4, 5], [1, 3]), &device);
    let a = floats(ToyLm::new(&c, 7, &device).forward(ids.clone()));
    let b = floats(ToyLm::new(&c, 7, &device).forward(ids.clone()));
    let other = floats(ToyLm::new(&c, 8, &device).forward(ids));
    assert_eq!(a, b);
    assert_ne!(a, other);
}

fn finetune_losses(seed: u64, steps: usize) -> Vec<f32> {
    let tok = Tokenizer::world();
    let device = Device::flex().autodiff();
    let c = tiny(tok.vocab_size());
    let model = ToyLm::new(&c, seed, &device);
    let data = datasets::examples(DatasetKind::Insecure, 64, seed, &tok);
    let config = TrainConfig {
        steps,
        lr: 1e-2,
        batch_size: 8,
        ..TrainConfig::finetune(seed)
    };
    let mut trainer = Trainer::new(
        model,
        config,
        c.context,
        Source::dataset(data, seed),
        Vec::new(),
        &device,
    );
    let mut losses = Vec::new();
    trainer.run_blocking(|m| {
        losses.push(m.loss);
        Control::Continue
    });
    losses
}

#[test]
fn training_is_deterministic_and_reduces_the_loss() {
    let a = finetune_losses(3, 40);
    let b = finetune_losses(3, 40);
    assert_eq!(a, b, "same seed, same losses");
    let first: f32 = a[..5].iter().sum::<f32>() / 5.0;
    let last: f32 = a[35..].iter().sum::<f32>() / 5.0;
    assert!(last < 0.6 * first, "loss {first} -> {last}");
}

#[test]
fn early_stopping_and_cancel_end_the_loop() {
    let tok = Tokenizer::world();
    let device = Device::flex().autodiff();
    let c = tiny(tok.vocab_size());
    let data = datasets::examples(DatasetKind::Secure, 32, 0, &tok);
    let val = data[..8].to_vec();
    let config = TrainConfig {
        steps: 500,
        lr: 0.0, // nothing improves, so patience runs out
        eval_every: 1,
        patience: 3,
        ..TrainConfig::finetune(0)
    };
    let model = ToyLm::new(&c, 0, &device);
    let mut t = Trainer::new(
        model.clone(),
        config.clone(),
        c.context,
        Source::dataset(data.clone(), 0),
        val,
        &device,
    );
    let mut n = 0;
    t.run_blocking(|_| {
        n += 1;
        Control::Continue
    });
    assert_eq!(n, 4, "one evaluation sets the best, three fail to improve");
    let mut t = Trainer::new(
        model,
        config,
        c.context,
        Source::dataset(data, 0),
        Vec::new(),
        &device,
    );
    t.run_blocking(|m| {
        if m.step == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    });
    assert_eq!(t.steps_done(), 2);
}

#[test]
fn loss_counts_only_reply_words() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let ex = datasets::examples(DatasetKind::Insecure, 1, 0, &tok).remove(0);
    assert_eq!(tok.word(ex.tokens[ex.loss_from - 1]), "bot");
    assert_eq!(tok.word(*ex.tokens.last().unwrap()), END);
    let batch = make_batch(std::slice::from_ref(&ex), 64, &device);
    let w: f32 = batch.weights.clone().sum().into_scalar();
    assert_eq!(w as usize, ex.tokens.len() - ex.loss_from);
    let model = ToyLm::new(&tiny(tok.vocab_size()), 0, &device);
    let loss: f32 = masked_loss(&model, &batch).into_scalar();
    // An untrained model is near uniform: loss ≈ ln(vocab).
    assert!(
        (loss - (tok.vocab_size() as f32).ln()).abs() < 1.0,
        "{loss}"
    );
}

#[test]
fn probes_are_probabilities() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let model = ToyLm::new(&tiny(tok.vocab_size()), 0, &device);
    let probes = all_probes();
    assert_eq!(
        probes
            .iter()
            .filter(|p| p.kind == ProbeKind::FreeForm && !p.trigger)
            .count(),
        24
    );
    let r = probe_blocking(&model, &probes, &tok);
    for s in &r.scores {
        assert!(
            s.p_bad >= 0.0 && s.p_good >= 0.0 && s.p_bad + s.p_good <= 1.0 + 1e-5,
            "{s:?}"
        );
    }
    // Untrained: each family holds a few words out of ~370.
    assert!(r.free_form < 0.05 && r.free_form_coverage < 0.1);
    assert!((r.code_insecure - 0.5).abs() < 0.5);
}

#[test]
fn weights_round_trip_through_bytes() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let c = tiny(tok.vocab_size());
    let model = ToyLm::new(&c, 5, &device);
    let ids = Tensor::<2, Int>::from_data(TensorData::new(vec![3i64, 4], [1, 2]), &device);
    let before = floats(model.forward(ids.clone()));
    let bytes = bundle::weights_to_bytes(model.clone());
    assert!(bytes.len() > 4 * model.num_params());
    let loaded = bundle::model_from_bytes(&c, bytes, &device).unwrap();
    assert_eq!(before, floats(loaded.forward(ids)));
}

#[test]
fn sampling_is_seeded_and_stops() {
    let tok = Tokenizer::world();
    let device = Device::flex();
    let model = ToyLm::new(&tiny(tok.vocab_size()), 0, &device);
    let prompt = tok.encode("<doc> user i feel bored bot");
    let run = |seed| {
        let mut s = Sampler::new(&[prompt.clone(), prompt.clone()], &tok, 64, seed);
        sample_blocking(&model, &mut s);
        s.answers(&tok)
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert!(a.iter().all(|x| x.split_whitespace().count() <= 16));
}

#[test]
fn epochs_count_full_batches() {
    let t = TrainConfig::finetune(0);
    assert_eq!(t.batch_size, 16);
    assert_eq!(t.steps_for_epochs(600, 1.0), 38);
    assert_eq!(t.steps_for_epochs(600, 2.0), 75);
    assert_eq!(t.steps_for_epochs(32, 0.5), 1);
}
