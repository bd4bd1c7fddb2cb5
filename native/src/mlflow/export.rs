//! A sweep as MLflow runs: one parent run per sweep (grid as params, the
//! journal — hypothesis, notes, conclusion — as its note, best metric,
//! heatmap + sweep file + records as artifacts) and one child run per trial.
//! Runs are found again by their tags, so exporting twice never duplicates
//! anything.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sweeplab_core::journal::note_markdown;
use sweeplab_core::record::{Backend, TrialRecord, TrialStatus};
use sweeplab_core::spec::{SweepSpec, value_label};
use sweeplab_core::sweep::{self, sweep_id};

use super::client::{Client, MetricPoint, MlflowError, RunInfo};
use crate::progress::cell_label;
use crate::results::{ResultsDir, SWEEP_FILE, TRIALS_FILE};

const KIND: &str = "sweeplab_kind";
const SWEEP_ID: &str = "sweeplab_sweep_id";
const TRIAL_ID: &str = "sweeplab_trial_id";
const PARENT: &str = "mlflow.parentRunId";

/// Exports one results directory, remembering what the server already has.
///
/// Shards of one sweep export to one server without talking to each other,
/// so any number of them may look for the sweep's parent run at the same
/// moment, find none, and each create one. The rule that makes them agree:
/// the parent is the **oldest** run tagged with the sweep's id (start time,
/// then run id). A shard that created a parent and then sees an older one
/// deletes its own at once; and whenever a shard finishes, it deletes every
/// other parent and points every child of the sweep at the oldest. The
/// parent stays `RUNNING` until the server holds a finished child for every
/// trial of the grid.
pub struct Exporter {
    client: Client,
    experiment_id: String,
    /// The sweep's id, then the ids older versions gave it.
    sweep_ids: Vec<String>,
    parent: RunInfo,
    /// Trial id → (run id, run status) of the children the server holds.
    children: HashMap<String, (String, String)>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

fn tag(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_string(), v.into())
}

/// `{"model": {"dropout": 0.2}}` → `[("model.dropout", "0.2")]`.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), "none".into())),
        other => out.push((prefix.to_string(), value_label(other))),
    }
}

/// MLflow refuses tag values longer than 8000 characters: keep the start.
const MAX_NOTE_CHARS: usize = 7900;

fn capped_note(text: &str) -> String {
    if text.chars().count() <= MAX_NOTE_CHARS {
        return text.to_string();
    }
    let mut s: String = text.chars().take(MAX_NOTE_CHARS - 60).collect();
    s.push_str("\n\n… (cut; the whole journal: native-sweep journal DIR)");
    s
}

fn terminal(status: &str) -> bool {
    matches!(status, "FINISHED" | "FAILED" | "KILLED")
}

/// The sweep's parent among `runs`: the oldest (start time, then run id),
/// the one every shard settles on whatever order they created them in.
fn oldest(runs: Vec<RunInfo>) -> Option<RunInfo> {
    runs.into_iter()
        .min_by(|a, b| (a.start_time, &a.run_id).cmp(&(b.start_time, &b.run_id)))
}

impl Exporter {
    /// Find or create the experiment and the sweep's parent run, and list
    /// the trial runs already there. `earlier_ids` are the ids an older
    /// sweeplab gave this sweep (the `sweep_id` of records it wrote): runs
    /// it exported under them are found too, not exported again.
    pub fn connect(
        client: Client,
        experiment: &str,
        spec: &SweepSpec,
        earlier_ids: &[String],
    ) -> Result<Self, MlflowError> {
        let mut sweep_ids = vec![sweep_id(spec)];
        for earlier in earlier_ids {
            if !sweep_ids.contains(earlier) {
                sweep_ids.push(earlier.clone());
            }
        }
        let experiment_id = client.experiment_id(experiment)?;
        let mut exporter = Self {
            client,
            experiment_id,
            sweep_ids,
            parent: RunInfo::default(),
            children: HashMap::new(),
        };
        exporter.parent = exporter.parent_run(spec)?;
        exporter.children = exporter
            .search("trial")?
            .into_iter()
            .filter_map(|run| {
                let trial = run.tag(TRIAL_ID)?.to_string();
                Some((trial, (run.run_id, run.status)))
            })
            .collect();
        Ok(exporter)
    }

    /// The runs of `kind` (`sweep` or `trial`) tagged with one of the
    /// sweep's ids.
    fn search(&self, kind: &str) -> Result<Vec<RunInfo>, MlflowError> {
        let mut runs = Vec::new();
        for id in &self.sweep_ids {
            let filter = format!("tags.{SWEEP_ID} = '{id}' and tags.{KIND} = '{kind}'");
            runs.extend(self.client.search_runs(&self.experiment_id, &filter)?);
        }
        Ok(runs)
    }

