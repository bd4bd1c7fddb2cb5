//! A sweep as MLflow runs: one parent run per sweep (grid as params, the
//! journal — hypothesis, notes, conclusion — as its note, best metric,
//! heatmap + sweep file + records as artifacts) and one child run per trial.
//! Runs are found again by their tags, so exporting twice never duplicates
//! anything.

use std::collections::HashMap;

use serde_json::Value;
use sweeplab_core::analysis;
use sweeplab_core::journal::note_markdown;
use sweeplab_core::record::{Backend, TrialRecord, TrialStatus};
use sweeplab_core::spec::{SweepSpec, value_label};
use sweeplab_core::sweep::sweep_id;

use super::client::{Client, MetricPoint, MlflowError, RunInfo};
use crate::progress::cell_label;
use crate::results::{ResultsDir, SWEEP_FILE, TRIALS_FILE};

const KIND: &str = "sweeplab_kind";
const SWEEP_ID: &str = "sweeplab_sweep_id";
const TRIAL_ID: &str = "sweeplab_trial_id";

/// Exports one results directory, remembering what the server already has.
pub struct Exporter {
    client: Client,
    experiment_id: String,
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
        let id = sweep_id(spec);
        let mut ids = vec![id.clone()];
        for earlier in earlier_ids {
            if !ids.contains(earlier) {
                ids.push(earlier.clone());
            }
        }
        let experiment_id = client.experiment_id(experiment)?;
        let search = |kind: &str| -> Result<Vec<_>, MlflowError> {
            let mut runs = Vec::new();
            for id in &ids {
                let filter = format!("tags.{SWEEP_ID} = '{id}' and tags.{KIND} = '{kind}'");
                runs.extend(client.search_runs(&experiment_id, &filter)?);
            }
            Ok(runs)
        };
        let parent = match search("sweep")?.into_iter().next() {
            Some(run) => run,
            None => {
                let tags = vec![
                    tag(SWEEP_ID, &id),
                    tag(KIND, "sweep"),
                    tag("mlflow.note.content", &spec.hypothesis),
                    tag("mlflow.source.name", "native-sweep"),
                    tag("mlflow.source.type", "LOCAL"),
                    tag("mlflow.user", user()),
                ];
                let run = client.create_run(&experiment_id, &spec.name, now_ms(), &tags)?;
                let mut params = vec![
                    tag("sweep.name", &spec.name),
                    tag("sweep.metric", spec.metric.name()),
                    tag("sweep.repeats", spec.repeats.to_string()),
                    tag("sweep.seed", spec.seed.to_string()),
                    tag("sweep.trials", spec.trial_count().to_string()),
                ];
                for axis in &spec.axes {
                    params.push(tag(
                        &format!("axis.{}", axis.path),
                        axis.labels().join(", "),
                    ));
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
                client.log_batch(&run.run_id, &[], &params, &[])?;
                run
            }
        };
        let children = search("trial")?
            .into_iter()
            .filter_map(|run| {
                let trial = run.tags.iter().find(|(k, _)| k == TRIAL_ID)?.1.clone();
                Some((trial, (run.run_id, run.status)))
            })
            .collect();
        Ok(Self {
            client,
            experiment_id,
            parent,
            children,
        })
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
                    tag("mlflow.parentRunId", &self.parent.run_id),
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

    /// Update the parent run: best metric, note, artifacts, and end it.
    pub fn finish(
        &mut self,
        results: &ResultsDir,
        records: &[TrialRecord],
    ) -> Result<(), MlflowError> {
        let metric = results.spec.metric;
        let ranked = analysis::ranked(records, metric);
        let mut metrics = Vec::new();
        if let Some(best) = ranked.first().filter(|r| r.status == TrialStatus::Finished) {
            metrics.push(MetricPoint {
                key: format!("best_{}", metric.name()),
                value: best.final_metric(metric),
                timestamp_ms: now_ms(),
                step: 0,
            });
        }
        let finished = records
            .iter()
            .filter(|r| r.status == TrialStatus::Finished)
            .count();
        metrics.push(MetricPoint {
            key: "trials_finished".into(),
            value: finished as f64,
            timestamp_ms: now_ms(),
            step: 0,
        });
        // Re-exporting overwrites the note, so notes added later show up.
        let journal = crate::journal::load(results).unwrap_or_default();
        let note = tag(
            "mlflow.note.content",
            capped_note(&note_markdown(&results.spec, &journal)),
        );
        self.client
            .log_batch(&self.parent.run_id, &metrics, &[], &[note])?;
        for name in [SWEEP_FILE, TRIALS_FILE, "heatmap.png", "summary.csv"] {
            if let Ok(bytes) = std::fs::read(results.file(name)) {
                self.client.upload_artifact(&self.parent, name, bytes)?;
            }
        }
        self.client
            .end_run(&self.parent.run_id, "FINISHED", now_ms())
    }
}
