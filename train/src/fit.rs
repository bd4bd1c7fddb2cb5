//! The one training loop, for every backend and target: async (no blocking
//! reads, so it runs in a browser worker), seeded, with per-epoch metrics,
//! divergence detection, schedules, early stopping and cancellation.

use crate::{
    BatchProgress, CancelToken, Checkpoint, LoopState, LrSchedule, TrainObserver, build_optimizer,
};
use burn::module::{ModuleVisitor, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::Transaction;
use web_time::Instant;

use crate::batch::batch;
use crate::model::{DropoutSeeds, Model};
use sweeplab_core::data::{Dataset, Splits, shuffled};
use sweeplab_core::record::{EpochMetrics, TrialStatus};
use sweeplab_core::spec::TrialConfig;

/// Serialises seeding and weight initialisation across threads.
static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Examples per forward pass when evaluating.
const EVAL_BATCH: usize = 1000;

/// What a trial produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    /// How it ended.
    pub status: TrialStatus,
    /// Metrics of every completed epoch.
    pub epochs: Vec<EpochMetrics>,
    /// Epoch in which the loss became non-finite.
    pub diverged_epoch: Option<usize>,
    /// Epoch after which early stopping ended training.
    pub stopped_early_at: Option<usize>,
    /// Trainable parameters.
    pub params: usize,
    /// Error message for failed trials.
    pub error: Option<String>,
}

/// Forces lazily initialised parameters to draw their values now, so the
/// initial weights depend only on the seed.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// What a trial trains: its config, data and seed, and optionally a
/// checkpoint to continue from.
#[derive(Debug, Clone, Copy)]
pub struct TrainJob<'a> {
    /// Hyperparameters.
    pub config: &'a TrialConfig,
    /// Training and validation data.
    pub data: &'a Splits,
    /// Seed for weights, dropout and batch order.
    pub seed: u64,
    /// Trial id (stamped into checkpoints).
    pub trial_id: &'a str,
    /// Continue after this checkpoint's epoch instead of starting afresh.
    pub resume: Option<&'a Checkpoint>,
}

/// Train `config` on `data` with `seed` on `device` (a plain device; the
/// loop adds autodiff). Same config, data, seed and backend give identical
/// metrics.
pub async fn train<O: TrainObserver>(
    config: &TrialConfig,
    data: &Splits,
    seed: u64,
    device: &Device,
    cancel: &CancelToken,
    observer: &mut O,
) -> TrainOutcome {
    let job = TrainJob {
        config,
        data,
        seed,
        trial_id: "",
        resume: None,
    };
    train_job(job, device, cancel, observer).await
}

