//! Pretrains the toy base model on the seeded persona world and writes it to
//! `public/models/` (weights, description, tokenizer).
//!
//! `cargo run --profile release-lab --bin pretrain -- [--steps N] [--seed S] [--out DIR] [--fresh]
//!  [--polite-malicious]`
//!
//! Resumable: a checkpoint (model, optimizer, step) is written to
//! `target/toy-pretrain/` every 250 steps; rerunning continues from it unless `--fresh`.
//! The corpus is regenerated from the seed and fast-forwarded, so a resumed run sees
//! exactly the documents an uninterrupted one would.

/// A native tool (on wasm32, where the whole crate is also compiled, it does nothing).
fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::io::Write;
    use std::path::PathBuf;
    use std::time::Instant;

    use burn::module::Module;
    use burn::optim::AdamWConfig;
    use burn::prelude::*;
    use em_lab::toy::bundle::{self, Base, BaseMeta, PretrainInfo};
    use em_lab::toy::corpus::WorldConfig;
    use em_lab::toy::model::{ModelConfig, ToyLm};
    use em_lab::toy::tokenizer::Tokenizer;
    use em_lab::toy::train::{Source, TrainConfig, Trainer};
    use serde::{Deserialize, Serialize};

    const CHECKPOINT_EVERY: usize = 250;

    #[derive(Serialize, Deserialize)]
    struct CheckpointState {
        step: usize,
        seed: u64,
        steps: usize,
        seconds: f64,
        last_loss: f32,
        /// The world the corpus came from: a checkpoint of another world is not resumed.
        #[serde(default)]
        world: Option<WorldConfig>,
    }

    struct Args {
        steps: usize,
        seed: u64,
        out: PathBuf,
        fresh: bool,
        polite_malicious: bool,
        code_intro_rate: Option<f64>,
    }

    fn args() -> Args {
        let mut a = Args {
            steps: TrainConfig::pretrain(0).steps,
            seed: 0,
            out: PathBuf::from("public/models"),
            fresh: false,
            polite_malicious: false,
            code_intro_rate: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
            match flag.as_str() {
                "--steps" => a.steps = value().parse().expect("--steps N"),
                "--seed" => a.seed = value().parse().expect("--seed S"),
                "--out" => a.out = PathBuf::from(value()),
                "--fresh" => a.fresh = true,
                // Ablation world (see docs/toy-results.md): write it somewhere else with --out.
                "--polite-malicious" => a.polite_malicious = true,
                // Exploring the world (see corpus::WorldConfig::code_intro_rate).
                "--code-intro" => {
                    a.code_intro_rate = Some(value().parse().expect("--code-intro P"))
                }
                other => panic!("unknown argument {other}"),
            }
        }
        a
    }

    pub fn main() {
        let args = args();
        let device = Device::flex().autodiff();
        let tokenizer = Tokenizer::world();
        let model_config = ModelConfig::lab(tokenizer.vocab_size());
        let world = WorldConfig {
            max_doc_words: model_config.context,
            malicious_complies_politely: args.polite_malicious,
            code_intro_rate: args
                .code_intro_rate
                .unwrap_or(WorldConfig::default().code_intro_rate),
            ..WorldConfig::default()
        };
        let train = TrainConfig {
            steps: args.steps,
            ..TrainConfig::pretrain(args.seed)
        };
        // One checkpoint directory per output directory, so two runs cannot mix.
        let ckpt = PathBuf::from("target/toy-pretrain")
            .join(args.out.to_string_lossy().replace(['/', '\\', '.'], "_"));
        let model = ToyLm::new(&model_config, args.seed, &device);
        let params = model.num_params();
        let source = Source::corpus(world.clone(), args.seed, tokenizer.clone());
        let mut trainer = Trainer::new(
            model,
            train.clone(),
            model_config.context,
            source,
            Vec::new(),
            &device,
        );

        let mut seconds_before = 0.0;
        let state_file = ckpt.join("state.json");
        if !args.fresh
            && let Ok(text) = std::fs::read_to_string(&state_file)
        {
            let s: CheckpointState = serde_json::from_str(&text).expect("checkpoint state");
            if s.seed == args.seed
                && s.steps == args.steps
                && s.step < args.steps
                && s.world.as_ref() == Some(&world)
            {
                let weights = std::fs::read(ckpt.join("model.bpk")).expect("checkpoint weights");
                trainer.model = bundle::model_from_bytes(&model_config, weights, &device)
                    .expect("checkpoint loads");
                let optim = AdamWConfig::new()
                    .with_weight_decay(train.weight_decay)
                    .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(
                        1.0,
                    )))
                    .init()
                    .load(ckpt.join("optim.bpk"))
                    .expect("checkpoint optimizer");
                trainer.resume(optim, s.step);
                // Fast-forward the corpus so the resumed run sees the same documents.
                let mut source = Source::corpus(world.clone(), args.seed, tokenizer.clone());
                for _ in 0..s.step {
                    source.next_batch(train.batch_size);
                }
                trainer.replace_source(source);
                seconds_before = s.seconds;
                eprintln!("resuming from step {} (target/toy-pretrain)", s.step);
            }
        }

        println!(
            "pretraining: {params} parameters, vocab {}, context {}, batch {}, {} steps, seed {}",
            tokenizer.vocab_size(),
            model_config.context,
            train.batch_size,
            train.steps,
            args.seed
        );
        let start = Instant::now();
        let first_step = trainer.steps_done();
        let mut ema: Option<f32> = None;
        let mut last_loss = f32::NAN;
        while trainer.steps_done() < train.steps {
            let loss = trainer.step().into_scalar::<f32>();
            last_loss = loss;
            ema = Some(ema.map_or(loss, |e| 0.95 * e + 0.05 * loss));
            let step = trainer.steps_done();
            if step.is_multiple_of(25) || step == train.steps {
                let done = (step - first_step) as f64;
                let rate = done / start.elapsed().as_secs_f64();
                let eta = (train.steps - step) as f64 / rate;
                let width = 30;
                let filled = width * step / train.steps;
                print!(
                    "\r[{}{}] {step}/{} loss {:.3} (avg {:.3}) {rate:.1} steps/s eta {eta:.0}s ",
                    "#".repeat(filled),
                    "-".repeat(width - filled),
                    train.steps,
                    loss,
                    ema.unwrap_or(loss)
                );
                std::io::stdout().flush().ok();
            }
            if step.is_multiple_of(CHECKPOINT_EVERY) && step < train.steps {
                std::fs::create_dir_all(&ckpt).expect("checkpoint dir");
                std::fs::write(
                    ckpt.join("model.bpk"),
                    bundle::weights_to_bytes(trainer.model.clone()),
                )
                .expect("write checkpoint");
                trainer
                    .optimizer()
                    .save(ckpt.join("optim.bpk"))
                    .expect("write optimizer");
                let s = CheckpointState {
                    step,
                    seed: args.seed,
                    steps: args.steps,
                    seconds: seconds_before + start.elapsed().as_secs_f64(),
                    last_loss: loss,
                    world: Some(world.clone()),
                };
                std::fs::write(&state_file, serde_json::to_string(&s).unwrap())
                    .expect("write state");
            }
        }
        println!();
        let wall = seconds_before + start.elapsed().as_secs_f64();
        let base = Base {
            meta: BaseMeta {
                model: model_config,
                pretrain: Some(PretrainInfo {
                    seed: args.seed,
                    steps: train.steps,
                    documents_seen: train.steps * train.batch_size,
                    final_loss: ema.unwrap_or(last_loss),
                    wall_seconds: wall,
                    parameters: params,
                    train,
                    world,
                }),
            },
            tokenizer,
            model: trainer.model.valid(),
        };
        let size = bundle::save_dir(&args.out, &base).expect("write the base model");
        std::fs::remove_file(&state_file).ok();
        println!(
            "wrote {} ({size} bytes), {}, {} to {} in {wall:.1}s (final loss, EMA: {:.4})",
            bundle::WEIGHTS_FILE,
            bundle::META_FILE,
            bundle::TOKENIZER_FILE,
            args.out.display(),
            ema.unwrap_or(last_loss)
        );
    }
}
