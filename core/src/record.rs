//! Trial records: the versioned result of one trial, as JSON lines and CSV.

use serde::{Deserialize, Serialize};

use crate::spec::{DatasetSpec, Metric, SweepSpec, TrialConfig};
use crate::sweep::{AxisValue, NotInSweep, Trial, sweep_id, trial_at};

/// Version of the record layout this build writes and reads. Schema 1
/// (sweeplab 0.1) had trial ids of identity version 1; records of it are
/// read with their id brought to today's rules ([`parse_line`]).
pub const SCHEMA_VERSION: u32 = 2;

/// How a trial ended.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TrialStatus {
    /// Trained its whole budget (or stopped early by its own rule).
    Finished,
    /// The loss became NaN or infinite.
    Diverged,
    /// An error ended it (message in `error`).
    Failed,
    /// The user cancelled it.
    Cancelled,
}

/// Metrics after one epoch. Non-finite values are written as `null` and read
/// back as NaN.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    #[serde(with = "finite")]
    pub train_loss: f64,
    /// Training accuracy over the epoch's batches.
    #[serde(with = "finite")]
    pub train_accuracy: f64,
    /// Loss on the validation split after the epoch.
    #[serde(with = "finite")]
    pub val_loss: f64,
    /// Accuracy on the validation split after the epoch.
    #[serde(with = "finite")]
    pub val_accuracy: f64,
    /// Learning rate used during the epoch.
    pub lr: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

impl EpochMetrics {
    /// The value of `metric` in this epoch.
    pub fn get(&self, metric: Metric) -> f64 {
        match metric {
            Metric::ValAccuracy => self.val_accuracy,
            Metric::ValLoss => self.val_loss,
            Metric::TrainAccuracy => self.train_accuracy,
            Metric::TrainLoss => self.train_loss,
        }
    }
}

/// Everything known about one trial: what ran, where, and how it went.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TrialRecord {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema: u32,
    /// The sweep's grid id.
    pub sweep_id: String,
    /// The sweep's name.
    pub sweep_name: String,
    /// Stable trial id ([`crate::identity::trial_id`]).
    pub trial_id: String,
    /// The id an older sweeplab gave this trial, for a record read from a
    /// file it wrote (MLflow runs it exported carry that id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_trial_id: Option<String>,
    /// Position in the sweep's order.
    pub trial_index: usize,
    /// Axis values of the trial's cell.
    pub cell: Vec<AxisValue>,
    /// Repeat number within the cell.
    pub repeat: usize,
    /// Seed used.
    pub seed: u64,
    /// Fully resolved hyperparameters.
    pub config: TrialConfig,
    /// Data set it trained on.
    pub dataset: DatasetSpec,
    /// How it ended.
    pub status: TrialStatus,
    /// Epoch in which the loss became non-finite (diverged trials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diverged_epoch: Option<usize>,
    /// Epoch after which early stopping ended training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early_at: Option<usize>,
    /// Error message (failed trials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Metrics of every completed epoch.
    pub epochs: Vec<EpochMetrics>,
    /// Trainable parameters of the model.
    pub params: usize,
    /// The Burn backend it trained on; `None` before it started.
    #[serde(with = "backend_name")]
    pub backend: Option<Backend>,
    /// Device description (adapter name or CPU).
    pub device: String,
    /// Start, milliseconds since the Unix epoch.
    pub started_ms: u64,
    /// End, milliseconds since the Unix epoch.
    pub finished_ms: u64,
    /// sweeplab version that produced it.
    pub sweeplab_version: String,
}

/// The Burn backend a trial trained on, one spelling for the CLI and the
/// browser (whose records before this said `cpu` and `webgpu`; they read as
/// [`Backend::Flex`] and [`Backend::Wgpu`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Burn's CPU backend (flex), natively or in wasm.
    Flex,
    /// Burn's wgpu backend: Vulkan, Metal or DX12 natively, WebGPU in a
    /// browser.
    Wgpu,
}

impl Backend {
    /// How records, CSV files and MLflow tags spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Flex => "flex",
            Self::Wgpu => "wgpu",
        }
    }

    /// The backend a record's `backend` field names (today's spelling or
    /// the browser's earlier one); `None` for the empty name of a trial that
    /// never started.
    pub fn parse(name: &str) -> Result<Option<Self>, UnknownBackend> {
        match name {
            "" => Ok(None),
            "flex" | "cpu" => Ok(Some(Self::Flex)),
            "wgpu" | "webgpu" => Ok(Some(Self::Wgpu)),
            other => Err(UnknownBackend(other.to_string())),
        }
    }
}

