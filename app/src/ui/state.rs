//! The page's state: the stored sweeps, the sweep on screen, and the live
//! run in the worker. Reports from the worker land here and in IndexedDB.

use std::cell::RefCell;
use std::rc::Rc;

use idb::Database;
use leptos::prelude::*;
use leptos::task::spawn_local;

use std::collections::{BTreeMap, BTreeSet};

use sweeplab_core::data::ProvidedFile;
use sweeplab_core::progress::BatchProgress;
use sweeplab_core::protocol::{
    Adapter, BackendChoice, FromWorker, Placement, SweepReport, ToWorker, placement,
};
use sweeplab_core::record::{Backend, TrialRecord};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::{Trial, expand, pending, plan, sweep_id, trial_at};

use crate::browser::{hardware_concurrency, set_setting, setting};
use crate::form::SweepForm;
use crate::schedule::{Schedule, WorkerId, default_cpu_workers, worker_count};
use crate::shown::join_by;
use crate::store::{self, StoredEpoch};
use crate::sweep_entry::SweepEntry;
use crate::worker_host::{Trainer, WorkerKind};

impl RunStatus {
    /// Whether the worker is (or is about to be) training.
    pub fn is_busy(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Paused)
    }
}

/// Where the live run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RunStatus {
    /// Nothing running.
    #[default]
    Idle,
    /// Worker is picking a device and loading data.
    Starting,
    /// Training.
    Running,
    /// Held before a batch.
    Paused,
    /// All requested trials ran.
    Finished,
    /// Stopped by the user.
    Cancelled,
    /// Stopped by an error.
    Failed,
}

/// The live run, as the page shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Live {
    /// Key of the sweep running (or last run).
    pub sweep_key: Option<String>,
    /// Where it is.
    pub status: RunStatus,
    /// The backend training, once known.
    pub backend: Option<Backend>,
    /// Adapter description.
    pub adapter: String,
    /// Why WebGPU was not used.
    pub fallback_reason: Option<String>,
    /// Trials requested in this run.
    pub requested: usize,
    /// Trials of the run finished so far.
    pub done: usize,
    /// When the run started (ms).
    pub started_ms: f64,
    /// How many workers train the run.
    pub workers: usize,
    /// The trials training now (one per busy worker), with their progress.
    pub current: BTreeMap<usize, BatchProgress>,
    /// Loss traces of the trials training now: (epochs done, loss).
    pub traces: BTreeMap<usize, Vec<(f64, f64)>>,
    /// The last error, one line.
    pub error: Option<String>,
}

impl Live {
    /// The trial whose loss the page draws: the first of those training now.
    pub fn followed(&self) -> Option<Followed> {
        let (&index, &progress) = self.current.first_key_value()?;
        Some(Followed {
            index,
            progress,
            trace: self.traces.get(&index).cloned().unwrap_or_default(),
            beside: self.current.len() - 1,
        })
    }

    /// Seconds left, from the speed so far over all workers (None before any
    /// progress).
    pub fn eta_seconds(&self) -> Option<f64> {
        let elapsed = (js_sys::Date::now() - self.started_ms) / 1000.0;
        let partial: f64 = self
            .current
            .values()
            .map(|p| {
                ((p.epoch - 1) as f64 + p.batch as f64 / p.batches.max(1) as f64)
                    / p.epochs.max(1) as f64
            })
            .sum();
        let progress = self.done as f64 + partial;
        (progress > 0.05 && elapsed > 1.0)
            .then(|| elapsed / progress * (self.requested as f64 - progress).max(0.0))
    }
}

/// The trial the page draws the loss of, while trials train.
#[derive(Clone, Debug, PartialEq)]
pub struct Followed {
    /// Its index in the sweep's order.
    pub index: usize,
    /// Where it is.
    pub progress: BatchProgress,
    /// Its loss so far: (epochs done, loss).
    pub trace: Vec<(f64, f64)>,
    /// How many other trials train beside it.
    pub beside: usize,
}

