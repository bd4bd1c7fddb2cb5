//! `native-sweep run`: train the trials of a sweep (or one shard of it)
//! that are not finished yet, `--jobs` at a time, appending each record.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;

use burn::prelude::*;
use sweeplab_core::data::{self, Splits};
use sweeplab_core::record::{Backend, EpochMetrics, TrialRecord, TrialStatus};
use sweeplab_core::spec::{Strategy, SweepSpec};
use sweeplab_core::sweep::{self, Shard, Trial, sweep_id};
use sweeplab_train::{
    BatchProgress, CancelToken, Checkpoint, RunContext, TrainObserver, run_trial,
};

use crate::cli::{BackendChoice, RunArgs};
use crate::device;
use crate::error::{CliError, input};
use crate::mlflow::{Client, Exporter, MlflowError};
use crate::progress::{Progress, cell_label};
use crate::results::{ResultsDir, write_atomic};
use crate::show;
use crate::sync;

/// Read and validate a sweep file; errors name the file.
pub fn read_sweep(path: &Path) -> Result<SweepSpec, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| input(format!("{}: cannot read: {e}", path.display())))?;
    let name = path.to_string_lossy();
    SweepSpec::from_file_text(&name, &text).map_err(|source| CliError::Spec {
        file: path.display().to_string(),
        source,
    })
}

