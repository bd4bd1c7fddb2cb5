//! A trial resumed from an epoch checkpoint trains exactly as if it had
//! never stopped.

use crate::common;

use burn::prelude::*;
use sweeplab_core::data;
use sweeplab_train::{CancelToken, Checkpoint, Silent, TrainJob, TrainObserver, train_job};

#[derive(Default)]
struct Keep(Vec<Checkpoint>);

impl TrainObserver for Keep {
    fn wants_checkpoints(&self) -> bool {
        true
    }

    fn on_checkpoint(&mut self, checkpoint: Checkpoint) {
        self.0.push(checkpoint);
    }
}

fn metrics(o: &sweeplab_train::TrainOutcome) -> Vec<(usize, u64, u64, u64, u64)> {
    o.epochs
        .iter()
        .map(|e| {
            (
                e.epoch,
                e.train_loss.to_bits(),
                e.train_accuracy.to_bits(),
                e.val_loss.to_bits(),
                e.val_accuracy.to_bits(),
            )
        })
        .collect()
}

#[test]
fn resuming_from_a_checkpoint_reproduces_the_uninterrupted_trial() {
    let mut sweep = common::reference_sweep(640, 3);
    sweep.dataset.val_limit = Some(300);
    let splits = data::load(&sweep.dataset).unwrap();
    let device = Device::flex();
    let job = TrainJob {
        config: &sweep.base,
        data: &splits,
        seed: 5,
        trial_id: "t1",
        resume: None,
    };
    let mut keep = Keep::default();
    let whole = pollster::block_on(train_job(job, &device, &CancelToken::new(), &mut keep));
    assert_eq!(keep.0.len(), 2, "a checkpoint after epochs 1 and 2");
    assert_eq!(keep.0[0].epoch(), 1);

    let bytes = keep.0[0].to_bytes();
    let ck = Checkpoint::from_bytes(&bytes).expect("round trip");
    assert_eq!(ck, keep.0[0]);
    assert!(
        Checkpoint::from_bytes(&bytes[..bytes.len() - 1]).is_none(),
        "a torn file is not resumed from"
    );

    let resumed = pollster::block_on(train_job(
        TrainJob {
            resume: Some(&ck),
            ..job
        },
        &device,
        &CancelToken::new(),
        &mut Silent,
    ));
    assert_eq!(metrics(&resumed), metrics(&whole));

    // A checkpoint of another trial is ignored: the trial starts afresh.
    let other = TrainJob {
        trial_id: "t2",
        resume: Some(&ck),
        ..job
    };
    let fresh = pollster::block_on(train_job(other, &device, &CancelToken::new(), &mut Silent));
    assert_eq!(metrics(&fresh), metrics(&whole));
}
