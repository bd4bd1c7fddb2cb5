//! sweeplab-train: what trains a trial, for the `native-sweep` CLI and the
//! browser's training workers (the page itself never links it). The models
//! ([`model`]) with their CPU and GPU kernels, batching data into tensors
//! ([`batch`]), and the one training loop ([`train`], [`train_job`],
//! [`run_trial`]) over Burn, on the CPU (flex) or any wgpu adapter.
//!
//! Everything a trial is described and recorded by (specs, sweeps, data
//! sets, records) is `sweeplab-core`'s.

#![warn(missing_docs)]

pub mod batch;
mod checkpoint;
mod fit;
pub mod model;
mod observer;
mod optimizer;
mod schedule;
mod trial;

pub use checkpoint::{Checkpoint, LoopState};
pub use fit::{ReadBackError, TrainJob, TrainOutcome, evaluate, train, train_job};
pub use observer::{BatchProgress, CancelToken, Silent, TrainObserver};
pub use optimizer::build_optimizer;
pub use schedule::LrSchedule;
pub use trial::{RunContext, run_trial};