/// A backend name no version of sweeplab wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown backend `{0}` (expected flex or wgpu)")]
pub struct UnknownBackend(pub String);

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Backend {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Backend {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match Backend::parse(&name) {
            Ok(Some(backend)) => Ok(backend),
            Ok(None) => Err(serde::de::Error::custom("a backend name is empty")),
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

/// A record's `backend` field: always a string (empty before the trial
/// started), so readers of earlier versions still find one.
mod backend_name {
    use super::Backend;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &Option<Backend>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(b.map(Backend::name).unwrap_or_default())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Backend>, D::Error> {
        let name = String::deserialize(d)?;
        Backend::parse(&name).map_err(serde::de::Error::custom)
    }
}

impl TrialRecord {
    /// The record of `trial` of sweep `spec`, finished with no epochs yet
    /// and nothing known about where it ran: the one place the fields that
    /// come from the sweep and the trial are filled in.
    pub fn new(spec: &SweepSpec, trial: &Trial) -> Self {
        Self {
            schema: SCHEMA_VERSION,
            sweep_id: sweep_id(spec),
            sweep_name: spec.name.clone(),
            trial_id: trial.id.clone(),
            legacy_trial_id: None,
            trial_index: trial.index,
            cell: trial.cell.clone(),
            repeat: trial.repeat,
            seed: trial.seed,
            config: trial.config.clone(),
            dataset: spec.dataset.clone(),
            status: TrialStatus::Finished,
            diverged_epoch: None,
            stopped_early_at: None,
            error: None,
            epochs: Vec::new(),
            params: 0,
            backend: None,
            device: String::new(),
            started_ms: 0,
            finished_ms: 0,
            sweeplab_version: crate::VERSION.to_string(),
        }
    }

    /// Whether this record is a trial of the sweep with grid id `sweep_id`
    /// expanded to `trials`: same grid, and the grid's trial at the record's
    /// index has the record's id. A record written by sweeplab 0.1 carries
    /// that version's grid id, which today's rules cannot recompute; its
    /// trial id was recomputed when it was read, so for it the trial check
    /// (same config, data, seed and index) is the whole check.
    pub fn check_belongs(&self, sweep_id: &str, trials: &[Trial]) -> Result<(), NotInSweep> {
        if self.sweep_id != sweep_id && self.legacy_trial_id.is_none() {
            return Err(NotInSweep::OtherSweep {
                expected: sweep_id.to_string(),
                found: self.sweep_id.clone(),
            });
        }
        trial_at(trials, self.trial_index, &self.trial_id).map(|_| ())
    }

    /// Metrics of the last completed epoch, if any.
    pub fn last_epoch(&self) -> Option<&EpochMetrics> {
        self.epochs.last()
    }

    /// The final value of `metric` (NaN if no epoch completed).
    pub fn final_metric(&self, metric: Metric) -> f64 {
        self.last_epoch().map_or(f64::NAN, |e| e.get(metric))
    }

    /// Seconds spent training, summed over epochs.
    pub fn seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds).sum()
    }

    /// The record as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("records serialise")
    }
}

/// Why records could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// A line is not a valid record.
    #[error("{file}:{line}: not a trial record: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A record was written by a newer sweeplab.
    #[error(
        "{file}:{line}: record schema {found} is newer than this sweeplab reads ({supported}); upgrade sweeplab"
    )]
    NewerSchema {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// Schema found.
        found: u64,
        /// Newest schema supported.
        supported: u32,
    },
}

/// Records read from JSON lines, plus whether a torn last line (a writer
/// killed mid-line) was dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonLines {
    /// The complete records, in file order.
    pub records: Vec<TrialRecord>,
    /// A final line without newline that did not parse was skipped.
    pub torn_tail: bool,
}

