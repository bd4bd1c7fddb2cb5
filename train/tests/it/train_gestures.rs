//! A GRU on the real gestures set, and the loop's failure paths.

use crate::common;

use burn::prelude::*;
use sweeplab_core::data;
use sweeplab_core::record::TrialStatus;
use sweeplab_core::spec::SweepSpec;
use sweeplab_train::{BatchProgress, CancelToken, Silent, TrainObserver, train};

fn gestures_sweep(extra: &str) -> SweepSpec {
    SweepSpec::from_toml(&format!(
        r#"
        name = "gru"
        [dataset]
        name = "gestures"
        path = "{}"
        [base.model]
        kind = "gru"
        hidden = 64
        layers = 1
        dense = []
        dropout = 0.0
        [base.train]
        optimizer = "adam"
        lr = 3e-3
        batch_size = 32
        epochs = 6
        {extra}
        "#,
        common::shared_data("gestures/gestures-dataset.zip").display()
    ))
    .unwrap()
}

#[test]
fn gru_on_gestures_clearly_beats_chance() {
    let sweep = gestures_sweep("");
    let splits = data::load(&sweep.dataset).unwrap();
    let out = pollster::block_on(train(
        &sweep.base,
        &splits,
        1,
        &Device::flex(),
        &CancelToken::new(),
        &mut Silent,
    ));
    assert_eq!(out.status, TrialStatus::Finished);
    let acc = out.epochs.last().unwrap().val_accuracy;
    eprintln!("GRU gestures: {:?}", out.epochs.last().unwrap());
    // Chance is 1/20 = 0.05.
    assert!(acc > 0.5, "validation accuracy {acc}");
}

#[test]
fn huge_learning_rate_diverges_and_is_recorded() {
    let mut sweep = common::reference_sweep(640, 2);
    sweep.base.train.optimizer = sweeplab_core::spec::Optimizer::Sgd;
    sweep.base.train.lr = 1000.0;
    sweep.base.model.norm = sweeplab_core::spec::Norm::None;
    sweep.dataset.val_limit = Some(100);
    let splits = data::load(&sweep.dataset).unwrap();
    let out = pollster::block_on(train(
        &sweep.base,
        &splits,
        1,
        &Device::flex(),
        &CancelToken::new(),
        &mut Silent,
    ));
    assert_eq!(out.status, TrialStatus::Diverged);
    assert_eq!(out.diverged_epoch, Some(1));
}

struct CancelAfter(usize, CancelToken, usize);

impl TrainObserver for CancelAfter {
    fn on_batch(&mut self, p: &BatchProgress) {
        self.2 = p.batch;
        if p.batch == self.0 {
            self.1.cancel();
        }
    }
}

#[test]
fn cancel_stops_after_the_current_batch() {
    let sweep = gestures_sweep("");
    let splits = data::load(&sweep.dataset).unwrap();
    let token = CancelToken::new();
    let mut obs = CancelAfter(3, token.clone(), 0);
    let out = pollster::block_on(train(
        &sweep.base,
        &splits,
        1,
        &Device::flex(),
        &token,
        &mut obs,
    ));
    assert_eq!(out.status, TrialStatus::Cancelled);
    assert_eq!(obs.2, 3);
    assert!(out.epochs.is_empty());
}

#[test]
fn early_stopping_is_recorded() {
    let sweep = gestures_sweep("early_stopping_patience = 1\nearly_stopping_min_delta = 10.0");
    let mut splits = data::load(&sweep.dataset).unwrap();
    splits.train = splits.train.limit(Some(200), 0);
    let out = pollster::block_on(train(
        &sweep.base,
        &splits,
        1,
        &Device::flex(),
        &CancelToken::new(),
        &mut Silent,
    ));
    // An improvement of 10 in loss never happens: stop after the first epoch that fails to improve.
    assert_eq!(out.stopped_early_at, Some(2));
    assert_eq!(out.epochs.len(), 2);
}