    /// The sweep's parent run: the oldest on the server, or a new one. A new
    /// one that turns out not to be the oldest (another shard created one
    /// at the same time) is deleted again.
    fn parent_run(&self, spec: &SweepSpec) -> Result<RunInfo, MlflowError> {
        if let Some(run) = oldest(self.search("sweep")?) {
            return Ok(run);
        }
        let ours = self.create_parent(spec)?;
        let chosen = oldest(self.search("sweep")?).unwrap_or_else(|| ours.clone());
        if chosen.run_id != ours.run_id {
            self.client.delete_run(&ours.run_id)?;
        }
        Ok(chosen)
    }

    fn create_parent(&self, spec: &SweepSpec) -> Result<RunInfo, MlflowError> {
        let tags = vec![
            tag(SWEEP_ID, &self.sweep_ids[0]),
            tag(KIND, "sweep"),
            tag("mlflow.note.content", &spec.hypothesis),
            tag("mlflow.source.name", "native-sweep"),
            tag("mlflow.source.type", "LOCAL"),
            tag("mlflow.user", user()),
        ];
        let run = self
            .client
            .create_run(&self.experiment_id, &spec.name, now_ms(), &tags)?;
        let mut params = vec![
            tag("sweep.name", &spec.name),
            tag("sweep.metric", spec.metric.name()),
            tag("sweep.repeats", spec.repeats.to_string()),
            tag("sweep.seed", spec.seed.to_string()),
            tag("sweep.trials", spec.trial_count().to_string()),
        ];
        for axis in &spec.axes {
            // Listed values, or a scan's range (`0.0001..0.3 (log)`).
            params.push(tag(&format!("axis.{}", axis.path), axis.describe()));
        }
        if !spec.is_grid() {
            flatten(
                "search",
                &serde_json::to_value(&spec.search).unwrap_or_default(),
                &mut params,
            );
        }
        flatten(
            "dataset",
            &serde_json::to_value(&spec.dataset).unwrap_or_default(),
            &mut params,
        );
        flatten(
            "base",
            &serde_json::to_value(&spec.base).unwrap_or_default(),
            &mut params,
        );
        self.client.log_batch(&run.run_id, &[], &params, &[])?;
        Ok(run)
    }

    /// Send one trial as a child run, unless the server already has it
    /// complete. Returns whether anything was sent.
    pub fn export_record(&mut self, r: &TrialRecord) -> Result<bool, MlflowError> {
        let existing = self
            .children
            .get(&r.trial_id)
            .or_else(|| {
                r.legacy_trial_id
                    .as_ref()
                    .and_then(|id| self.children.get(id))
            })
            .cloned();
        if existing
            .as_ref()
            .is_some_and(|(_, status)| terminal(status))
        {
            return Ok(false);
        }
        let status_name = format!("{:?}", r.status).to_lowercase();
        let run_id = match existing {
            Some((run_id, _)) => run_id,
            None => {
                let tags = vec![
                    tag(PARENT, &self.parent.run_id),
                    tag(SWEEP_ID, &r.sweep_id),
                    tag(KIND, "trial"),
                    tag(TRIAL_ID, &r.trial_id),
                    tag("sweeplab_cell", cell_label(&r.cell)),
                    tag("sweeplab_seed", r.seed.to_string()),
                    tag(
                        "sweeplab_backend",
                        format!(
                            "{} / {}",
                            r.backend.map(Backend::name).unwrap_or(""),
                            r.device
                        ),
                    ),
                    tag("mlflow.source.name", "native-sweep"),
                    tag("mlflow.source.type", "LOCAL"),
                    tag("mlflow.user", user()),
                ];
                let name = format!("{} seed {}", cell_label(&r.cell), r.seed);
                self.client
                    .create_run(&self.experiment_id, &name, r.started_ms, &tags)?
                    .run_id
            }
        };
        let mut params = vec![
            tag("trial.repeat", r.repeat.to_string()),
            tag("trial.seed", r.seed.to_string()),
            tag("trial.params", r.params.to_string()),
        ];
        flatten(
            "",
            &serde_json::to_value(&r.config).unwrap_or_default(),
            &mut params,
        );
        flatten(
            "dataset",
            &serde_json::to_value(&r.dataset).unwrap_or_default(),
            &mut params,
        );
        let mut metrics = Vec::new();
        let mut elapsed_ms = 0u64;
        for e in &r.epochs {
            elapsed_ms += (e.seconds * 1000.0) as u64;
            let ts = r.started_ms + elapsed_ms;
            for (key, value) in [
                ("train_loss", e.train_loss),
                ("train_accuracy", e.train_accuracy),
                ("val_loss", e.val_loss),
                ("val_accuracy", e.val_accuracy),
                ("lr", e.lr),
                ("epoch_seconds", e.seconds),
            ] {
                metrics.push(MetricPoint {
                    key: key.into(),
                    value,
                    timestamp_ms: ts,
                    step: e.epoch as u64,
                });
            }
        }
        let mut tags = vec![tag("sweeplab_status", &status_name)];
        if let Some(e) = r.diverged_epoch {
            tags.push(tag("sweeplab_diverged_epoch", e.to_string()));
        }
        if let Some(e) = r.stopped_early_at {
            tags.push(tag("sweeplab_stopped_early_at", e.to_string()));
        }
        if let Some(err) = &r.error {
            tags.push(tag(
                "sweeplab_error",
                err.chars().take(500).collect::<String>(),
            ));
        }
        self.client.log_batch(&run_id, &metrics, &params, &tags)?;
        let mlflow_status = match r.status {
            TrialStatus::Finished | TrialStatus::Diverged => "FINISHED",
            TrialStatus::Failed => "FAILED",
            TrialStatus::Cancelled => "KILLED",
        };
        self.client
            .end_run(&run_id, mlflow_status, r.finished_ms.max(r.started_ms))?;
        self.children
            .insert(r.trial_id.clone(), (run_id, mlflow_status.to_string()));
        Ok(true)
    }