/// The shard from `--shard` or a cluster's environment (Slurm job arrays,
/// Kubernetes Indexed Jobs).
pub fn resolve_shard(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>, CliError> {
    if let Some(s) = flag {
        return s
            .parse()
            .map(Some)
            .map_err(|e| input(format!("--shard: {e}")));
    }
    let pair = |index: &str, count: &str| -> Result<Option<Shard>, CliError> {
        match (env(index), env(count)) {
            (Some(i), Some(n)) => format!("{i}/{n}")
                .parse()
                .map(Some)
                .map_err(|e| input(format!("{index}/{count}: {e}"))),
            (Some(_), None) => Err(input(format!(
                "{index} is set but {count} is not: cannot tell how many shards there are"
            ))),
            _ => Ok(None),
        }
    };
    if let Some(s) = pair("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT")? {
        return Ok(Some(s));
    }
    pair("JOB_COMPLETION_INDEX", "SWEEPLAB_SHARD_COUNT")
}

/// Default results directory of a sweep: `runs/NAME-ID`, or the directory
/// of the same grid that an older sweeplab named with the id it gave it.
pub fn default_out(spec: &SweepSpec) -> PathBuf {
    let safe: String = spec
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let id = sweep_id(spec);
    let named = PathBuf::from("runs").join(format!("{safe}-{}", &id[..8]));
    if named.exists() {
        return named;
    }
    // A directory an older sweeplab named after the id it gave this grid:
    // the same grid by today's rules, so it resumes there.
    let prefix = format!("{safe}-");
    std::fs::read_dir("runs")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .find(|p| ResultsDir::open(p).is_ok_and(|d| sweep_id(&d.spec) == id))
        .unwrap_or(named)
}

enum Event {
    Note(String),
    Started(usize, String),
    Batch(usize, BatchProgress, String),
    Epoch(String, EpochMetrics),
    Done(Box<TrialRecord>),
}

struct ChannelObserver {
    job: usize,
    label: String,
    tx: mpsc::Sender<Event>,
    checkpoint: PathBuf,
}

/// Where a trial's epoch checkpoint lives while it runs.
fn checkpoint_path(results: &ResultsDir, trial_id: &str) -> PathBuf {
    results.file("checkpoints").join(format!("{trial_id}.ckpt"))
}

impl TrainObserver for ChannelObserver {
    fn wants_checkpoints(&self) -> bool {
        true
    }

    fn on_checkpoint(&mut self, checkpoint: Checkpoint) {
        // Best effort: a checkpoint that cannot be written only means a
        // resume starts the trial over.
        if let Some(dir) = self.checkpoint.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = write_atomic(&self.checkpoint, &checkpoint.to_bytes());
    }

    fn on_batch(&mut self, p: &BatchProgress) {
        let _ = self.tx.send(Event::Batch(self.job, *p, self.label.clone()));
    }

    fn on_epoch(&mut self, m: &EpochMetrics) {
        let _ = self.tx.send(Event::Epoch(self.label.clone(), m.clone()));
    }
}

/// Run the command; exit code 1 if any trial failed.
pub fn run(args: &RunArgs) -> Result<i32, CliError> {
    let spec = read_sweep(&args.sweep)?;
    let shard = resolve_shard(args.shard.as_deref(), &|k| std::env::var(k).ok())?;
    if shard.is_some() && spec.search.plans_from_records() {
        let what = if spec.search.strategy == Strategy::Tpe {
            "a tpe scan proposes each round"
        } else {
            "successive halving chooses each rung"
        };
        return Err(input(format!(
            "--shard: {what} from every finished trial, which separate shard directories cannot see; run it unsharded (--jobs N shares a round), or use a random scan without halving for job arrays"
        )));
    }
    if args.jobs == 0 {
        return Err(input("--jobs: 0 must be at least 1"));
    }
    let out = args.out.clone().unwrap_or_else(|| default_out(&spec));
    let splits = data::load(&spec.dataset)?;
    let mut exporter = connect_tracking(args, &spec, &out)?;
    // Probing adapters may make drivers print to stderr: after input checks.
    let found = if args.backend == BackendChoice::Cpu {
        Vec::new()
    } else {
        device::adapters()
    };
    let device::Chosen {
        device,
        backend,
        name: device_name,
    } = device::choose(args.backend, &found)?;
    let results = ResultsDir::create_or_resume(&out, &spec)?;

    let mine = |plan: &sweep::Plan| match shard {
        Some(s) => sweep::shard(&plan.trials, s),
        None => plan.trials.clone(),
    };
    let records = results.records()?;
    let first = sweep::plan(&spec, &records);
    let todo = sweep::pending(&mine(&first), &records);
    // A TPE scan's later rounds (a halving scan's rungs) are not chosen
    // yet: count them as to run.
    let total = if first.complete {
        mine(&first).len()
    } else {
        spec.trial_count()
    };
    let mut progress = Progress::new(
        total,
        mine(&first).len() - todo.len(),
        args.jobs.min(todo.len().max(1)),
        args.quiet,
    );
    progress.println(&format!(
        "sweep {} ({}): {} trials{}, {} to run, on {backend} / {device_name}; results in {}",
        spec.name,
        sweep_id(&spec),
        total,
        shard.map(|s| format!(" in shard {s}")).unwrap_or_default(),
        total - (mine(&first).len() - todo.len()),
        out.display()
    ));

    let mut failed = 0;
    let mut todo = todo;
    // A grid or a random scan runs once through; a TPE scan runs round by
    // round, each chosen from the records the rounds before wrote.
    loop {
        let ran: Vec<String> = todo.iter().map(|t| t.id.clone()).collect();
        failed += train_all(
            &spec,
            todo,
            &splits,
            (&device, backend, &device_name),
            args.jobs,
            &results,
            &mut progress,
            &mut exporter,
        )?;
        let records = results.records()?;
        let plan = sweep::plan(&spec, &records);
        todo = sweep::pending(&mine(&plan), &records);
        // Done, or stopped: trials that ran and still have no outcome
        // (cancelled) wait for the next `run`.
        if todo.is_empty() || todo.iter().any(|t| ran.contains(&t.id)) {
            break;
        }
    }
    progress.close();
    let records = results.records()?;
    match show::write_outputs(&results, &records, &show::Selection::default()) {
        Ok(table) if !args.quiet => eprintln!("{table}"),
        Ok(_) => {}
        Err(e) => eprintln!("native-sweep: no summary yet: {e}"),
    }
    if let Some(mut ex) = exporter
        && let Err(e) = sync::export_all(&mut ex, &results, &records)
    {
        warn_local(&e, &results.path);
    }
    Ok(if failed > 0 { 1 } else { 0 })
}

fn warn_local(e: &MlflowError, dir: &Path) {
    eprintln!(
        "native-sweep: {e}; results stay in {} - send them later with: native-sweep export-mlflow {}",
        dir.display(),
        dir.display()
    );
}

/// Connect to MLflow if asked. Wrong credentials stop the run (exit 2)
/// before any training; an unreachable server only warns.
fn connect_tracking(
    args: &RunArgs,
    spec: &SweepSpec,
    out: &Path,
) -> Result<Option<Exporter>, CliError> {
    let Some(config) = sync::tracking_config(&args.tracking) else {
        return Ok(None);
    };
    let experiment = sync::experiment_name(&args.tracking, spec);
    // Resuming a directory an older sweeplab wrote: its runs carry the ids
    // that version gave. A directory that does not read stops here, as it
    // would a moment later.
    let earlier = if out.join(crate::results::SWEEP_FILE).exists() {
        sync::earlier_sweep_ids(spec, &ResultsDir::open(out)?.records()?)
    } else {
        Vec::new()
    };
    match Exporter::connect(
        Client::new(config).with_retries(1),
        &experiment,
        spec,
        &earlier,
    ) {
        Ok(ex) => Ok(Some(ex)),
        Err(e @ MlflowError::Auth { .. }) => Err(e.into()),
        Err(e) => {
            warn_local(&e, out);
            Ok(None)
        }
    }
}

/// CPU threads for each job's own thread pool when several trials train at
/// once on the CPU backend: the cores split evenly, so parallel trials do not
/// fight over one shared pool (flex parallelises each op; small ops scale
/// poorly past one thread, whole trials scale well). `None`: one job, or a GPU.
fn cpu_threads_per_job(backend: Backend, jobs: usize) -> Option<usize> {
    // rayon's count honours RAYON_NUM_THREADS.
    let cores = rayon::current_num_threads();
    (backend == Backend::Flex && jobs > 1).then(|| (cores / jobs).max(1))
}

/// Train `todo` with `jobs` workers; records are appended by this thread
/// as they arrive. Returns the number of failed trials.
#[allow(clippy::too_many_arguments)]
fn train_all(
    spec: &SweepSpec,
    todo: Vec<Trial>,
    splits: &Splits,
    (device, backend, device_name): (&Device, Backend, &str),
    jobs: usize,
    results: &ResultsDir,
    progress: &mut Progress,
    exporter: &mut Option<Exporter>,
) -> Result<usize, CliError> {
    let jobs = jobs.min(todo.len()).max(1);
    let queue = Mutex::new(VecDeque::from(todo));
    let cancel = CancelToken::new();
    let (tx, rx) = mpsc::channel::<Event>();
    let mut failed = 0;
    let threads = cpu_threads_per_job(backend, jobs);
    std::thread::scope(|scope| -> Result<(), CliError> {
        for job in 0..jobs {
            let tx = tx.clone();
            let (queue, cancel) = (&queue, &cancel);
            scope.spawn(move || {
                let pool = threads
                    .and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok());
                let ctx = RunContext {
                    sweep: spec,
                    device,
                    backend,
                    device_name,
                    cancel,
                };
                loop {
                    let Some(trial) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
                    else {
                        break;
                    };
                    let label = format!("{} seed {}", cell_label(&trial.cell), trial.seed);
                    let _ = tx.send(Event::Started(job, label.clone()));
                    let checkpoint = checkpoint_path(results, &trial.id);
                    let resume = std::fs::read(&checkpoint)
                        .ok()
                        .and_then(|b| Checkpoint::from_bytes(&b));
                    if let Some(ck) = resume.as_ref().filter(|ck| ck.state.trial_id == trial.id) {
                        let note = format!(
                            "trial {} ({label}): resuming after epoch {}",
                            trial.id,
                            ck.epoch()
                        );
                        let _ = tx.send(Event::Note(note));
                    }
                    let mut observer = ChannelObserver {
                        job,
                        label,
                        tx: tx.clone(),
                        checkpoint,
                    };
                    let mut train = || {
                        pollster::block_on(run_trial(
                            &ctx,
                            &trial,
                            splits,
                            resume.as_ref(),
                            &mut observer,
                        ))
                    };
                    let record = match &pool {
                        Some(pool) => pool.install(train),
                        None => train(),
                    };
                    if tx.send(Event::Done(Box::new(record))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for event in rx {
            match event {
                Event::Note(line) => progress.println(&line),
                Event::Started(job, label) => progress.start(job, &label),
                Event::Batch(job, p, label) => progress.batch(job, &p, &label),
                Event::Epoch(label, m) => progress.epoch(&label, &m),
                Event::Done(record) => {
                    if let Err(e) = results.append(&record) {
                        cancel.cancel();
                        return Err(e);
                    }
                    let _ = std::fs::remove_file(checkpoint_path(results, &record.trial_id));
                    if record.status == TrialStatus::Failed {
                        failed += 1;
                        progress.println(&format!(
                            "trial {} failed: {}",
                            record.trial_id,
                            record.error.as_deref().unwrap_or("unknown error")
                        ));
                    }
                    progress.finish(&record);
                    if let Some(ex) = exporter.as_mut()
                        && let Err(e) = ex.export_record(&record)
                    {
                        warn_local(&e, &results.path);
                        *exporter = None;
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_from_flag_and_cluster_env() {
        let none = |_: &str| None;
        assert_eq!(
            resolve_shard(Some("1/3"), &none).unwrap(),
            Some(Shard::new(1, 3).unwrap())
        );
        assert_eq!(resolve_shard(None, &none).unwrap(), None);
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("2".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("4".to_string()),
            _ => None,
        };
        assert_eq!(
            resolve_shard(None, &slurm).unwrap(),
            Some(Shard::new(2, 4).unwrap())
        );
        let k8s_missing_count = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        let err = resolve_shard(None, &k8s_missing_count).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JOB_COMPLETION_INDEX is set but SWEEPLAB_SHARD_COUNT is not: cannot tell how many shards there are"
        );
        assert_eq!(
            resolve_shard(Some("4/4"), &none).unwrap_err().exit_code(),
            2
        );
    }
}
