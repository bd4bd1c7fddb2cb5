//! How callers watch, pause and cancel a running trial.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::Checkpoint;
pub use sweeplab_core::progress::BatchProgress;
use sweeplab_core::record::EpochMetrics;

/// A flag shared between a trial and whoever may cancel it (thread-safe).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the trial to stop after its current batch.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Hooks the training loop calls. Every method has a do-nothing default.
pub trait TrainObserver {
    /// After every optimisation step.
    fn on_batch(&mut self, _progress: &BatchProgress) {}

    /// After every epoch's validation.
    fn on_epoch(&mut self, _metrics: &EpochMetrics) {}

    /// Whether [`TrainObserver::on_checkpoint`] should be called (building
    /// a checkpoint serialises the model, so it is skipped unless wanted).
    fn wants_checkpoints(&self) -> bool {
        false
    }

    /// After every completed epoch, when checkpoints are wanted.
    fn on_checkpoint(&mut self, _checkpoint: Checkpoint) {}

    /// Awaited between batches: a browser worker yields to its event loop
    /// here (and can wait while paused); native code returns at once.
    fn between_batches(&mut self) -> impl Future<Output = ()> {
        async {}
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl TrainObserver for Silent {}