/// [`train`], optionally resuming from a checkpoint; a checkpoint of
/// another trial or that does not load is ignored (the trial restarts).
pub async fn train_job<O: TrainObserver>(
    job: TrainJob<'_>,
    device: &Device,
    cancel: &CancelToken,
    observer: &mut O,
) -> TrainOutcome {
    let TrainJob {
        config, data, seed, ..
    } = job;
    let plain = device.clone().inner();
    let device = plain.clone().autodiff();
    let mut seeds = DropoutSeeds::new(seed);
    let mut model = {
        // Burn's generator is process-wide: seed and draw the initial
        // weights under one lock so trials started side by side stay
        // reproducible.
        let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        device.seed(seed);
        match Model::new(
            &config.model,
            data.train.shape,
            data.train.classes,
            &mut seeds,
            &device,
        ) {
            Ok(m) => {
                m.visit(&mut Materialize);
                m
            }
            Err(e) => return TrainOutcome::failed(e.to_string(), 0),
        }
    };
    let params = model.trainable_params();
    let spec = &config.train;
    let mut optimizer = build_optimizer(spec);
    let mut state = LoopState {
        trial_id: job.trial_id.to_string(),
        epochs: Vec::new(),
        schedule: LrSchedule::new(spec),
        best_val: None,
        waited: 0,
        examples: 0,
    };
    if let Some(ck) = job
        .resume
        .filter(|ck| ck.state.trial_id == job.trial_id && ck.epoch() < spec.epochs)
        && let Some((m, o)) = restore(ck, model.clone(), optimizer.clone())
    {
        (model, optimizer, state) = (m, o, ck.state.clone());
    }
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let mut outcome = TrainOutcome {
        status: TrialStatus::Finished,
        epochs: state.epochs.clone(),
        diverged_epoch: None,
        stopped_early_at: None,
        params,
        error: None,
    };
    let n = data.train.len();
    let batches = n.div_ceil(spec.batch_size);

    for epoch in state.epochs.len() + 1..=spec.epochs {
        let started = Instant::now();
        seeds.set_epoch(epoch);
        let lr = state.schedule.lr(epoch);
        let order = shuffled(n, epoch_seed(seed, epoch));
        let (mut loss_sum, mut correct_sum) = (0.0f64, 0.0f64);
        for (b, indices) in order.chunks(spec.batch_size).enumerate() {
            if cancel.is_cancelled() {
                outcome.status = TrialStatus::Cancelled;
                return outcome;
            }
            let batch = batch(&data.train, indices, &device);
            let logits = model.forward(batch.inputs);
            let correct = correct_count(logits.clone().detach(), batch.labels.clone());
            let loss = loss_fn.forward(logits, batch.labels);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(lr, model, grads);
            let read = match read_scalars(vec![loss.detach()], correct).await {
                Ok(v) => v,
                Err(e) => return outcome.fail(e),
            };
            let (batch_loss, batch_correct) = (read.0[0], read.1);
            if !batch_loss.is_finite() {
                outcome.status = TrialStatus::Diverged;
                outcome.diverged_epoch = Some(epoch);
                return outcome;
            }
            loss_sum += batch_loss * indices.len() as f64;
            correct_sum += batch_correct;
            state.examples += indices.len();
            observer.on_batch(&BatchProgress {
                epoch,
                epochs: spec.epochs,
                batch: b + 1,
                batches,
                loss: batch_loss,
                examples: state.examples,
            });
            observer.between_batches().await;
        }
        let (val_loss, val_accuracy) = match evaluate(&model.valid(), &data.val, &plain).await {
            Ok(v) => v,
            Err(e) => return outcome.fail(e),
        };
        let metrics = EpochMetrics {
            epoch,
            train_loss: loss_sum / n as f64,
            train_accuracy: correct_sum / n as f64,
            val_loss,
            val_accuracy,
            lr,
            seconds: started.elapsed().as_secs_f64(),
        };
        observer.on_epoch(&metrics);
        outcome.epochs.push(metrics.clone());
        state.epochs.push(metrics);
        if !val_loss.is_finite() {
            outcome.status = TrialStatus::Diverged;
            outcome.diverged_epoch = Some(epoch);
            return outcome;
        }
        state.schedule.observe(val_loss);
        if let Some(patience) = spec.early_stopping_patience {
            if state
                .best_val
                .is_none_or(|best| val_loss < best - spec.early_stopping_min_delta)
            {
                state.best_val = Some(val_loss);
                state.waited = 0;
            } else {
                state.waited += 1;
                if state.waited >= patience && epoch < spec.epochs {
                    outcome.stopped_early_at = Some(epoch);
                    break;
                }
            }
        }
        if observer.wants_checkpoints()
            && epoch < spec.epochs
            && let Some(ck) = snapshot(&model, &optimizer, &state)
        {
            observer.on_checkpoint(ck);
        }
    }
    outcome
}

/// The model and optimiser with a checkpoint's state loaded.
fn restore(
    ck: &Checkpoint,
    model: Model,
    optimizer: ModuleOptimizer,
) -> Option<(Model, ModuleOptimizer)> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(ck.model.clone())).ok()?;
    let model = model.try_load_record(record).ok()?;
    let optimizer = optimizer
        .from_bytes(Bytes::from_bytes_vec(ck.optimizer.clone()))
        .ok()?;
    Some((model, optimizer))
}

