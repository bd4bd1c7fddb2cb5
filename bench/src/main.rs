//! Trains the reference CNN (`bench/reference.toml`) with sweeplab's training loop on
//! the CPU backend and prints one JSON line: training images/s after
//! warm-up batches (the loss is read every step), and optionally test
//! accuracy after full epochs.
//!
//! usage: bench-cpu DATA_DIR speed [WARMUP TIMED] | accuracy EPOCHS

use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use burn::prelude::*;
use sweeplab_core::data;
use sweeplab_core::spec::SweepSpec;
use sweeplab_train::{BatchProgress, CancelToken, Silent, TrainObserver, train};

/// Records when each batch finished.
struct Clock(Vec<Instant>);

impl TrainObserver for Clock {
    fn on_batch(&mut self, _: &BatchProgress) {
        self.0.push(Instant::now());
    }
}

/// The reference CNN sweep (`bench/reference.toml`) on the data in `dir`.
fn reference(
    dir: &str,
    train_limit: Option<usize>,
    val_limit: Option<usize>,
    epochs: usize,
) -> SweepSpec {
    let mut sweep =
        SweepSpec::from_toml(include_str!("../reference.toml")).expect("reference sweep");
    sweep.dataset.path = Some(dir.to_string());
    sweep.dataset.train_limit = train_limit;
    sweep.dataset.val_limit = val_limit;
    sweep.base.train.epochs = epochs;
    sweep
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("../shared/data/fashion-mnist");
    let mode = args.get(2).map(String::as_str).unwrap_or("speed");
    let num = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let device = Device::flex();
    match mode {
        "speed" => {
            let (warmup, timed) = (num(3, 5), num(4, 60));
            let sweep = reference(dir, Some((warmup + timed) * 64), Some(64), 1);
            let splits = data::load(&sweep.dataset).expect("data");
            let mut clock = Clock(Vec::new());
            pollster::block_on(train(
                &sweep.base,
                &splits,
                1,
                &device,
                &CancelToken::new(),
                &mut clock,
            ));
            let secs = (clock.0[warmup + timed - 1] - clock.0[warmup - 1]).as_secs_f64();
            let ips = (timed * 64) as f64 / secs;
            println!(
                "{}",
                serde_json::json!({ "impl": "sweeplab-flex", "images_per_s": ips })
            );
        }
        "accuracy" => {
            let epochs = num(3, 5);
            let sweep = reference(dir, None, None, epochs);
            let splits = data::load(&sweep.dataset).expect("data");
            let started = Instant::now();
            let out = pollster::block_on(train(
                &sweep.base,
                &splits,
                1,
                &device,
                &CancelToken::new(),
                &mut Silent,
            ));
            let last = out.epochs.last().expect("an epoch");
            println!(
                "{}",
                serde_json::json!({ "impl": "sweeplab-flex", "epochs": epochs, "test_accuracy": last.val_accuracy,
                                    "seconds": started.elapsed().as_secs_f64() })
            );
        }
        other => {
            eprintln!("bench-cpu: unknown mode {other:?} (expected speed or accuracy)");
            std::process::exit(2);
        }
    }
}
