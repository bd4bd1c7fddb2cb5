//! The results directory: the sweep file it was started with, trial records
//! appended (and fsynced) as trials finish, plots and summaries.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sweeplab_core::record::{TrialRecord, parse_jsonl};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::sweep_id;

use crate::error::{CliError, input};

/// The sweep file kept in every results directory, and finished trials,
/// one JSON line each: the names a results bundle uses too.
pub use sweeplab_core::bundle::{SWEEP_FILE, TRIALS_FILE};

/// An open results directory.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    /// Where it is.
    pub path: PathBuf,
    /// The sweep it holds.
    pub spec: SweepSpec,
}

fn io_err(path: &Path, e: std::io::Error) -> CliError {
    CliError::Runtime(format!("{}: {e}", path.display()))
}

/// Write `bytes` to `path` through a temporary file and a rename, so a
/// crash never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| io_err(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

impl ResultsDir {
    /// Open an existing results directory.
    pub fn open(path: &Path) -> Result<Self, CliError> {
        let file = path.join(SWEEP_FILE);
        let text = fs::read_to_string(&file).map_err(|_| {
            input(format!(
                "{}: not a results directory (no {SWEEP_FILE})",
                path.display()
            ))
        })?;
        let spec = SweepSpec::from_toml(&text).map_err(|source| CliError::Spec {
            file: file.display().to_string(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            spec,
        })
    }

    /// Open `path` for `spec`, creating it if new. An existing directory of
    /// another grid is refused, naming what changed.
    pub fn create_or_resume(path: &Path, spec: &SweepSpec) -> Result<Self, CliError> {
        if path.join(SWEEP_FILE).exists() {
            let existing = Self::open(path)?;
            if sweep_id(&existing.spec) != sweep_id(spec) {
                let changes = differences(&existing.spec, spec);
                return Err(input(format!(
                    "{} holds another version of this sweep (changed: {}); use a new --out directory or restore the file",
                    path.display(),
                    changes.join(", ")
                )));
            }
            existing.repair_torn_tail()?;
            return Ok(existing);
        }
        fs::create_dir_all(path).map_err(|e| io_err(path, e))?;
        write_atomic(&path.join(SWEEP_FILE), spec.to_toml().as_bytes())?;
        Ok(Self {
            path: path.to_path_buf(),
            spec: spec.clone(),
        })
    }

    /// Path of a file in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Every complete record (a torn last line is ignored).
    pub fn records(&self) -> Result<Vec<TrialRecord>, CliError> {
        let path = self.file(TRIALS_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&path, e)),
        };
        Ok(parse_jsonl(&path.display().to_string(), &text)?.records)
    }

    /// Cut a line left half-written by a killed writer, so appends start
    /// on a fresh line.
    fn repair_torn_tail(&self) -> Result<(), CliError> {
        let path = self.file(TRIALS_FILE);
        let Ok(text) = fs::read_to_string(&path) else {
            return Ok(());
        };
        if text.is_empty() || text.ends_with('\n') {
            return Ok(());
        }
        let keep = text.rfind('\n').map_or(0, |i| i + 1);
        let f = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        f.set_len(keep as u64)
            .and_then(|_| f.sync_all())
            .map_err(|e| io_err(&path, e))
    }

    /// Append one record and fsync, so a finished trial survives a crash.
    pub fn append(&self, record: &TrialRecord) -> Result<(), CliError> {
        let path = self.file(TRIALS_FILE);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let line = record.to_json_line() + "\n";
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| io_err(&path, e))
    }

    /// Replace all records at once (merge).
    pub fn write_records(&self, records: &[TrialRecord]) -> Result<(), CliError> {
        let text: String = records.iter().map(|r| r.to_json_line() + "\n").collect();
        write_atomic(&self.file(TRIALS_FILE), text.as_bytes())
    }
}

/// Paths (like `base.train.epochs`) whose values differ between two sweeps.
pub fn differences(old: &SweepSpec, new: &SweepSpec) -> Vec<String> {
    let mut out = Vec::new();
    diff(
        &serde_json::to_value(old).unwrap_or_default(),
        &serde_json::to_value(new).unwrap_or_default(),
        String::new(),
        &mut out,
    );
    // Prose and display settings do not change the grid.
    out.retain(|p| {
        !["hypothesis ", "name ", "metric ", "max_trials "]
            .iter()
            .any(|k| p.starts_with(k))
    });
    out
}

fn diff(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                diff(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    join(k),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.len() == y.len() && x.iter().all(|v| v.is_object()) =>
        {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path} ({} -> {})", short(a), short(b))),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!("{}…", &s[..39])
    } else {
        s
    }
}
