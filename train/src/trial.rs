//! Running one trial of a sweep into a [`TrialRecord`].

use burn::prelude::*;
use web_time::{SystemTime, UNIX_EPOCH};

use crate::{CancelToken, Checkpoint, TrainJob, TrainObserver, train_job};
use sweeplab_core::data::Splits;
use sweeplab_core::record::{Backend, TrialRecord};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::Trial;

/// Where a trial runs and for which sweep.
#[derive(Debug, Clone)]
pub struct RunContext<'a> {
    /// The sweep the trial belongs to.
    pub sweep: &'a SweepSpec,
    /// The device to train on (plain; autodiff is added by the loop).
    pub device: &'a Device,
    /// Backend name for the record (`flex`, `wgpu`, ...).
    pub backend: Backend,
    /// Device description for the record (adapter name, `cpu`).
    pub device_name: &'a str,
    /// Cancels the trial after its current batch.
    pub cancel: &'a CancelToken,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Train one trial (continuing from `resume` if given and it belongs to
/// the trial) and describe the result as a record.
pub async fn run_trial<O: TrainObserver>(
    ctx: &RunContext<'_>,
    trial: &Trial,
    data: &Splits,
    resume: Option<&Checkpoint>,
    observer: &mut O,
) -> TrialRecord {
    let started_ms = now_ms();
    let job = TrainJob {
        config: &trial.config,
        data,
        seed: trial.seed,
        trial_id: &trial.id,
        resume,
    };
    let outcome = train_job(job, ctx.device, ctx.cancel, observer).await;
    TrialRecord {
        status: outcome.status,
        diverged_epoch: outcome.diverged_epoch,
        stopped_early_at: outcome.stopped_early_at,
        error: outcome.error,
        epochs: outcome.epochs,
        params: outcome.params,
        backend: Some(ctx.backend),
        device: ctx.device_name.to_string(),
        started_ms,
        finished_ms: now_ms(),
        ..TrialRecord::new(ctx.sweep, trial)
    }
}
