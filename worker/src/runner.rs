//! The training worker's messages and sweeps: receives [`ToWorker`]
//! commands, trains one sweep at a time on the device [`crate::device`]
//! picks, through sweeplab-train's one training loop, and reports
//! [`FromWorker`] messages, each under the sweep it is about. Runs inside a
//! dedicated Web Worker so the page never freezes.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use sweeplab_core::data::{ProvidedFile, Splits, from_provided, prepare};
use sweeplab_core::record::{Backend, TrialRecord, TrialStatus};
use sweeplab_core::spec::{DatasetName, SweepSpec};
use sweeplab_core::sweep::{Trial, sweep_id, trial_id};
use sweeplab_train::{CancelToken, RunContext, run_trial};

use sweeplab_core::protocol::{BackendChoice, FromWorker, SweepReport, ToWorker};

use crate::device::{self, Ready};
use crate::observer::Observer;

#[derive(Default)]
struct State {
    /// Key of the sweep training now: one at a time, so that no report of
    /// one sweep can be taken for another's.
    running: Option<String>,
    paused: bool,
    cancel: CancelToken,
}

/// The prepared data of the last sweep this worker trained.
struct KeptData {
    sweep_key: String,
    sweep_id: String,
    splits: Rc<Splits>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
    static DATA: RefCell<Option<KeptData>> = const { RefCell::new(None) };
}

/// The worker's global scope.
pub fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    let text = serde_json::to_string(message).expect("messages serialise");
    let _ = scope().post_message(&JsValue::from_str(&text));
}

/// Posts the reports of one sweep, each under its key.
#[derive(Clone)]
pub struct Reporter {
    sweep_key: String,
}

