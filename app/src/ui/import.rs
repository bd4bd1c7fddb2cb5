//! Importing results made elsewhere (`native-sweep`'s results directory):
//! `trials.jsonl`, optionally with its `sweep.toml` and `journal.json`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use sweeplab_core::analysis::axis_levels;
use sweeplab_core::bundle::{Bundle, BundleError};
use sweeplab_core::journal::Journal;
use sweeplab_core::record::{RecordError, TrialRecord, parse_jsonl};
use sweeplab_core::spec::{AxisSpec, SpecError, SweepSpec};
use sweeplab_core::sweep::{plan, sweep_id};

use super::state::{AppState, db};
use crate::browser::{event_input, now_ms, read_picked};
use crate::store;
use crate::sweep_entry::{Origin, SweepEntry};

/// A sweep file for records that came without one: the axes are read off
/// the records' cells, the base config from the first record.
fn spec_from_records(records: &[TrialRecord]) -> SweepSpec {
    let first = &records[0];
    let axes = first
        .cell
        .iter()
        .map(|a| AxisSpec::listed(a.path.clone(), axis_levels(records, &a.path)))
        .collect();
    SweepSpec {
        name: first.sweep_name.clone(),
        hypothesis: String::new(),
        metric: Default::default(),
        repeats: records.iter().map(|r| r.repeat + 1).max().unwrap_or(1),
        seed: records
            .iter()
            .map(|r| r.seed - r.repeat as u64)
            .min()
            .unwrap_or(0),
        max_trials: usize::MAX,
        dataset: first.dataset.clone(),
        base: first.config.clone(),
        search: Default::default(),
        axes,
    }
}

/// Why picked files could not be imported (nothing is saved then).
#[derive(Debug, thiserror::Error)]
enum ImportError {
    /// No `.jsonl` (or results bundle) among the picked files.
    #[error(
        "choose a results bundle (.zip), or a trials.jsonl file with its sweep.toml and journal.json if you have them"
    )]
    NoRecords,
    /// A results bundle that does not read (the same message as the CLI's).
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The records file holds no record.
    #[error("{0}: no trial records in it")]
    Empty(String),
    /// A record does not read (the same message as the CLI's).
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The sweep file is not a valid sweep.
    #[error("{file}: {source}")]
    Spec {
        /// The sweep file's name.
        file: String,
        /// What is wrong with it.
        source: SpecError,
    },
    /// A record that is not a trial of the sweep file picked with it.
    #[error("{file}, record {record}: {why}")]
    Foreign {
        /// The records file's name.
        file: String,
        /// The record's number in the file (1-based).
        record: usize,
        /// Why it is not the sweep's.
        why: String,
    },
    /// The journal file is not a journal.
    #[error("{file}: {source}")]
    Journal {
        /// The journal file's name.
        file: String,
        /// Why it does not read.
        source: serde_json::Error,
    },
}

/// What the picked files hold.
struct Import {
    entry: SweepEntry,
    records: Vec<TrialRecord>,
    /// The records file whose last line was cut off mid-write (left out).
    torn: Option<String>,
}

/// Read the picked files into a sweep entry and its records.
fn read_import(files: &[sweeplab_core::data::ProvidedFile]) -> Result<Import, ImportError> {
    if let Some(zip) = files.iter().find(|f| f.name.ends_with(".zip")) {
        let bundle = Bundle::from_zip(&zip.name, &zip.bytes)?;
        let mut entry = SweepEntry::new(bundle.spec, Origin::Imported, Vec::new(), now_ms());
        entry.journal = bundle.journal;
        return Ok(Import {
            entry,
            records: bundle.records,
            torn: None,
        });
    }
    let jsonl = files
        .iter()
        .find(|f| f.name.ends_with(".jsonl"))
        .ok_or(ImportError::NoRecords)?;
    let text = String::from_utf8_lossy(&jsonl.bytes);
    let parsed = parse_jsonl(&jsonl.name, &text)?;
    if parsed.records.is_empty() {
        return Err(ImportError::Empty(jsonl.name.clone()));
    }
    let spec = match files.iter().find(|f| f.name.ends_with(".toml")) {
        Some(f) => {
            let spec =
                SweepSpec::from_toml(&String::from_utf8_lossy(&f.bytes)).map_err(|source| {
                    ImportError::Spec {
                        file: f.name.clone(),
                        source,
                    }
                })?;
            // Every record must be one of that sweep's trials (a TPE scan's
            // later rounds follow from the records themselves).
            let (id, trials) = (sweep_id(&spec), plan(&spec, &parsed.records).trials);
            for (i, record) in parsed.records.iter().enumerate() {
                record
                    .check_belongs(&id, &trials)
                    .map_err(|e| ImportError::Foreign {
                        file: jsonl.name.clone(),
                        record: i + 1,
                        why: e.to_string(),
                    })?;
            }
            spec
        }
        None => spec_from_records(&parsed.records),
    };
    let journal: Journal = match files.iter().find(|f| f.name.ends_with("journal.json")) {
        Some(f) => serde_json::from_slice(&f.bytes).map_err(|source| ImportError::Journal {
            file: f.name.clone(),
            source,
        })?,
        None => Journal::default(),
    };
    let mut entry = SweepEntry::new(spec, Origin::Imported, Vec::new(), now_ms());
    entry.journal = journal;
    Ok(Import {
        entry,
        records: parsed.records,
        torn: parsed.torn_tail.then(|| jsonl.name.clone()),
    })
}

/// The import button.
#[component]
pub fn ImportButton(state: AppState) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = event_input(&ev) else {
            return;
        };
        spawn_local(async move {
            let picked = match read_picked(&input, None).await {
                Ok(p) => p,
                Err(e) => return state.notice.set(Some(e)),
            };
            input.set_value("");
            match read_import(&picked) {
                Ok(Import {
                    entry,
                    records,
                    torn,
                }) => {
                    let Some(database) = db() else { return };
                    if let Err(e) = store::put_import(&database, &entry, &records).await {
                        return state.notice.set(Some(e.to_string()));
                    }
                    state.refresh().await;
                    state.show(Some(entry.key.clone()));
                    let left_out = torn.map_or(String::new(), |file| {
                        format!("; the last line of {file} was cut off mid-write (an interrupted run) and was left out")
                    });
                    state
                        .notice
                        .set(Some(format!("imported {} trials{left_out}", records.len())));
                }
                Err(e) => state.notice.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <label class="filebutton" id="import-label">"Import results"
            <input id="import-file" type="file" multiple accept=".zip,.jsonl,.toml,.json" on:change=on_change />
        </label>
    }
}