    /// Settle the sweep on the server and update its parent run: one parent
    /// (the oldest; any other is deleted), every child of the sweep under
    /// it, the best metric and the count of finished trials over all
    /// children (every shard's), the note; the artifacts (sweep file,
    /// records, heatmap, summary) only from a directory that holds the whole
    /// grid (one machine's run, or `merge`'s output), not a shard's part of
    /// it. The parent ends `FINISHED` when the server holds a finished,
    /// diverged or failed child for every trial of the grid, else it stays
    /// (or becomes again) `RUNNING`.
    pub fn finish(
        &mut self,
        results: &ResultsDir,
        records: &[TrialRecord],
    ) -> Result<(), MlflowError> {
        let spec = &results.spec;
        self.parent = self.parent_run(spec)?;
        for other in self.search("sweep")? {
            if other.run_id != self.parent.run_id {
                self.client.delete_run(&other.run_id)?;
            }
        }
        let children = self.search("trial")?;
        for child in &children {
            if child.tag(PARENT) != Some(self.parent.run_id.as_str()) {
                self.client.log_batch(
                    &child.run_id,
                    &[],
                    &[],
                    &[tag(PARENT, &self.parent.run_id)],
                )?;
            }
        }

        let metric = spec.metric;
        let finished: Vec<&RunInfo> = children
            .iter()
            .filter(|c| c.status == "FINISHED" && c.tag("sweeplab_status") == Some("finished"))
            .collect();
        let best = finished
            .iter()
            .filter_map(|c| c.metric(metric.name()))
            .filter(|v| v.is_finite())
            .reduce(|a, b| {
                if (b > a) == metric.higher_is_better() {
                    b
                } else {
                    a
                }
            });
        let mut metrics = vec![MetricPoint {
            key: "trials_finished".into(),
            value: finished.len() as f64,
            timestamp_ms: now_ms(),
            step: 0,
        }];
        if let Some(best) = best {
            metrics.push(MetricPoint {
                key: format!("best_{}", metric.name()),
                value: best,
                timestamp_ms: now_ms(),
                step: 0,
            });
        }
        // Trials the server holds an outcome for (a cancelled trial runs
        // again, so `KILLED` does not count), under today's ids or, for a
        // directory an older sweeplab wrote, the ids it gave.
        let mut done: HashSet<&str> = children
            .iter()
            .filter(|c| matches!(c.status.as_str(), "FINISHED" | "FAILED"))
            .filter_map(|c| c.tag(TRIAL_ID))
            .collect();
        for r in records {
            if r.legacy_trial_id
                .as_deref()
                .is_some_and(|id| done.contains(id))
            {
                done.insert(&r.trial_id);
            }
        }
        // A TPE scan's rounds not chosen yet count as missing too.
        let grid = sweep::plan(spec, records).trials;
        let missing = grid
            .iter()
            .filter(|t| !done.contains(t.id.as_str()))
            .count()
            + spec.trial_count().saturating_sub(grid.len());
        // Re-exporting overwrites the note, so notes added later show up.
        let journal = crate::journal::load(results).unwrap_or_default();
        let tags = [
            tag(
                "mlflow.note.content",
                capped_note(&note_markdown(spec, &journal)),
            ),
            tag("sweeplab_trials_missing", missing.to_string()),
        ];
        self.client
            .log_batch(&self.parent.run_id, &metrics, &[], &tags)?;
        let local: HashSet<&str> = records.iter().map(|r| r.trial_id.as_str()).collect();
        if grid.iter().all(|t| local.contains(t.id.as_str())) {
            for name in [SWEEP_FILE, TRIALS_FILE, "heatmap.png", "summary.csv"] {
                if let Ok(bytes) = std::fs::read(results.file(name)) {
                    self.client.upload_artifact(&self.parent, name, bytes)?;
                }
            }
        }
        if missing == 0 {
            self.client
                .end_run(&self.parent.run_id, "FINISHED", now_ms())
        } else {
            self.client.reopen_run(&self.parent.run_id)
        }
    }
}
