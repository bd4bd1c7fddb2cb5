//! Messages between the browser app's page and its training worker (JSON
//! text over `postMessage`; data-set files travel beside it as transferred
//! bytes). Page and worker are wasm crates of their own (the page links no
//! training code), so the messages they share live here.

use crate::progress::BatchProgress;
use crate::record::{Backend, EpochMetrics, TrialRecord};
use crate::spec::SweepSpec;
use crate::sweep::Trial;
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

/// What a browser offers for WebGPU (read by `webgpu::adapter` in wasm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// A hardware adapter, by its description.
    Hardware(String),
    /// A software (fallback) adapter such as SwiftShader, by its description.
    Software(String),
    /// No adapter, and why.
    Missing(String),
}

/// Where a sweep trains, and so which training worker the page starts: the
/// WebGPU worker (which carries Burn's wgpu backend) or the CPU worker
/// (flex only, a sixth of the download).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On WebGPU, on this adapter.
    Gpu {
        /// The adapter's description.
        adapter: String,
    },
    /// On the CPU, with why WebGPU is not used when it was an option.
    Cpu {
        /// Why not WebGPU (None when the user chose the CPU).
        reason: Option<String>,
    },
}

/// The rule for [`BackendChoice`]: `Auto` trains on WebGPU only on a
/// hardware adapter (on a software one the CPU backend is faster), `Gpu` on
/// any adapter, `Cpu` never; with no adapter, the CPU.
pub fn placement(choice: BackendChoice, adapter: &Adapter) -> Placement {
    let cpu = |reason: String| Placement::Cpu {
        reason: Some(reason),
    };
    match (choice, adapter) {
        (BackendChoice::Cpu, _) => Placement::Cpu { reason: None },
        (_, Adapter::Missing(why)) => cpu(why.clone()),
        (BackendChoice::Auto, Adapter::Software(name)) => cpu(format!(
            "the WebGPU adapter is a software one ({name}): the CPU backend is faster; choose \"WebGPU, any adapter\" to use it anyway"
        )),
        (_, Adapter::Hardware(name) | Adapter::Software(name)) => Placement::Gpu {
            adapter: name.clone(),
        },
    }
}

/// A command from the page. Every command names the sweep it is about:
/// the worker trains one sweep at a time and ignores controls meant for
/// another.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Train the listed trials of `sweep`.
    /// The data set's files (user IDX files or gestures zip) follow the
    /// message as byte arrays, in the order of `files`. Refused (see
    /// [`SweepReport::Refused`]) while another sweep trains.
    Start {
        /// The page's id of the sweep; every report about it carries it.
        sweep_key: String,
        /// The sweep.
        sweep: Box<SweepSpec>,
        /// The trials to run, as the page planned them: a TPE scan's later
        /// rounds come from records only the page holds. The worker checks
        /// each id against its config, data and seed before training.
        trials: Vec<Trial>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hardware() -> Adapter {
        Adapter::Hardware("Apple M2".into())
    }
    fn software() -> Adapter {
        Adapter::Software("SwiftShader (software)".into())
    }
    fn missing() -> Adapter {
        Adapter::Missing("this browser has no WebGPU".into())
    }

    #[test]
    fn auto_trains_on_webgpu_only_on_a_hardware_adapter() {
        assert_eq!(
            placement(BackendChoice::Auto, &hardware()),
            Placement::Gpu {
                adapter: "Apple M2".into()
            }
        );
        let Placement::Cpu { reason: Some(why) } = placement(BackendChoice::Auto, &software())
        else {
            panic!("auto on a software adapter must train on the CPU, with a reason");
        };
        assert!(
            why.contains("software") && why.contains("SwiftShader"),
            "{why}"
        );
    }

    #[test]
    fn gpu_takes_any_adapter_and_cpu_never_does() {
        for adapter in [hardware(), software()] {
            assert!(matches!(
                placement(BackendChoice::Gpu, &adapter),
                Placement::Gpu { .. }
            ));
            assert_eq!(
                placement(BackendChoice::Cpu, &adapter),
                Placement::Cpu { reason: None }
            );
        }
    }

    #[test]
    fn without_an_adapter_every_choice_trains_on_the_cpu_and_says_why() {
        for choice in [BackendChoice::Auto, BackendChoice::Gpu] {
            assert_eq!(
                placement(choice, &missing()),
                Placement::Cpu {
                    reason: Some("this browser has no WebGPU".into())
                }
            );
        }
    }
}