/// Everything the components share.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Stored sweeps, newest first.
    pub sweeps: RwSignal<Vec<SweepEntry>>,
    /// Key of the sweep on screen (None: the new-sweep form).
    pub open: RwSignal<Option<String>>,
    /// Finished trials of the sweep on screen.
    pub records: RwSignal<Vec<TrialRecord>>,
    /// Epochs of unfinished trials of the sweep on screen.
    pub partial: RwSignal<Vec<StoredEpoch>>,
    /// The live run.
    pub live: RwSignal<Live>,
    /// A message for the user (errors from storage, imports...).
    pub notice: RwSignal<Option<String>>,
    /// Whether the store has been read.
    pub loaded: RwSignal<bool>,
    /// Where the user wants trials to train.
    pub backend_pref: RwSignal<BackendChoice>,
    /// Sweeps whose Start was pressed while another ran, in order, with
    /// the backend chosen then: each starts when the one before it ends.
    pub queue: RwSignal<Vec<(String, BackendChoice)>>,
    /// How many CPU workers train a sweep's trials at once.
    pub cpu_workers: RwSignal<usize>,
    /// A sweep the page was opened with (a shared link), to fill the
    /// new-sweep form once.
    pub shared: RwSignal<Option<SweepForm>>,
}

/// Local-storage key of the CPU workers setting.
pub const CPU_WORKERS_KEY: &str = "sweeplab.cpu_workers";

/// The training workers the page has started (all of one kind) and the run
/// they train.
#[derive(Default)]
struct Pool {
    kind: Option<WorkerKind>,
    workers: Vec<Slot>,
    run: Option<Run>,
}

/// One training worker.
struct Slot {
    trainer: Trainer,
    /// The sweep whose data files the worker holds (sent once per sweep).
    data_for: Option<String>,
}

/// The run the workers train: what each Start carries, and who trains what.
struct Run {
    key: String,
    spec: SweepSpec,
    /// The trials chosen so far (`sweep::plan`), in the sweep's order.
    trials: Vec<Trial>,
    /// Whether `trials` is every trial of the sweep: a TPE scan chooses its
    /// next round from the records once the round before has ended.
    complete: bool,
    /// The sweep's records: those stored when the run started, then each
    /// one reported (what the next round is chosen from).
    records: Vec<TrialRecord>,
    /// Sent to the workers: the page has placed the run already.
    backend: BackendChoice,
    files: Vec<ProvidedFile>,
    schedule: Schedule,
    /// Why the run stopped, when an error stopped it.
    error: Option<String>,
}

/// How a worker's part of a run ended.
enum Ended {
    /// Its trial ran (recorded).
    Finished,
    /// It was cancelled.
    Cancelled,
    /// An error stopped it: the run stops.
    Failed(String),
}

thread_local! {
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
    static POOL: RefCell<Pool> = RefCell::new(Pool::default());
}

/// The open database (after [`AppState::load`]).
pub fn db() -> Option<Rc<Database>> {
    DB.with_borrow(|d| d.clone())
}

/// Local-storage key of the measured training speed on a backend.
pub fn speed_key(backend: Backend) -> String {
    format!("sweeplab.examples_per_second.{}", backend.name())
}

