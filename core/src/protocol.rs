//! Messages between the browser app's page and its training worker (JSON
//! text over `postMessage`; data-set files travel beside it as transferred
//! bytes). Page and worker are wasm crates of their own (the page links no
//! training code), so the messages they share live here.

use crate::progress::BatchProgress;
use crate::record::{Backend, EpochMetrics, TrialRecord};
use crate::spec::SweepSpec;
use serde::{Deserialize, Serialize};

/// Which backend the worker should try.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// WebGPU when the browser offers a hardware adapter, else CPU (a
    /// software adapter such as SwiftShader is slower than the CPU backend).
    #[default]
    Auto,
    /// WebGPU on any adapter, software ones included (else CPU).
    Gpu,
    /// CPU (Burn's flex backend in wasm) even when WebGPU exists.
    Cpu,
}

/// A command from the page. Every command names the sweep it is about:
/// the worker trains one sweep at a time and ignores controls meant for
/// another.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Train the listed trials (by index in the sweep's order) of `sweep`.
    /// The data set's files (user IDX files or gestures zip) follow the
    /// message as byte arrays, in the order of `files`. Refused (see
    /// [`SweepReport::Refused`]) while another sweep trains.
    Start {
        /// The page's id of the sweep; every report about it carries it.
        sweep_key: String,
        /// The sweep.
        sweep: Box<SweepSpec>,
        /// Trial indices still to run.
        trials: Vec<usize>,
        /// Where to train.
        backend: BackendChoice,
        /// Names of the files that follow.
        files: Vec<String>,
    },
    /// Hold before the next batch.
    Pause {
        /// The sweep to hold.
        sweep_key: String,
    },
    /// Continue after a pause.
    Resume {
        /// The sweep to continue.
        sweep_key: String,
    },
    /// Stop the running trial (not recorded) and the sweep.
    Cancel {
        /// The sweep to stop.
        sweep_key: String,
    },
}

/// A message from the worker.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's code is loaded and listening (commands sent before
    /// this would be lost, so the page holds them until it arrives).
    Loaded,
    /// A report about one sweep's run, under the key the page gave it.
    Sweep {
        /// The sweep's key, as sent in [`ToWorker::Start`].
        sweep_key: String,
        /// What happened.
        report: SweepReport,
    },
    /// A command the worker could not read (one line).
    Error {
        /// What and why.
        message: String,
    },
}

/// What happened in a sweep's run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SweepReport {
    /// Not started: the worker is training another sweep.
    Refused {
        /// The key of the sweep it is training.
        running: String,
    },
    /// The device is ready.
    Ready {
        /// The backend that trains: wgpu (on WebGPU) or flex (the CPU).
        backend: Backend,
        /// Adapter description or `CPU (wasm)`.
        adapter: String,
        /// Why WebGPU was not used, when it was not.
        fallback_reason: Option<String>,
    },
    /// A trial starts.
    TrialStarted {
        /// Its index in the sweep's order.
        trial_index: usize,
        /// Its id.
        trial_id: String,
    },
    /// Progress inside a trial (sent a few times a second at most).
    Batch {
        /// Trial index.
        trial_index: usize,
        /// Where the trial is.
        progress: BatchProgress,
    },
    /// An epoch finished.
    Epoch {
        /// Trial index.
        trial_index: usize,
        /// Trial id.
        trial_id: String,
        /// Its metrics.
        metrics: EpochMetrics,
    },
    /// A trial finished (or diverged, or failed): its record.
    TrialDone {
        /// The record.
        record: Box<TrialRecord>,
    },
    /// Paused before a batch.
    Paused,
    /// Running again.
    Resumed,
    /// Stopped on request; the running trial was not recorded.
    Cancelled,
    /// Every requested trial ran.
    Finished,
    /// Something stopped the sweep (bad data file, device lost...).
    Error {
        /// One line naming what and why.
        message: String,
    },
}
