//! Toy-model benchmarks (native, burn Flex on the CPU): prints one JSON line.
//!
//! - `ms_per_step`: one finetuning step of the lab model (forward, backward, AdamW with
//!   gradient clipping, loss read back) on a full 16 × 64 batch; median of 40 after 5
//!   warm-up steps. `bench/toy_torch.py` times the same network and step in PyTorch.
//! - `lab_experiment_s`: the default lab experiment end to end (finetune + probe every
//!   group), as the lab page runs it, from the shipped base model.
//!
//! Run: `cargo run --profile release-lab --bin bench_toy` (the lab worker's profile).

/// A native tool (on wasm32, where the whole crate is also compiled, it does nothing).
fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::Path;
    use std::time::Instant;

    use burn::module::Module;
    use burn::prelude::*;
    use em_lab::toy::bundle;
    use em_lab::toy::experiment::{self, ExperimentConfig};
    use em_lab::toy::model::ModelConfig;
    use em_lab::toy::step_bench::{BATCH, StepBench, flops_per_step};

    const WARMUP: usize = 5;
    const TIMED: usize = 40;

    pub fn main() {
        let device = Device::flex().autodiff();
        let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("public/models");
        let base = bundle::load_dir(&models, &device).expect("shipped base model");
        let config: ModelConfig = base.meta.model.clone();

        // Full-length random sequences: every step does the same work in both frameworks.
        let mut bench = StepBench::new(&config, &device);
        let mut times = Vec::new();
        for step in 0..WARMUP + TIMED {
            let t = Instant::now();
            let value = bench.step().into_scalar::<f32>();
            assert!(value.is_finite());
            if step >= WARMUP {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        times.sort_by(f64::total_cmp);
        let model = &bench.model;

        let lab = ExperimentConfig::lab();
        let t = Instant::now();
        let result = experiment::run(
            &base.model,
            &base.tokenizer,
            config.context,
            &lab,
            &device,
            |_| {},
        );
        let lab_seconds = t.elapsed().as_secs_f64();
        assert!(!result.runs.is_empty());

        println!(
            "{{\"ms_per_step\":{:.3},\"gflop_per_step\":{:.4},\"batch\":{BATCH},\"seq\":{},\"parameters\":{},\"lab_experiment_s\":{:.3},\"lab_runs\":{},\"lab_steps\":{}}}",
            times[times.len() / 2],
            flops_per_step(&config) / 1e9,
            config.context,
            model.num_params(),
            lab_seconds,
            result.runs.len(),
            lab.train.steps
        );
    }
}
