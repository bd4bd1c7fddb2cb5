//! One sweep: live progress and controls, the heatmap and the analysis,
//! exports, the workstation command, the journal, and delete.

use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

use sweeplab_core::bundle::Bundle;
use sweeplab_core::record::{TrialStatus, to_csv};

use super::analysis::Analysis;
use super::canvas::draw_on;
use super::journal::JournalEditor;
use super::scan_analysis::ScanAnalysis;
use super::state::{AppState, RunStatus, db};
use crate::browser::{download, page_address};
use crate::store;
use crate::sweep_entry::{Origin, SweepEntry};

fn fmt_seconds(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The page of the sweep with store key `key`.
#[component]
pub fn SweepPage(state: AppState, key: String) -> impl IntoView {
    let entry = {
        let key = key.clone();
        Memo::new(move |_| {
            state
                .sweeps
                .with(|s| s.iter().find(|e| e.key == key).cloned())
        })
    };
    // What the page is built from: the entry without its journal, so saving
    // a note does not rebuild the page (and the editor in it).
    let shell = Memo::new(move |_| {
        entry.get().map(|mut e| {
            e.journal = Default::default();
            e
        })
    });
    let key_live = key.clone();
    let is_live = Memo::new(move |_| {
        state
            .live
            .with(|l| l.sweep_key.as_deref() == Some(key_live.as_str()))
    });
    let total = Memo::new(move |_| entry.with(|e| e.as_ref().map_or(0, |e| e.spec.trial_count())));
    let finished = Memo::new(move |_| {
        state.records.with(|r| {
            r.iter()
                .filter(|r| r.status != TrialStatus::Cancelled)
                .count()
        })
    });
    let running = move || is_live.get() && state.busy();
    let key_queued = key.clone();
    let queued = Memo::new(move |_| state.is_queued(&key_queued));
    // The sweep training now, when it is another one.
    let key_other = key.clone();
    let other_running = Memo::new(move |_| {
        state
            .running_key()
            .filter(|k| *k != key_other)
            .map(|k| state.entry(&k).map_or(k, |e| e.spec.name))
    });
    let status = move || {
        if !is_live.get() {
            return None;
        }
        Some(state.live.with(|l| l.status))
    };

    let trace_canvas = NodeRef::<Canvas>::new();
    Effect::new(move |_| {
        let followed = state.live.with(|l| l.followed());
        if !is_live.get() {
            return;
        }
        let Some(canvas) = trace_canvas.get() else {
            return;
        };
        let epochs = followed.as_ref().map_or(1, |f| f.progress.epochs);
        let title = followed
            .as_ref()
            .map_or("waiting for the first batch".to_string(), |f| {
                let p = f.progress;
                let beside = match f.beside {
                    0 => String::new(),
                    n => format!(" · {n} more training beside it"),
                };
                format!(
                    "trial {} · epoch {}/{} · batch {}/{}{beside}",
                    f.index + 1,
                    p.epoch,
                    p.epochs,
                    p.batch,
                    p.batches
                )
            });
        let trace = followed.map(|f| f.trace).unwrap_or_default();
        let _ = draw_on(&canvas, |area| {
            sweeplab_core::plot::draw_loss_trace(area, &trace, epochs, &title)
        });
    });

    // The sweep's key for the controls' handlers (a copyable handle).
    let this = StoredValue::new(key.clone());
    let key_start = key.clone();
    let start = move |_| state.run(key_start.clone(), state.backend_choice());
    let key_delete = key.clone();
    let delete = move |_| {
        let key = key_delete.clone();
        state.cancel(key.clone());
        spawn_local(async move {
            if let Some(database) = db() {
                match store::delete_sweep(&database, &key).await {
                    Ok(()) => {
                        state.refresh().await;
                        state.show(None);
                    }
                    Err(e) => state.notice.set(Some(e.to_string())),
                }
            }
        });
    };

    // A link that opens the app with this sweep's definition filled in.
    let share: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    let make_link = move |_| {
        if let Some(e) = entry.get_untracked() {
            share.set(Some(
                sweeplab_core::share::fragment(&e.spec)
                    .map(|f| format!("{}#{f}", page_address()))
                    .map_err(|e| e.to_string()),
            ));
        }
    };

    let export_jsonl = move |_| {
        let text: String = state
            .records
            .with_untracked(|r| r.iter().map(|r| r.to_json_line() + "\n").collect());
        download("trials.jsonl", "application/x-ndjson", text.as_bytes());
    };
    // The sweep file, its records and its journal as one zip, which
    // `native-sweep show` opens and the import button reads back.
    let export_bundle = move |_| {
        if let Some(e) = entry.get_untracked() {
            let bundle = Bundle {
                spec: e.spec.clone(),
                records: state.records.get_untracked(),
                journal: e.journal,
            };
            download(
                &format!("{}.zip", e.spec.name),
                "application/zip",
                &bundle.to_zip(),
            );
        }
    };
    let export_csv = move |_| {
        let text = state.records.with_untracked(|r| to_csv(r));
        download("summary.csv", "text/csv", text.as_bytes());
    };
    let export_journal = move |_| {
        if let Some(e) = entry.get_untracked() {
            let text = serde_json::to_string_pretty(&e.journal).expect("journals serialise");
            download("journal.json", "application/json", text.as_bytes());
        }
    };
    let export_spec = move |_| {
        if let Some(e) = entry.get_untracked() {
            download(
                &format!("{}.toml", e.spec.name),
                "application/toml",
                e.spec.to_toml().as_bytes(),
            );
        }
    };

    view! {
        {move || shell.get().map(|e: SweepEntry| {
            let start = start.clone();
            let delete = delete.clone();
            let spec = e.spec.clone();
            let command = format!(
                "native-sweep run {name}.toml --out results/{name}",
                name = spec.name
            );
            let data_note = (!e.files.is_empty()).then(|| format!(
                "This sweep trained on your own files ({}): put them in a folder and set dataset.path to it in the sweep file first.",
                e.files.join(", ")
            ));
            view! {
                <section class="panel" aria-labelledby="sweep-title">
                    <div class="row spread">
                        <h2 id="sweep-title">{spec.name.clone()}</h2>
                        <span class="muted">{match e.origin { Origin::Browser => "trained in this browser", Origin::Imported => "imported results" }}</span>
                    </div>
                    <p class="hypothesis"><strong>"Hypothesis: "</strong>{spec.hypothesis.clone()}</p>
                    <p id="trial-count">
                        {move || format!("{} of {} trials finished", finished.get(), total.get())}
                        {move || status().map(|s| format!(" · {}", match s {
                            RunStatus::Idle => "idle",
                            RunStatus::Starting => "starting",
                            RunStatus::Running => "running",
                            RunStatus::Paused => "paused",
                            RunStatus::Finished => "finished",
                            RunStatus::Cancelled => "cancelled",
                            RunStatus::Failed => "stopped by an error",
                        }))}
                        {move || queued.get().then_some(" · queued")}
                        {move || (running()).then(|| state.live.with(|l| l.workers)).filter(|&n| n > 1).map(|n| view! { <span id="workers">{format!(" · {n} workers")}</span> })}
                        {move || (running()).then(|| state.live.with(|l| l.eta_seconds()).map(|s| format!(" · about {} left", fmt_seconds(s)))).flatten()}
                    </p>
                    <progress id="progress" max=move || total.get().max(1) value=move || finished.get()
                        data-training=move || state.live.with(|l| if is_live.get() { l.current.keys().map(|i| i.to_string()).collect::<Vec<_>>().join(",") } else { String::new() })
                        aria-label="trials finished"></progress>
                    <Show when=move || is_live.get() && state.live.with(|l| l.error.is_some())>
                        <p class="error" role="alert" id="run-error">{move || state.live.with(|l| l.error.clone())}</p>
                    </Show>
                    <div class="row">
                        <Show when=move || !running() && !queued.get() && finished.get() < total.get() && e.origin == Origin::Browser>
                            <button id="resume" class="primary" on:click=start.clone()
                                title=move || other_running.get().map(|o| format!("sweep {o:?} is training: this one will start when it ends")).unwrap_or_default()>
                                {move || {
                                    let verb = if other_running.get().is_some() { "Queue" } else if finished.get() == 0 { "Start" } else { "Resume" };
                                    if finished.get() == 0 { verb.to_string() } else { format!("{verb} ({} left)", total.get() - finished.get()) }
                                }}
                            </button>
                        </Show>
                        <Show when=move || running() && status() != Some(RunStatus::Paused)>
                            <button id="pause" on:click=move |_| state.pause(this.get_value())>"Pause"</button>
                        </Show>
                        <Show when=move || running() && status() == Some(RunStatus::Paused)>
                            <button id="continue" on:click=move |_| state.resume(this.get_value())>"Continue"</button>
                        </Show>
                        <Show when=running>
                            <button id="cancel" on:click=move |_| state.cancel(this.get_value())>"Cancel"</button>
                        </Show>
                    </div>
                    <Show when=move || queued.get()>
                        <p id="queued" role="status">
                            {move || format!("Queued: starts when sweep {:?} ends. ", other_running.get().unwrap_or_default())}
                            <button id="unqueue" on:click=move |_| state.cancel(this.get_value())>"Remove from queue"</button>
                        </p>
                    </Show>
                    <Show when=running>
                        <canvas node_ref=trace_canvas class="plot small" aria-label="training loss of the running trial"></canvas>
                    </Show>
                </section>
                {if spec.is_grid() {
                    view! { <Analysis state key=e.key.clone() spec=spec.clone() /> }.into_any()
                } else {
                    view! { <ScanAnalysis state spec=spec.clone() /> }.into_any()
                }}
                <JournalEditor state key=e.key.clone() />
                <section class="panel" aria-labelledby="export-title">
                    <h3 id="export-title">"Export and run elsewhere"</h3>
                    <div class="row">
                        <button id="export-spec" on:click=export_spec>"Sweep file (.toml)"</button>
                        <button id="export-bundle" on:click=export_bundle title="sweep file, records and journal in one zip: import it here or open it with native-sweep show">"Results bundle (.zip)"</button>
                        <button id="export-jsonl" on:click=export_jsonl>"Results (trials.jsonl)"</button>
                        <button on:click=export_csv>"Summary (.csv)"</button>
                        <button id="export-journal" on:click=export_journal>"Journal (journal.json)"</button>
                        <button id="share" on:click=make_link title="a link that opens sweeplab with this sweep's definition filled in (no results; the sweep travels in the link itself, never to a server)">"Share link"</button>
                    </div>
                    {move || share.get().map(|link| match link {
                        Ok(url) => view! {
                            <label class="wide">"Link to this sweep (copy it) "
                                <input id="share-link" readonly prop:value=url on:focus=|ev| {
                                    if let Some(input) = crate::browser::event_input(&ev) { input.select() }
                                } />
                            </label>
                        }.into_any(),
                        Err(why) => view! { <p class="error" role="alert" id="share-error">{why}</p> }.into_any(),
                    })}
                    <p>"Run on your workstation: download the sweep file, then"</p>
                    <pre id="workstation-command"><code>{command}</code></pre>
                    {data_note.map(|n| view! { <p class="muted">{n}</p> })}
                    <p class="muted">{format!("{} {}, {} trials.", spec.cell_count(), if spec.is_grid() { "cells" } else { "configurations" }, spec.trial_count())}</p>
                    <button class="danger" id="delete" on:click=delete>"Delete this sweep"</button>
                </section>
            }
        })}
    }
}