impl AppState {
    /// Fresh state (nothing loaded).
    pub fn new() -> Self {
        Self {
            sweeps: RwSignal::new(Vec::new()),
            open: RwSignal::new(None),
            records: RwSignal::new(Vec::new()),
            partial: RwSignal::new(Vec::new()),
            live: RwSignal::new(Live::default()),
            notice: RwSignal::new(None),
            loaded: RwSignal::new(false),
            backend_pref: RwSignal::new(BackendChoice::Auto),
            queue: RwSignal::new(Vec::new()),
            cpu_workers: RwSignal::new(
                setting(CPU_WORKERS_KEY)
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n >= 1)
                    .unwrap_or_else(|| default_cpu_workers(hardware_concurrency())),
            ),
            shared: RwSignal::new(None),
        }
    }

    /// Open the database and list the sweeps.
    pub fn load(self) {
        spawn_local(async move {
            match store::open().await {
                Ok(database) => {
                    DB.with_borrow_mut(|d| *d = Some(Rc::new(database)));
                    self.refresh().await;
                }
                Err(e) => self.notice.set(Some(e.to_string())),
            }
            self.loaded.set(true);
        });
    }

    /// Re-read the sweep list.
    pub async fn refresh(self) {
        let Some(database) = db() else { return };
        match store::sweeps(&database).await {
            Ok(stored) => {
                if let Some(problem) = stored.problem() {
                    self.notice.set(Some(problem));
                }
                self.sweeps.set(stored.items)
            }
            Err(e) => self.notice.set(Some(e.to_string())),
        }
    }

    /// Show a sweep and read its trials.
    pub fn show(self, key: Option<String>) {
        self.open.set(key.clone());
        self.records.set(Vec::new());
        self.partial.set(Vec::new());
        let Some(key) = key else { return };
        spawn_local(async move {
            let Some(database) = db() else { return };
            match store::trials(&database, &key).await {
                Ok(stored) if self.open.get_untracked().as_deref() == Some(&key) => {
                    if let Some(problem) = stored.problem() {
                        self.notice.set(Some(problem));
                    }
                    // Joined, not replaced: a trial may have finished
                    // (reported live) while the read ran.
                    self.records.update(|r| {
                        join_by(r, stored.items, |x| x.trial_id.clone());
                        r.sort_by_key(|x| x.trial_index);
                    });
                }
                Ok(_) => return,
                Err(e) => self.notice.set(Some(e.to_string())),
            }
            match store::epochs(&database, &key).await {
                Ok(stored) if self.open.get_untracked().as_deref() == Some(&key) => {
                    if let Some(problem) = stored.problem() {
                        self.notice.set(Some(problem));
                    }
                    let done: BTreeSet<String> = self
                        .records
                        .with_untracked(|r| r.iter().map(|x| x.trial_id.clone()).collect());
                    self.partial.update(|p| {
                        join_by(p, stored.items, |e| (e.trial_id.clone(), e.metrics.epoch));
                        p.retain(|e| !done.contains(&e.trial_id));
                    });
                }
                Ok(_) => {}
                Err(e) => self.notice.set(Some(e.to_string())),
            }
        });
    }

    /// The stored entry of a sweep.
    pub fn entry(self, key: &str) -> Option<SweepEntry> {
        self.sweeps
            .with_untracked(|s| s.iter().find(|e| e.key == key).cloned())
    }

    /// Train the trials of sweep `key` not yet finished, or, while another
    /// sweep runs, queue it to start when that one ends.
    pub fn run(self, key: String, backend: BackendChoice) {
        if self.busy_untracked() {
            let live = self.live.with_untracked(|l| l.sweep_key.clone());
            if live.as_deref() != Some(key.as_str()) && !self.is_queued_untracked(&key) {
                self.queue.update(|q| q.push((key, backend)));
            }
            return;
        }
        let Some(entry) = self.entry(&key) else {
            return self.run_next();
        };
        // Busy from now on, before the first await: a second Start queues.
        self.live.set(Live {
            sweep_key: Some(key.clone()),
            status: RunStatus::Starting,
            started_ms: js_sys::Date::now(),
            ..Live::default()
        });
        spawn_local(async move {
            let stop = |error: String| {
                self.live.update(|l| {
                    l.status = RunStatus::Failed;
                    l.error = Some(error);
                });
                self.run_next();
            };
            let Some(database) = db() else {
                return stop(store::StoreError::NotOpen.to_string());
            };
            let done = match store::trials(&database, &key).await {
                // Re-running a trial whose stored record did not read would
                // overwrite that record.
                Ok(stored) => match stored.problem() {
                    Some(problem) => return stop(format!("not resumed: {problem}")),
                    None => stored.items,
                },
                Err(e) => return stop(e.to_string()),
            };
            let planned = plan(&entry.spec, &done);
            let todo: Vec<usize> = pending(&planned.trials, &done)
                .into_iter()
                .map(|t| t.index)
                .collect();
            // A TPE scan's rounds not chosen yet are still to run.
            let unplanned = entry
                .spec
                .trial_count()
                .saturating_sub(planned.trials.len());
            if todo.is_empty() {
                self.live.update(|l| l.status = RunStatus::Finished);
                return self.run_next();
            }
            let files = match store::files(&database, &key).await {
                Ok(files) => files,
                Err(e) => return stop(e.to_string()),
            };
            let (kind, backend, workers, reason) = match choice_placement(backend).await {
                Placement::Gpu { .. } => (WorkerKind::Gpu, BackendChoice::Gpu, 1, None),
                Placement::Cpu { reason } => {
                    let n = worker_count(self.cpu_workers.get_untracked(), false, todo.len());
                    (WorkerKind::Cpu, BackendChoice::Cpu, n, reason)
                }
            };
            self.live.update(|l| {
                l.requested = todo.len() + unplanned;
                l.workers = workers;
                l.fallback_reason = reason;
            });
            let run = Run {
                key: key.clone(),
                spec: entry.spec.clone(),
                trials: planned.trials,
                complete: planned.complete,
                records: done,
                backend,
                files,
                schedule: Schedule::new(todo, workers),
                error: None,
            };
            let started = POOL.with_borrow_mut(|pool| {
                if pool.kind != Some(kind) {
                    pool.workers.clear();
                    pool.kind = Some(kind);
                }
                while pool.workers.len() < workers {
                    let id = pool.workers.len();
                    let trainer = Trainer::spawn(kind, move |report| self.on_report(id, report))?;
                    pool.workers.push(Slot {
                        trainer,
                        data_for: None,
                    });
                }
                pool.run = Some(run);
                Ok::<(), String>(())
            });
            match started {
                Ok(()) => self.hand_out(),
                Err(e) => {
                    POOL.with_borrow_mut(|p| p.run = None);
                    stop(e)
                }
            }
        });
    }

    /// Give every idle worker of the run its next trial.
    fn hand_out(self) {
        POOL.with_borrow_mut(|pool| {
            let Pool { workers, run, .. } = pool;
            let Some(run) = run else { return };
            for (w, slot) in workers.iter_mut().enumerate().take(run.schedule.workers()) {
                let Some(trial) = run.schedule.next_for(w) else {
                    continue;
                };
                // The data files go to each worker once per sweep; it keeps
                // the prepared data for the trials that follow.
                let files: &[ProvidedFile] = if slot.data_for.as_deref() == Some(run.key.as_str()) {
                    &[]
                } else {
                    &run.files
                };
                slot.data_for = Some(run.key.clone());
                let command = ToWorker::Start {
                    sweep_key: run.key.clone(),
                    sweep: Box::new(run.spec.clone()),
                    trials: run.trials.get(trial).cloned().into_iter().collect(),
                    backend: run.backend,
                    files: files.iter().map(|f| f.name.clone()).collect(),
                };
                slot.trainer.send(&command, files);
            }
        });
    }

    /// Worker `w`'s part of sweep `key`'s run ended: hand it the next trial,
    /// or, when the run is over, say how it ended and start the next queued
    /// sweep.
    fn worker_ended(self, w: WorkerId, key: &str, how: Ended) {
        let over = POOL.with_borrow_mut(|pool| {
            let run = pool.run.as_mut().filter(|r| r.key == key)?;
            run.schedule.ended(w);
            if let Ended::Failed(message) = &how {
                if run.error.is_none() {
                    run.error = Some(message.clone());
                }
                if let Some(slot) = pool.workers.get_mut(w) {
                    // It may not hold the data it was sent.
                    slot.data_for = None;
                }
                for other in run.schedule.stop() {
                    if let Some(slot) = pool.workers.get(other) {
                        slot.trainer.send(
                            &ToWorker::Cancel {
                                sweep_key: key.to_string(),
                            },
                            &[],
                        );
                    }
                }
            }
            let run = pool.run.as_mut()?;
            if !run.schedule.is_over() {
                return Some(None);
            }
            if run.error.is_none() && !run.schedule.is_stopped() && next_round(run) {
                return Some(None);
            }
            let status = match (&run.error, run.schedule.is_stopped(), &how) {
                (Some(_), _, _) => RunStatus::Failed,
                (None, true, _) | (None, false, Ended::Cancelled) => RunStatus::Cancelled,
                _ => RunStatus::Finished,
            };
            Some(Some((status, pool.run.take()?.error)))
        });
        match over {
            None => {}
            Some(None) => self.hand_out(),
            Some(Some((status, error))) => {
                self.live.update(|l| {
                    if l.sweep_key.as_deref() == Some(key) {
                        l.status = status;
                        l.error = error;
                        l.current.clear();
                        l.traces.clear();
                    }
                });
                self.run_next();
            }
        }
    }

    /// Start the first queued sweep, if any.
    fn run_next(self) {
        let next = self
            .queue
            .try_update(|q| (!q.is_empty()).then(|| q.remove(0)));
        if let Some(Some((key, backend))) = next {
            self.run(key, backend);
        }
    }

    /// Whether sweep `key` waits in the queue (tracked).
    pub fn is_queued(self, key: &str) -> bool {
        self.queue.with(|q| q.iter().any(|(k, _)| k == key))
    }

    fn is_queued_untracked(self, key: &str) -> bool {
        self.queue
            .with_untracked(|q| q.iter().any(|(k, _)| k == key))
    }

    /// The sweep running now, while one is (tracked).
    pub fn running_key(self) -> Option<String> {
        self.busy()
            .then(|| self.live.with(|l| l.sweep_key.clone()))
            .flatten()
    }

    /// The user's backend choice.
    pub fn backend_choice(self) -> BackendChoice {
        self.backend_pref.get_untracked()
    }

    /// Hold sweep `key`: each worker before its next batch, and no new
    /// trial handed out.
    pub fn pause(self, key: String) {
        let idle = self.tell_busy(
            &key,
            |run| run.schedule.pause(),
            ToWorker::Pause {
                sweep_key: key.clone(),
            },
        );
        if idle {
            self.live.update(|l| l.status = RunStatus::Paused);
        }
    }

    /// Continue sweep `key` after a pause.
    pub fn resume(self, key: String) {
        self.tell_busy(
            &key,
            |run| run.schedule.resume(),
            ToWorker::Resume {
                sweep_key: key.clone(),
            },
        );
        self.live.update(|l| {
            if l.status == RunStatus::Paused {
                l.status = RunStatus::Running;
            }
        });
        self.hand_out();
    }

    /// Stop sweep `key`: its workers drop their running trials, or, if it
    /// only waits in the queue, it leaves the queue.
    pub fn cancel(self, key: String) {
        if self.is_queued_untracked(&key) {
            self.queue.update(|q| q.retain(|(k, _)| *k != key));
            return;
        }
        let idle = self.tell_busy(
            &key,
            |run| {
                run.schedule.stop();
            },
            ToWorker::Cancel {
                sweep_key: key.clone(),
            },
        );
        if idle {
            // No worker was training (paused between trials): over now.
            self.worker_ended(usize::MAX, &key, Ended::Cancelled);
        }
    }

    /// Apply `change` to sweep `key`'s run and send `command` to its busy
    /// workers; whether none was busy.
    fn tell_busy(self, key: &str, change: impl FnOnce(&mut Run), command: ToWorker) -> bool {
        POOL.with_borrow_mut(|pool| {
            let Some(run) = pool.run.as_mut().filter(|r| r.key == key) else {
                return false;
            };
            change(run);
            let busy = run.schedule.busy();
            for w in &busy {
                if let Some(slot) = pool.workers.get(*w) {
                    slot.trainer.send(&command, &[]);
                }
            }
            busy.is_empty()
        })
    }

    /// Whether a run is in progress (tracked).
    pub fn busy(self) -> bool {
        self.live.with(|l| l.status.is_busy())
    }

    fn busy_untracked(self) -> bool {
        self.live.with_untracked(|l| l.status.is_busy())
    }

    fn on_report(self, worker: WorkerId, message: FromWorker) {
        match message {
            FromWorker::Loaded => {}
            FromWorker::Error { message } => self.worker_failed(worker, message),
            FromWorker::Sweep { sweep_key, report } => {
                self.on_sweep_report(worker, sweep_key, report)
            }
        }
    }

    /// Worker `w` failed outside any sweep's reports: it crashed (a panic
    /// or out of memory ends a wasm instance) or could not read a command.
    /// Its trial will never report, so its part of the run ends as failed
    /// (else the run would wait for it forever), and the pool is started
    /// afresh for the next run.
    fn worker_failed(self, w: WorkerId, message: String) {
        self.notice.set(Some(message.clone()));
        let key = POOL.with_borrow_mut(|pool| {
            pool.kind = None;
            pool.run
                .as_ref()
                .filter(|r| r.schedule.trial_of(w).is_some())
                .map(|r| r.key.clone())
        });
        if let Some(key) = key {
            self.worker_ended(w, &key, Ended::Failed(message));
        }
    }

    /// A report about sweep `key`: trials and epochs are filed under the
    /// sweep the worker names (never the one on screen or the latest one
    /// started), and only after checking that they are that sweep's.
    fn on_sweep_report(self, worker: WorkerId, key: String, report: SweepReport) {
        let is_live = self
            .live
            .with_untracked(|l| l.sweep_key.as_deref() == Some(&key));
        let showing = self.open.get_untracked().as_deref() == Some(&key);
        let live = |update: &dyn Fn(&mut Live)| {
            if is_live {
                self.live.update(|l| update(l));
            }
        };
        match report {
            SweepReport::Refused { running } => self.worker_ended(
                worker,
                &key,
                Ended::Failed(format!(
                    "not started: a training worker is still running sweep {running}"
                )),
            ),
            SweepReport::Ready {
                backend,
                adapter,
                fallback_reason,
            } => live(&|l| {
                if l.status == RunStatus::Starting {
                    l.status = RunStatus::Running;
                }
                l.backend = Some(backend);
                l.adapter = adapter.clone();
                // The page's own reason (why not the WebGPU worker) stays
                // unless the worker has one of its own.
                if fallback_reason.is_some() {
                    l.fallback_reason = fallback_reason.clone();
                }
            }),
            SweepReport::TrialStarted {
                trial_index,
                trial_id,
            } => {
                live(&|l| {
                    l.traces.remove(&trial_index);
                });
                // Sent again when a trial is re-run on the CPU after a
                // WebGPU error: its earlier epochs are not to be shown.
                if showing {
                    self.partial
                        .update(|p| p.retain(|e| e.trial_id != trial_id));
                }
            }
            SweepReport::Batch {
                trial_index,
                progress,
            } => live(&|l| {
                l.current.insert(trial_index, progress);
                let x = (progress.epoch - 1) as f64
                    + progress.batch as f64 / progress.batches.max(1) as f64;
                l.traces
                    .entry(trial_index)
                    .or_default()
                    .push((x, progress.loss));
            }),
            SweepReport::Epoch {
                trial_index,
                trial_id,
                metrics,
            } => {
                if let Err(why) = self.check_trial(&key, trial_index, &trial_id) {
                    return self.refuse(&key, &format!("an epoch of trial {trial_id}"), &why);
                }
                let epoch = StoredEpoch {
                    trial_id,
                    trial_index,
                    metrics,
                };
                if showing {
                    self.partial.update(|p| p.push(epoch.clone()));
                }
                spawn_local(async move {
                    if let Some(database) = db()
                        && let Err(e) = store::put_epoch(&database, &key, &epoch).await
                    {
                        self.notice.set(Some(e.to_string()));
                    }
                });
            }
            SweepReport::TrialDone { record } => {
                let record = *record;
                if let Err(why) = self.check_record(&key, &record) {
                    return self.refuse(
                        &key,
                        &format!("the record of trial {}", record.trial_id),
                        &why,
                    );
                }
                let seconds = record.seconds();
                if is_live && seconds > 0.0 {
                    let examples: usize = record.epochs.len()
                        * sweeplab_core::data::expected_sizes(&record.dataset).0;
                    let speed = examples as f64 / seconds;
                    if let Some(backend) = self.live.with_untracked(|l| l.backend) {
                        set_setting(&speed_key(backend), &format!("{speed:.0}"));
                    }
                }
                live(&|l| {
                    l.done += 1;
                    l.current.remove(&record.trial_index);
                    l.traces.remove(&record.trial_index);
                });
                if showing {
                    self.partial
                        .update(|p| p.retain(|e| e.trial_id != record.trial_id));
                    self.records.update(|r| {
                        r.retain(|x| x.trial_id != record.trial_id);
                        r.push(record.clone());
                        r.sort_by_key(|x| x.trial_index);
                    });
                }
                spawn_local(async move {
                    if let Some(database) = db()
                        && let Err(e) = store::put_trial(&database, &key, &record).await
                    {
                        self.notice.set(Some(e.to_string()));
                    }
                });
            }
            SweepReport::Paused => live(&|l| l.status = RunStatus::Paused),
            SweepReport::Resumed => live(&|l| {
                if l.status == RunStatus::Paused {
                    l.status = RunStatus::Running;
                }
            }),
            SweepReport::Cancelled => self.worker_ended(worker, &key, Ended::Cancelled),
            SweepReport::Finished => self.worker_ended(worker, &key, Ended::Finished),
            SweepReport::Error { message } => {
                self.worker_ended(worker, &key, Ended::Failed(message))
            }
        }
    }

    /// Whether `trial_id` is the trial at `index` of stored sweep `key`.
    fn check_trial(self, key: &str, index: usize, trial_id: &str) -> Result<(), String> {
        let entry = self.entry(key).ok_or("no such sweep is stored")?;
        with_planned_trials(key, &entry.spec, |trials| {
            trial_at(trials, index, trial_id)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    /// Whether `record` is a trial of stored sweep `key`; if so, the run
    /// keeps it for choosing the next round.
    fn check_record(self, key: &str, record: &TrialRecord) -> Result<(), String> {
        let entry = self.entry(key).ok_or("no such sweep is stored")?;
        let id = sweep_id(&entry.spec);
        with_planned_trials(key, &entry.spec, |trials| {
            record.check_belongs(&id, trials).map_err(|e| e.to_string())
        })?;
        POOL.with_borrow_mut(|pool| {
            if let Some(run) = pool.run.as_mut().filter(|r| r.key == key) {
                run.records.retain(|r| r.trial_id != record.trial_id);
                run.records.push(record.clone());
            }
        });
        Ok(())
    }

    /// Say, loudly, that a report for sweep `key` was not stored.
    fn refuse(self, key: &str, what: &str, why: &str) {
        let name = self.entry(key).map_or(key.to_string(), |e| e.spec.name);
        let line = format!("refused {what} from the training worker for sweep {name:?}: {why}");
        web_sys::console::error_1(&line.clone().into());
        self.notice.set(Some(line));
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// `check` over the trials sweep `key` has chosen: the live run's plan
/// while it runs (a TPE scan's later rounds exist only there), else those
/// its spec alone gives.
fn with_planned_trials<T>(key: &str, spec: &SweepSpec, check: impl FnOnce(&[Trial]) -> T) -> T {
    POOL.with_borrow(|pool| match pool.run.as_ref().filter(|r| r.key == key) {
        Some(run) => check(&run.trials),
        None => check(&expand(spec)),
    })
}

/// After a round of `run` ended: choose the next one from the records (a
/// TPE scan) and schedule what it adds; whether there is more to train.
fn next_round(run: &mut Run) -> bool {
    if run.complete {
        return false;
    }
    let next = plan(&run.spec, &run.records);
    let todo: Vec<usize> = pending(&next.trials, &run.records)
        .into_iter()
        .map(|t| t.index)
        .collect();
    let workers = run.schedule.workers();
    run.trials = next.trials;
    run.complete = next.complete;
    if todo.is_empty() {
        // Nothing new could be chosen: end instead of waiting for ever.
        run.complete = true;
        return false;
    }
    run.schedule = Schedule::new(todo, workers);
    true
}

/// Where a sweep with `choice` trains in this browser (the CPU choice needs
/// no probe of WebGPU).
async fn choice_placement(choice: BackendChoice) -> Placement {
    let adapter = match choice {
        BackendChoice::Cpu => Adapter::Missing(String::new()),
        _ => sweeplab_core::webgpu::adapter().await,
    };
    placement(choice, &adapter)
}

/// Measured examples per second on `backend` in this browser, if any.
pub fn measured_speed(backend: Backend) -> Option<f64> {
    setting(&speed_key(backend))?.parse().ok()
}

/// Save (create or update) a sweep and show it.
pub async fn save_and_show(
    state: AppState,
    entry: SweepEntry,
    files: Vec<sweeplab_core::data::ProvidedFile>,
) -> store::StoreResult<()> {
    let database = db().ok_or(store::StoreError::NotOpen)?;
    store::put_sweep(&database, &entry, &files).await?;
    state.refresh().await;
    state.show(Some(entry.key.clone()));
    Ok(())
}
