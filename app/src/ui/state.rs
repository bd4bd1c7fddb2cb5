//! The page's state: the stored sweeps, the sweep on screen, and the live
//! run in the worker. Reports from the worker land here and in IndexedDB.

use std::cell::RefCell;
use std::rc::Rc;

use idb::Database;
use leptos::prelude::*;
use leptos::task::spawn_local;

use sweeplab_core::progress::BatchProgress;
use sweeplab_core::record::{Backend, TrialRecord};
use sweeplab_core::sweep::{expand, pending, sweep_id, trial_at};

use crate::browser::{set_setting, setting};
use crate::store::{self, StoredEpoch};
use crate::sweep_entry::SweepEntry;
use crate::worker_host::Trainer;
use sweeplab_core::protocol::{BackendChoice, FromWorker, SweepReport, ToWorker};

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
    /// The trial training now and its progress.
    pub current: Option<(usize, BatchProgress)>,
    /// Loss trace of the current trial: (epochs done, loss).
    pub trace: Vec<(f64, f64)>,
    /// The last error, one line.
    pub error: Option<String>,
}

impl Live {
    /// Seconds left, from the speed so far (None before any progress).
    pub fn eta_seconds(&self) -> Option<f64> {
        let elapsed = (js_sys::Date::now() - self.started_ms) / 1000.0;
        let partial = self.current.map_or(0.0, |(_, p)| {
            ((p.epoch - 1) as f64 + p.batch as f64 / p.batches.max(1) as f64)
                / p.epochs.max(1) as f64
        });
        let progress = self.done as f64 + partial;
        (progress > 0.05 && elapsed > 1.0)
            .then(|| elapsed / progress * (self.requested as f64 - progress).max(0.0))
    }
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
}