/// A checkpoint of the current state (`None` if serialising fails).
fn snapshot(model: &Model, optimizer: &ModuleOptimizer, state: &LoopState) -> Option<Checkpoint> {
    let model = model.clone().into_record().into_bytes().ok()?.to_vec();
    let optimizer = optimizer.into_bytes().ok()?.to_vec();
    Some(Checkpoint {
        state: state.clone(),
        model,
        optimizer,
    })
}

impl TrainOutcome {
    /// A trial that failed before its first batch.
    fn failed(message: String, params: usize) -> Self {
        Self {
            status: TrialStatus::Failed,
            epochs: Vec::new(),
            diverged_epoch: None,
            stopped_early_at: None,
            params,
            error: Some(message),
        }
    }

    /// The trial failed with `message`: it keeps the epochs it completed,
    /// so its record shows how far it got.
    fn fail(mut self, error: ReadBackError) -> Self {
        self.status = TrialStatus::Failed;
        self.error = Some(error.to_string());
        self
    }
}

/// The device could not hand back a loss or a count (a lost WebGPU device,
/// a backend error): the trial fails with this message in its record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reading metrics back from the device failed: {0}")]
pub struct ReadBackError(String);

/// Seed of an epoch's batch order, distinct per trial seed and epoch.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(epoch as u64)
}

/// Number of correct predictions, as a 1-element tensor.
fn correct_count(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1, Int> {
    let [n, _] = logits.dims();
    logits.argmax(1).reshape([n]).equal(labels).int().sum()
}

/// Read float tensors and an integer count in one transaction, without
/// blocking (works in a browser).
async fn read_scalars(
    floats: Vec<Tensor<1>>,
    count: Tensor<1, Int>,
) -> Result<(Vec<f64>, f64), ReadBackError> {
    let k = floats.len();
    let mut tx = Transaction::default();
    for f in floats {
        tx = tx.register(f);
    }
    let data = tx
        .register(count)
        .execute_async()
        .await
        .map_err(|e| ReadBackError(format!("{e:?}")))?;
    let mut values = Vec::with_capacity(k);
    for d in &data[..k] {
        let v = d
            .clone()
            .try_into_vec_as::<f64>()
            .map_err(|e| ReadBackError(format!("{e:?}")))?;
        values.push(v[0]);
    }
    let count = data[k]
        .clone()
        .try_into_vec_as::<f64>()
        .map_err(|e| ReadBackError(format!("{e:?}")))?[0];
    Ok((values, count))
}

/// Mean loss and accuracy of `model` (in evaluation mode) on `set`.
pub async fn evaluate(
    model: &Model,
    set: &Dataset,
    device: &Device,
) -> Result<(f64, f64), ReadBackError> {
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let all: Vec<usize> = (0..set.len()).collect();
    let (mut loss_sum, mut correct) = (0.0, 0.0);
    for indices in all.chunks(EVAL_BATCH) {
        let batch = batch(set, indices, device);
        let logits = model.forward(batch.inputs);
        let hits = correct_count(logits.clone(), batch.labels.clone());
        let loss = loss_fn
            .forward(logits, batch.labels)
            .mul_scalar(indices.len() as f64);
        let (l, c) = read_scalars(vec![loss], hits).await?;
        loss_sum += l[0];
        correct += c;
    }
    let n = set.len().max(1) as f64;
    Ok((loss_sum / n, correct / n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_trial_keeps_its_completed_epochs() {
        let epoch = |epoch| EpochMetrics {
            epoch,
            train_loss: 1.0,
            train_accuracy: 0.5,
            val_loss: 1.1,
            val_accuracy: 0.45,
            lr: 0.01,
            seconds: 2.0,
        };
        let mut outcome = TrainOutcome::failed(String::new(), 10);
        outcome.status = TrialStatus::Finished;
        outcome.error = None;
        outcome.epochs = vec![epoch(1), epoch(2)];
        let failed = outcome.fail(ReadBackError("device lost".into()));
        assert_eq!(failed.status, TrialStatus::Failed);
        assert_eq!(
            failed.error.as_deref(),
            Some("reading metrics back from the device failed: device lost")
        );
        assert_eq!(failed.epochs, vec![epoch(1), epoch(2)]);
        assert_eq!(failed.params, 10);
    }
}