impl Reporter {
    /// Post `report` under this reporter's sweep.
    pub fn send(&self, report: SweepReport) {
        post(&FromWorker::Sweep {
            sweep_key: self.sweep_key.clone(),
            report,
        });
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Install the message handler; called once by the worker binary.
pub fn start() {
    let handler =
        Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| match decode(event.data()) {
            Ok((command, files)) => handle(command, files),
            Err(message) => post(&FromWorker::Error { message }),
        });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    post(&FromWorker::Loaded);
}

/// A message is `[json, bytes...]` or a JSON string.
fn decode(data: JsValue) -> Result<(ToWorker, Vec<Vec<u8>>), String> {
    let (text, files) = if Array::is_array(&data) {
        let parts: Array = data.unchecked_into();
        let files = parts
            .iter()
            .skip(1)
            .map(|p| Uint8Array::new(&p).to_vec())
            .collect();
        (parts.get(0).as_string(), files)
    } else {
        (data.as_string(), Vec::new())
    };
    let text = text.ok_or("worker: a message must start with JSON text")?;
    let command = serde_json::from_str(&text).map_err(|e| format!("worker: bad command: {e}"))?;
    Ok((command, files))
}

fn handle(command: ToWorker, files: Vec<Vec<u8>>) {
    let is_running = |key: &str| STATE.with_borrow(|s| s.running.as_deref() == Some(key));
    match command {
        ToWorker::Start {
            sweep_key,
            sweep,
            trials,
            backend,
            files: names,
        } => {
            let reporter = Reporter { sweep_key };
            let busy = STATE.with_borrow_mut(|s| {
                if let Some(running) = &s.running {
                    return Some(running.clone());
                }
                s.running = Some(reporter.sweep_key.clone());
                s.paused = false;
                s.cancel = CancelToken::new();
                None
            });
            if let Some(running) = busy {
                reporter.send(SweepReport::Refused { running });
                return;
            }
            let provided = names
                .into_iter()
                .zip(files)
                .map(|(name, bytes)| ProvidedFile { name, bytes })
                .collect();
            spawn_local(async move {
                run_sweep(&reporter, *sweep, trials, backend, provided).await;
                STATE.with_borrow_mut(|s| s.running = None);
            });
        }
        ToWorker::Pause { sweep_key } if is_running(&sweep_key) => {
            STATE.with_borrow_mut(|s| s.paused = true)
        }
        ToWorker::Resume { sweep_key } if is_running(&sweep_key) => {
            STATE.with_borrow_mut(|s| s.paused = false);
            Reporter { sweep_key }.send(SweepReport::Resumed);
        }
        ToWorker::Cancel { sweep_key } if is_running(&sweep_key) => {
            STATE.with_borrow(|s| s.cancel.cancel())
        }
        // A control for a sweep that is not training (it ended meanwhile).
        ToWorker::Pause { .. } | ToWorker::Resume { .. } | ToWorker::Cancel { .. } => {}
    }
}

async fn run_sweep(
    reporter: &Reporter,
    sweep: SweepSpec,
    trials: Vec<Trial>,
    choice: BackendChoice,
    files: Vec<ProvidedFile>,
) {
    let mut ready = device::device(choice).await;
    announce(reporter, &ready);
    let data = match sweep_data(reporter, &sweep, files).await {
        Ok(data) => data,
        Err(message) => {
            DATA.with_borrow_mut(|d| *d = None);
            reporter.send(SweepReport::Error { message });
            return;
        }
    };
    let cancel = STATE.with_borrow(|s| s.cancel.clone());
    for trial in &trials {
        let index = trial.index;
        // The page planned the trial; what trains is what its id names.
        if trial.id != trial_id(&trial.config, &sweep.dataset, trial.seed) {
            reporter.send(SweepReport::Error {
                message: format!(
                    "trial {index} ({}): its id does not match its hyperparameters, data and seed",
                    trial.id
                ),
            });
            return;
        }
        reporter.send(SweepReport::TrialStarted {
            trial_index: index,
            trial_id: trial.id.clone(),
        });
        let _ = device::take_gpu_error();
        let mut record = train_on(reporter, &ready, &sweep, &cancel, trial, &data).await;
        if ready.backend == Backend::Wgpu {
            // Uncaptured errors arrive as events: let them land first.
            gloo_timers::future::TimeoutFuture::new(50).await;
            if let Some(error) = device::take_gpu_error() {
                let reason =
                    format!("WebGPU reported an error, so training goes on on the CPU: {error}");
                device::give_up_gpu(&reason);
                ready = device::device(BackendChoice::Cpu).await;
                ready.fallback_reason = Some(reason);
                announce(reporter, &ready);
                // The page drops the epochs it was shown for this trial.
                reporter.send(SweepReport::TrialStarted {
                    trial_index: index,
                    trial_id: trial.id.clone(),
                });
                record = train_on(reporter, &ready, &sweep, &cancel, trial, &data).await;
            }
        }
        if record.status == TrialStatus::Cancelled || cancel.is_cancelled() {
            reporter.send(SweepReport::Cancelled);
            return;
        }
        reporter.send(SweepReport::TrialDone {
            record: Box::new(record),
        });
    }
    reporter.send(SweepReport::Finished);
}

/// The data of `sweep`: kept from this worker's last start when that was
/// the same sweep (the page sends a sweep's files to each worker once and
/// then one trial at a time), else read from `files` (or, for
/// Fashion-MNIST without files, the embedded subset) and kept.
async fn sweep_data(
    reporter: &Reporter,
    sweep: &SweepSpec,
    files: Vec<ProvidedFile>,
) -> Result<Rc<Splits>, String> {
    let id = sweep_id(sweep);
    let kept = DATA.with_borrow(|d| {
        d.as_ref()
            .filter(|k| k.sweep_key == reporter.sweep_key && k.sweep_id == id)
            .map(|k| k.splits.clone())
    });
    if let Some(splits) = kept
        && files.is_empty()
    {
        return Ok(splits);
    }
    let files = if files.is_empty() && sweep.dataset.name == DatasetName::FashionMnist {
        crate::subset::fetch().await?
    } else {
        files
    };
    let raw = from_provided(&sweep.dataset, &files).map_err(|e| e.to_string())?;
    drop(files);
    let splits = Rc::new(prepare(raw, &sweep.dataset));
    DATA.with_borrow_mut(|d| {
        *d = Some(KeptData {
            sweep_key: reporter.sweep_key.clone(),
            sweep_id: id,
            splits: splits.clone(),
        })
    });
    Ok(splits)
}

/// Tells the page which device trains, and why not the GPU if it was asked for.
fn announce(reporter: &Reporter, ready: &Ready) {
    reporter.send(SweepReport::Ready {
        backend: ready.backend,
        adapter: ready.adapter.clone(),
        fallback_reason: ready.fallback_reason.clone(),
    });
}

/// One trial on `ready`'s device, reporting progress.
async fn train_on(
    reporter: &Reporter,
    ready: &Ready,
    sweep: &SweepSpec,
    cancel: &CancelToken,
    trial: &Trial,
    data: &Splits,
) -> TrialRecord {
    let ctx = RunContext {
        sweep,
        device: &ready.device,
        backend: ready.backend,
        device_name: &ready.adapter,
        cancel,
    };
    let mut observer = Observer::new(reporter.clone(), trial.index, &trial.id);
    run_trial(&ctx, trial, data, None, &mut observer).await
}

/// Whether training should hold: paused, and not cancelled meanwhile.
pub fn held() -> bool {
    STATE.with_borrow(|s| s.paused && !s.cancel.is_cancelled())
}
