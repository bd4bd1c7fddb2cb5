//! Importing results made elsewhere (`native-sweep`'s results directory):
//! `trials.jsonl`, optionally with its `sweep.toml` and `journal.json`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use sweeplab_core::analysis::axis_levels;
use sweeplab_core::journal::Journal;
use sweeplab_core::record::{TrialRecord, parse_jsonl};
use sweeplab_core::spec::{AxisSpec, SweepSpec};

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
        .map(|a| AxisSpec {
            path: a.path.clone(),
            values: axis_levels(records, &a.path),
        })
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
        axes,
    }
}

/// Read the picked files into a sweep entry and its records.
fn read_import(
    files: &[sweeplab_core::data::ProvidedFile],
) -> Result<(SweepEntry, Vec<TrialRecord>), String> {
    let jsonl = files.iter().find(|f| f.name.ends_with(".jsonl")).ok_or(
        "choose a trials.jsonl file (with its sweep.toml and journal.json if you have them)",
    )?;
    let text = String::from_utf8_lossy(&jsonl.bytes);
    let parsed = parse_jsonl(&jsonl.name, &text).map_err(|e| e.to_string())?;
    if parsed.records.is_empty() {
        return Err(format!("{}: no trial records in it", jsonl.name));
    }
    let spec = match files.iter().find(|f| f.name.ends_with(".toml")) {
        Some(f) => SweepSpec::from_toml(&String::from_utf8_lossy(&f.bytes))
            .map_err(|e| format!("{}: {e}", f.name))?,
        None => spec_from_records(&parsed.records),
    };
    let journal: Journal = match files.iter().find(|f| f.name.ends_with("journal.json")) {
        Some(f) => serde_json::from_slice(&f.bytes).map_err(|e| format!("{}: {e}", f.name))?,
        None => Journal::default(),
    };
    let mut entry = SweepEntry::new(spec, Origin::Imported, Vec::new(), now_ms());
    entry.journal = journal;
    Ok((entry, parsed.records))
}

/// The import button.
#[component]
pub fn ImportButton(state: AppState) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = event_input(&ev) else {
            return;
        };
        spawn_local(async move {
            let picked = match read_picked(&input).await {
                Ok(p) => p,
                Err(e) => return state.notice.set(Some(e)),
            };
            input.set_value("");
            match read_import(&picked) {
                Ok((entry, records)) => {
                    let Some(database) = db() else { return };
                    if let Err(e) = store::put_import(&database, &entry, &records).await {
                        return state.notice.set(Some(e));
                    }
                    state.refresh().await;
                    state.show(Some(entry.key.clone()));
                    state
                        .notice
                        .set(Some(format!("imported {} trials", records.len())));
                }
                Err(e) => state.notice.set(Some(e)),
            }
        });
    };
    view! {
        <label class="filebutton" id="import-label">"Import results"
            <input id="import-file" type="file" multiple accept=".jsonl,.toml,.json" on:change=on_change />
        </label>
    }
}
