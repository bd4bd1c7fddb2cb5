//! The training worker: receives [`ToWorker`] commands, picks WebGPU or the
//! CPU, and runs trials through the core's one training loop, reporting
//! [`FromWorker`] messages. Runs inside a dedicated Web Worker so the page
//! never freezes.

use std::cell::RefCell;

use burn::prelude::Device;
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use sweeplab_core::data::{ProvidedFile, Splits, from_provided, prepare};
use sweeplab_core::record::{EpochMetrics, TrialRecord, TrialStatus};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::{Trial, expand};
use sweeplab_core::train::{BatchProgress, CancelToken, RunContext, TrainObserver, run_trial};

use crate::protocol::{BackendChoice, FromWorker, SweepReport, ToWorker};

/// Milliseconds between progress messages.
const PROGRESS_EVERY_MS: f64 = 200.0;
/// Milliseconds of training between yields to the worker's event loop.
const YIELD_EVERY_MS: f64 = 25.0;

/// A device the worker trained on before, kept for the next sweep.
#[derive(Clone)]
struct Ready {
    device: Device,
    backend: &'static str,
    adapter: String,
    fallback_reason: Option<String>,
}

#[derive(Default)]
struct State {
    /// Key of the sweep training now: one at a time, so that no report of
    /// one sweep can be taken for another's.
    running: Option<String>,
    paused: bool,
    cancel: CancelToken,
    gpu: Option<Ready>,
    cpu: Option<Ready>,
    /// Why WebGPU is no longer used in this worker (it reported an error).
    gpu_broken: Option<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// The first uncaptured WebGPU error since the last [`take_gpu_error`]. An
/// error means some kernel did not run, so the numbers of the trial that
/// was training cannot be trusted.
static GPU_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

fn take_gpu_error() -> Option<String> {
    GPU_ERROR.lock().ok()?.take()
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    let text = serde_json::to_string(message).expect("messages serialise");
    let _ = scope().post_message(&JsValue::from_str(&text));
}

/// Posts the reports of one sweep, each under its key.
#[derive(Clone)]
struct Reporter {
    sweep_key: String,
}

impl Reporter {
    fn send(&self, report: SweepReport) {
        post(&FromWorker::Sweep {
            sweep_key: self.sweep_key.clone(),
            report,
        });
    }
}

fn now_ms() -> f64 {
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

/// WebGPU's adapter description and whether it is a software (fallback)
/// adapter, or why there is none.
async fn webgpu_adapter() -> Result<(String, bool), String> {
    let navigator = Reflect::get(&scope(), &"navigator".into()).map_err(|_| "no navigator")?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU (navigator.gpu is missing)".into());
    }
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into())
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?
        .unchecked_into();
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?
        .unchecked_into();
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU offers no adapter on this machine".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| {
        Reflect::get(&info, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let fallback = Reflect::get(&info, &"isFallbackAdapter".into())
        .ok()
        .and_then(|v| v.as_bool())
        .or_else(|| {
            Reflect::get(&adapter, &"isFallbackAdapter".into())
                .ok()
                .and_then(|v| v.as_bool())
        })
        .unwrap_or(false);
    let mut name = [field("description"), field("architecture"), field("vendor")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if name.is_empty() {
        name = "WebGPU adapter".into();
    }
    if fallback {
        name.push_str(" (software)");
    }
    Ok((name, fallback))
}

async fn device(choice: BackendChoice) -> Ready {
    let cached = STATE.with_borrow(|s| match choice {
        BackendChoice::Auto | BackendChoice::Gpu => s.gpu.clone(),
        BackendChoice::Cpu => s.cpu.clone(),
    });
    if let Some(ready) = cached {
        return ready;
    }
    let mut fallback_reason = STATE.with_borrow(|s| s.gpu_broken.clone());
    if choice != BackendChoice::Cpu && fallback_reason.is_none() {
        match webgpu_adapter().await {
            Ok((adapter, true)) if choice == BackendChoice::Auto => {
                fallback_reason = Some(format!(
                    "the WebGPU adapter is a software one ({adapter}): the CPU backend is faster; choose \"WebGPU, any adapter\" to use it anyway"
                ))
            }
            Ok((adapter, _)) => match Device::wgpu_options().init_with_setup_async().await {
                Ok((device, setup)) => {
                    // CubeCL's handler panics on any uncaptured WebGPU error
                    // (an invalid shader, say). Keep the first one instead:
                    // the sweep re-runs that trial on the CPU and carries on
                    // there (run_sweep), so no wrong number is recorded.
                    setup.device.on_uncaptured_error(std::sync::Arc::new(
                        |error: burn::tensor::wgpu::wgpu::Error| {
                            let line = error.to_string().lines().next().unwrap_or("").to_string();
                            web_sys::console::warn_1(&format!("WebGPU: {error}").into());
                            if let Ok(mut slot) = GPU_ERROR.lock() {
                                slot.get_or_insert(line);
                            }
                        },
                    ));
                    let ready = Ready {
                        device,
                        backend: "webgpu",
                        adapter,
                        fallback_reason: None,
                    };
                    STATE.with_borrow_mut(|s| s.gpu = Some(ready.clone()));
                    return ready;
                }
                Err(e) => fallback_reason = Some(format!("WebGPU did not start: {e}")),
            },
            Err(reason) => fallback_reason = Some(reason),
        }
    }
    let ready = Ready {
        device: Device::flex(),
        backend: "cpu",
        adapter: "CPU (wasm, 1 thread)".into(),
        fallback_reason: None,
    };
    // Cached without a reason: one applies to the sweep that fell back only.
    STATE.with_borrow_mut(|s| s.cpu = Some(ready.clone()));
    Ready {
        fallback_reason,
        ..ready
    }
}

async fn run_sweep(
    reporter: &Reporter,
    sweep: SweepSpec,
    indices: Vec<usize>,
    choice: BackendChoice,
    files: Vec<ProvidedFile>,
) {
    let mut ready = device(choice).await;
    announce(reporter, &ready);
    let data = match from_provided(&sweep.dataset, &files) {
        Ok(raw) => prepare(raw, &sweep.dataset),
        Err(e) => {
            reporter.send(SweepReport::Error {
                message: e.to_string(),
            });
            return;
        }
    };
    drop(files);
    let trials = expand(&sweep);
    let cancel = STATE.with_borrow(|s| s.cancel.clone());
    for index in indices {
        let Some(trial) = trials.get(index) else {
            reporter.send(SweepReport::Error {
                message: format!("trial {index} is not in this sweep"),
            });
            return;
        };
        reporter.send(SweepReport::TrialStarted {
            trial_index: index,
            trial_id: trial.id.clone(),
        });
        let _ = take_gpu_error();
        let mut record = train_on(reporter, &ready, &sweep, &cancel, trial, &data).await;
        if ready.backend == "webgpu" {
            // Uncaptured errors arrive as events: let them land first.
            gloo_timers::future::TimeoutFuture::new(50).await;
            if let Some(error) = take_gpu_error() {
                let reason =
                    format!("WebGPU reported an error, so training goes on on the CPU: {error}");
                STATE.with_borrow_mut(|s| {
                    s.gpu = None;
                    s.gpu_broken = Some(reason.clone());
                });
                ready = device(BackendChoice::Cpu).await;
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

/// Tells the page which device trains, and why not the GPU if it was asked for.
fn announce(reporter: &Reporter, ready: &Ready) {
    reporter.send(SweepReport::Ready {
        backend: ready.backend.into(),
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

/// Reports progress, yields to the event loop, and holds while paused.
struct Observer {
    reporter: Reporter,
    trial_index: usize,
    trial_id: String,
    last_post: f64,
    last_yield: f64,
}

impl Observer {
    fn new(reporter: Reporter, trial_index: usize, trial_id: &str) -> Self {
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
        let held = |s: &State| s.paused && !s.cancel.is_cancelled();
        if STATE.with_borrow(held) {
            self.reporter.send(SweepReport::Paused);
            while STATE.with_borrow(held) {
                gloo_timers::future::TimeoutFuture::new(100).await;
            }
            self.last_yield = now_ms();
        }
    }
}
