//! How a trial in the worker is watched: progress posted to the page every
//! so often, the worker's event loop given a turn between batches (so
//! Pause and Cancel arrive), and training held while paused.

use sweeplab_core::progress::BatchProgress;
use sweeplab_core::protocol::SweepReport;
use sweeplab_core::record::EpochMetrics;
use sweeplab_train::TrainObserver;

use crate::runner::{Reporter, held, now_ms};

/// Milliseconds between progress messages.
const PROGRESS_EVERY_MS: f64 = 200.0;
/// Milliseconds of training between yields to the worker's event loop.
const YIELD_EVERY_MS: f64 = 25.0;

/// Reports progress, yields to the event loop, and holds while paused.
pub struct Observer {
    reporter: Reporter,
    trial_index: usize,
    trial_id: String,
    last_post: f64,
    last_yield: f64,
}

impl Observer {
    /// An observer of trial `trial_index` (`trial_id`) reporting to `reporter`.
    pub fn new(reporter: Reporter, trial_index: usize, trial_id: &str) -> Self {
        Self {
            reporter,
            trial_index,
            trial_id: trial_id.to_string(),
            last_post: 0.0,
            last_yield: now_ms(),
        }
    }
}

impl TrainObserver for Observer {
    fn on_batch(&mut self, progress: &BatchProgress) {
        let now = now_ms();
        if now - self.last_post >= PROGRESS_EVERY_MS || progress.batch == progress.batches {
            self.last_post = now;
            self.reporter.send(SweepReport::Batch {
                trial_index: self.trial_index,
                progress: *progress,
            });
        }
    }

    fn on_epoch(&mut self, metrics: &EpochMetrics) {
        self.reporter.send(SweepReport::Epoch {
            trial_index: self.trial_index,
            trial_id: self.trial_id.clone(),
            metrics: metrics.clone(),
        });
    }

    async fn between_batches(&mut self) {
        if now_ms() - self.last_yield >= YIELD_EVERY_MS {
            gloo_timers::future::TimeoutFuture::new(0).await;
            self.last_yield = now_ms();
        }
        if held() {
            self.reporter.send(SweepReport::Paused);
            while held() {
                gloo_timers::future::TimeoutFuture::new(100).await;
            }
            self.last_yield = now_ms();
        }
    }
}
