//! The training loop on real Fashion-MNIST.

use crate::common;

use burn::prelude::*;
use sweeplab_core::data;
use sweeplab_core::record::TrialStatus;
use sweeplab_train::{CancelToken, Silent, train};

#[test]
fn reference_cnn_reaches_80_percent_in_two_epochs_on_10k_images() {
    let sweep = common::reference_sweep(10_000, 2);
    let splits = data::load(&sweep.dataset).unwrap();
    assert_eq!(splits.train.len(), 10_000);
    assert_eq!(splits.val.len(), 10_000);
    let started = std::time::Instant::now();
    let outcome = pollster::block_on(train(
        &sweep.base,
        &splits,
        7,
        &Device::flex(),
        &CancelToken::new(),
        &mut Silent,
    ));
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(outcome.status, TrialStatus::Finished);
    assert_eq!(outcome.epochs.len(), 2);
    let last = outcome.epochs.last().unwrap();
    eprintln!(
        "reference CNN: {last:?}, {:.0} img/s incl. validation",
        20_000.0 / secs
    );
    assert!(
        last.val_accuracy >= 0.80,
        "test accuracy {} < 0.80",
        last.val_accuracy
    );
    assert!(outcome.epochs[1].train_loss < outcome.epochs[0].train_loss);
    // conv1 (w, b), bn1 (gamma, beta), conv2, bn2, fc1, fc2: PyTorch's count.
    assert_eq!(
        outcome.params,
        16 * 9 + 16 + 32 + 16 * 32 * 9 + 32 + 64 + 1568 * 64 + 64 + 64 * 10 + 10
    );
}

#[test]
fn same_config_and_seed_give_identical_metrics() {
    let mut sweep = common::reference_sweep(1_000, 1);
    sweep.dataset.val_limit = Some(500);
    let splits = data::load(&sweep.dataset).unwrap();
    let run = |seed| {
        pollster::block_on(train(
            &sweep.base,
            &splits,
            seed,
            &Device::flex(),
            &CancelToken::new(),
            &mut Silent,
        ))
    };
    let (a, b, c) = (run(3), run(3), run(4));
    let strip = |o: &sweeplab_train::TrainOutcome| {
        o.epochs
            .iter()
            .map(|e| (e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b), "same seed, same metrics");
    assert_ne!(strip(&a), strip(&c), "another seed, other metrics");
}