thread_local! {
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
    static TRAINER: RefCell<Option<Trainer>> = const { RefCell::new(None) };
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
                Err(e) => self.notice.set(Some(e)),
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
            Err(e) => self.notice.set(Some(e)),
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
                    self.records.set(stored.items)
                }
                Ok(_) => {}
                Err(e) => self.notice.set(Some(e)),
            }
            match store::epochs(&database, &key).await {
                Ok(stored) => {
                    if let Some(problem) = stored.problem() {
                        self.notice.set(Some(problem));
                    }
                    self.partial.set(stored.items);
                }
                Err(e) => self.notice.set(Some(e)),
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
                return stop("browser storage is not open".into());
            };
            let done = match store::trials(&database, &key).await {
                // Re-running a trial whose stored record did not read would
                // overwrite that record.
                Ok(stored) => match stored.problem() {
                    Some(problem) => return stop(format!("not resumed: {problem}")),
                    None => stored.items,
                },
                Err(e) => return stop(e),
            };
            let todo: Vec<usize> = pending(&expand(&entry.spec), &done)
                .into_iter()
                .map(|t| t.index)
                .collect();
            if todo.is_empty() {
                self.live.update(|l| l.status = RunStatus::Finished);
                return self.run_next();
            }
            let files = match store::files(&database, &key).await {
                Ok(files) => files,
                Err(e) => return stop(e),
            };
            self.live.update(|l| l.requested = todo.len());
            let command = ToWorker::Start {
                sweep_key: key.clone(),
                sweep: Box::new(entry.spec.clone()),
                trials: todo,
                backend,
                files: files.iter().map(|f| f.name.clone()).collect(),
            };
            let spawned = TRAINER.with_borrow_mut(|slot| {
                if slot.is_none() {
                    *slot = Some(Trainer::spawn(move |report| self.on_report(report))?);
                }
                slot.as_ref().expect("just set").send(&command, &files);
                Ok::<(), String>(())
            });
            if let Err(e) = spawned {
                stop(e);
            }
        });
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

    /// Hold sweep `key` before its next batch.
    pub fn pause(self, key: String) {
        self.send(&ToWorker::Pause { sweep_key: key });
    }

    /// Continue sweep `key` after a pause.
    pub fn resume(self, key: String) {
        self.send(&ToWorker::Resume { sweep_key: key });
    }

    /// Stop sweep `key`: the worker drops its running trial, or, if it only
    /// waits in the queue, it leaves the queue.
    pub fn cancel(self, key: String) {
        if self.is_queued_untracked(&key) {
            self.queue.update(|q| q.retain(|(k, _)| *k != key));
            return;
        }
        self.send(&ToWorker::Cancel { sweep_key: key });
    }

    fn send(self, command: &ToWorker) {
        TRAINER.with_borrow(|t| {
            if let Some(t) = t {
                t.send(command, &[]);
            }
        });
    }

    /// Whether a run is in progress (tracked).
    pub fn busy(self) -> bool {
        self.live.with(|l| l.status.is_busy())
    }

    fn busy_untracked(self) -> bool {
        self.live.with_untracked(|l| l.status.is_busy())
    }

    fn on_report(self, message: FromWorker) {
        match message {
            FromWorker::Loaded => {}
            FromWorker::Error { message } => self.notice.set(Some(message)),
            FromWorker::Sweep { sweep_key, report } => self.on_sweep_report(sweep_key, report),
        }
    }

    /// A report about sweep `key`: trials and epochs are filed under the
    /// sweep the worker names (never the one on screen or the latest one
    /// started), and only after checking that they are that sweep's.
    fn on_sweep_report(self, key: String, report: SweepReport) {
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
            SweepReport::Refused { running } => {
                live(&|l| {
                    l.status = RunStatus::Failed;
                    l.error = Some(format!(
                        "not started: the training worker is still running sweep {running}"
                    ));
                });
                self.run_next();
            }
            SweepReport::Ready {
                backend,
                adapter,
                fallback_reason,
            } => live(&|l| {
                l.status = RunStatus::Running;
                l.backend = Some(backend);
                l.adapter = adapter.clone();
                l.fallback_reason = fallback_reason.clone();
            }),
            SweepReport::TrialStarted { trial_id, .. } => {
                live(&|l| l.trace.clear());
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
                l.current = Some((trial_index, progress));
                let x = (progress.epoch - 1) as f64
                    + progress.batch as f64 / progress.batches.max(1) as f64;
                l.trace.push((x, progress.loss));
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
                        self.notice.set(Some(e));
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
                    l.current = None;
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
                        self.notice.set(Some(e));
                    }
                });
            }
            SweepReport::Paused => live(&|l| l.status = RunStatus::Paused),
            SweepReport::Resumed => live(&|l| l.status = RunStatus::Running),
            SweepReport::Cancelled => {
                live(&|l| {
                    l.status = RunStatus::Cancelled;
                    l.current = None;
                });
                self.run_next();
            }
            SweepReport::Finished => {
                live(&|l| {
                    l.status = RunStatus::Finished;
                    l.current = None;
                });
                self.run_next();
            }
            SweepReport::Error { message } => {
                live(&|l| {
                    l.status = RunStatus::Failed;
                    l.error = Some(message.clone());
                });
                self.run_next();
            }
        }
    }

    /// Whether `trial_id` is the trial at `index` of stored sweep `key`.
    fn check_trial(self, key: &str, index: usize, trial_id: &str) -> Result<(), String> {
        let entry = self.entry(key).ok_or("no such sweep is stored")?;
        trial_at(&expand(&entry.spec), index, trial_id)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Whether `record` is a trial of stored sweep `key`.
    fn check_record(self, key: &str, record: &TrialRecord) -> Result<(), String> {
        let entry = self.entry(key).ok_or("no such sweep is stored")?;
        record
            .check_belongs(&sweep_id(&entry.spec), &expand(&entry.spec))
            .map_err(|e| e.to_string())
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

/// Measured examples per second on `backend` in this browser, if any.
pub fn measured_speed(backend: Backend) -> Option<f64> {
    setting(&speed_key(backend))?.parse().ok()
}

/// Save (create or update) a sweep and show it.
pub async fn save_and_show(
    state: AppState,
    entry: SweepEntry,
    files: Vec<sweeplab_core::data::ProvidedFile>,
) -> Result<(), String> {
    let database = db().ok_or("browser storage is not open")?;
    store::put_sweep(&database, &entry, &files).await?;
    state.refresh().await;
    state.show(Some(entry.key.clone()));
    Ok(())
}