/// Parse JSON lines; `file` names the source in errors. Blank lines are
/// skipped; an unterminated, unparsable last line is reported as torn rather
/// than as an error.
pub fn parse_jsonl(file: &str, text: &str) -> Result<JsonLines, RecordError> {
    let mut records = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(file, i + 1, line) {
            Ok(r) => records.push(r),
            Err(RecordError::Malformed { .. }) if i == last => {
                return Ok(JsonLines {
                    records,
                    torn_tail: true,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(JsonLines {
        records,
        torn_tail: false,
    })
}

/// Parse one record, line `line` of `file` (named in errors): the one
/// reader for a line of `trials.jsonl` and a row of the browser's store, so
/// a malformed or newer-schema record gets the same message everywhere.
pub fn parse_line(file: &str, line: usize, text: &str) -> Result<TrialRecord, RecordError> {
    let malformed = |message: String| RecordError::Malformed {
        file: file.into(),
        line,
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let schema = value
        .get("schema")
        .and_then(|s| s.as_u64())
        .ok_or_else(|| malformed("no schema number".into()))?;
    if schema > SCHEMA_VERSION as u64 {
        return Err(RecordError::NewerSchema {
            file: file.into(),
            line,
            found: schema,
            supported: SCHEMA_VERSION,
        });
    }
    let mut record: TrialRecord =
        serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
    if schema < 2 {
        // Identity version 1 hashed the whole serialisation: recompute the
        // id from what the record says ran, and keep the old one.
        let id = crate::identity::trial_id(&record.config, &record.dataset, record.seed);
        record.legacy_trial_id = Some(std::mem::replace(&mut record.trial_id, id));
        record.schema = SCHEMA_VERSION;
    }
    Ok(record)
}

/// Records as CSV: one row per trial with axis values, seed, status, final
/// metrics, best validation accuracy, epochs, parameters and seconds.
pub fn to_csv(records: &[TrialRecord]) -> String {
    let axes: Vec<String> = records
        .first()
        .map(|r| r.cell.iter().map(|a| a.path.clone()).collect())
        .unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["trial_id".to_string(), "status".into()];
    header.extend(axes.iter().cloned());
    header.extend(
        [
            "repeat",
            "seed",
            "epochs",
            "train_loss",
            "train_accuracy",
            "val_loss",
            "val_accuracy",
            "best_val_accuracy",
            "params",
            "seconds",
            "backend",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("in-memory CSV");
    for r in records {
        let mut row = vec![r.trial_id.clone(), format!("{:?}", r.status).to_lowercase()];
        for path in &axes {
            let v = r
                .cell
                .iter()
                .find(|a| &a.path == path)
                .map(|a| crate::spec::value_label(&a.value));
            row.push(v.unwrap_or_default());
        }
        let best = r
            .epochs
            .iter()
            .map(|e| e.val_accuracy)
            .filter(|v| v.is_finite())
            .fold(f64::NAN, f64::max);
        row.push(r.repeat.to_string());
        row.push(r.seed.to_string());
        row.push(r.epochs.len().to_string());
        for m in [
            Metric::TrainLoss,
            Metric::TrainAccuracy,
            Metric::ValLoss,
            Metric::ValAccuracy,
        ] {
            row.push(fmt_metric(r.final_metric(m)));
        }
        row.push(fmt_metric(best));
        row.push(r.params.to_string());
        row.push(format!("{:.3}", r.seconds()));
        row.push(r.backend.map(Backend::name).unwrap_or_default().to_string());
        w.write_record(&row).expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("CSV is UTF-8")
}

fn fmt_metric(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        "NaN".into()
    }
}

/// Serde for metrics that may be NaN or infinite: JSON has no such numbers,
/// so they are written as `null` and read back as NaN.
pub(crate) mod finite {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_line(backend: &str) -> String {
        let spec =
            SweepSpec::from_toml("name = \"b\"\n[dataset]\nname = \"fashion-mnist\"\n[[axes]]\npath = \"train.lr\"\nvalues = [0.001]\n")
                .expect("valid sweep");
        let trial = crate::sweep::expand(&spec).remove(0);
        let mut value = serde_json::to_value(TrialRecord::new(&spec, &trial)).unwrap();
        value["backend"] = backend.into();
        value.to_string()
    }

    #[test]
    fn backends_have_one_spelling_and_the_browsers_old_names_map_to_it() {
        for (stored, read) in [
            ("flex", Some(Backend::Flex)),
            ("cpu", Some(Backend::Flex)),
            ("wgpu", Some(Backend::Wgpu)),
            ("webgpu", Some(Backend::Wgpu)),
            ("", None),
        ] {
            let record = parse_line("t.jsonl", 1, &record_line(stored)).unwrap();
            assert_eq!(record.backend, read, "{stored}");
            let written = serde_json::to_value(&record).unwrap();
            assert_eq!(written["backend"], read.map(Backend::name).unwrap_or(""));
        }
        let err = parse_line("t.jsonl", 3, &record_line("tpu")).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown backend `tpu` (expected flex or wgpu)"),
            "{err}"
        );
    }
}
