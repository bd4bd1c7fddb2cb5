//! The new-sweep form: data set, model template, every hyperparameter,
//! axes, repeats and hypothesis, validated with the core's messages, with
//! the grid size and an estimated time.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use sweeplab_core::data::{ProvidedFile, from_provided, table};
use sweeplab_core::estimate::sweep_seconds;
use sweeplab_core::record::Backend;
use sweeplab_core::spec::catalogue::{CATALOGUE, Group, Hyperparameter, applies};
use sweeplab_core::spec::{
    DatasetSpec, FieldError, Metric, Strategy, SweepSpec, TrialConfig, apply_axis, choices,
    hyperparameter_paths, parse_axis_values, value_label,
};

use super::state::{AppState, measured_speed, save_and_show};
use crate::browser::{MAX_DATA_FILE_BYTES, download, event_input, now_ms, read_picked};
use crate::form::{DataChoice, SweepForm, Template};
use crate::sweep_entry::{Origin, SweepEntry};

/// One axis row in the form.
#[derive(Clone, Debug, PartialEq)]
struct AxisRow {
    id: usize,
    path: RwSignal<String>,
    values: RwSignal<String>,
}

/// A new axis row with a fresh id, so the list never reuses a key (a reused
/// key would keep inputs bound to a replaced row).
fn axis_row(path: &str, values: &str) -> AxisRow {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    AxisRow {
        id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        path: RwSignal::new(path.into()),
        values: RwSignal::new(values.into()),
    }
}

fn input_value(ev: &leptos::ev::Event) -> String {
    event_target_value(ev)
}

/// The form: the starter sweep, or the sweep of a link the page was opened
/// with (taken once).
#[component]
pub fn NewSweep(state: AppState) -> impl IntoView {
    let shared = state.shared.get_untracked();
    if shared.is_some() {
        state.shared.set(None);
    }
    let from_link = shared.is_some();
    let init = shared.unwrap_or_else(SweepForm::starter);
    let name = RwSignal::new(init.name.clone());
    let hypothesis = RwSignal::new(init.hypothesis.clone());
    // Whether the name or hypothesis are the user's (typed, or from a link),
    // so a template or data change no longer suggests its own.
    let own_words = RwSignal::new(from_link);
    let data = RwSignal::new(init.data);
    let files: RwSignal<Vec<ProvidedFile>> = RwSignal::new(Vec::new());
    let file_error: RwSignal<Option<String>> = RwSignal::new(None);
    let template = RwSignal::new(init.template());
    let config = RwSignal::new(init.base.clone());
    let field_errors: RwSignal<Vec<(String, String)>> = RwSignal::new(Vec::new());
    let repeats = RwSignal::new(init.repeats.clone());
    let seed = RwSignal::new(init.seed.clone());
    let train_limit = RwSignal::new(init.train_limit.clone());
    let val_limit = RwSignal::new(init.val_limit.clone());
    let metric = RwSignal::new(init.metric);
    // Grid, random or TPE (with a TPE scan's round sizes from a sweep file),
    // and a scan's number of configurations.
    let search = RwSignal::new(init.search.clone());
    let scan_trials = RwSignal::new(init.trials.clone());
    let axes = RwSignal::new(
        init.axes
            .iter()
            .map(|(path, values)| axis_row(path, values))
            .collect::<Vec<_>>(),
    );
    // The CSV file's label column, and the columns its header offers.
    let label = RwSignal::new(init.dataset.label.clone());
    let columns: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    // Training and validation examples in the files picked (for the
    // estimate), once they are read.
    let data_sizes: RwSignal<Option<(usize, usize)>> = RwSignal::new(None);
    let dataset_rest = init.dataset.clone();
    let save_error: RwSignal<Option<String>> = RwSignal::new(None);

    // The sweep the form describes, or the first reason it cannot be built.
    let spec = Memo::new(move |_| -> Result<SweepSpec, FieldError> {
        SweepForm {
            name: name.get(),
            hypothesis: hypothesis.get(),
            data: data.get(),
            repeats: repeats.get(),
            seed: seed.get(),
            train_limit: train_limit.get(),
            val_limit: val_limit.get(),
            metric: metric.get(),
            base: config.get(),
            axes: axes
                .get()
                .iter()
                .map(|row| (row.path.get(), row.values.get()))
                .collect(),
            search: search.get(),
            trials: scan_trials.get(),
            dataset: DatasetSpec {
                label: label.get(),
                ..dataset_rest.clone()
            },
        }
        .to_spec()
    });
    let problems = Memo::new(move |_| match spec.get() {
        Ok(s) => s
            .problems()
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        Err(e) => vec![e.to_string()],
    });
    let needs_files = move || data.get().needs_files();
    let can_start = move || {
        problems.with(|p| p.is_empty())
            && field_errors.with(|f| f.is_empty())
            && (!needs_files() || (!files.with(|f| f.is_empty()) && file_error.get().is_none()))
    };

    let estimate = move || {
        let Ok(s) = spec.get() else {
            return String::new();
        };
        let trials = s.trial_count();
        let (speed, how) =
            match measured_speed(Backend::Wgpu).or_else(|| measured_speed(Backend::Flex)) {
                Some(v) => (v, "measured in this browser"),
                None => (400.0, "a first guess until a trial has run here"),
            };
        let minutes = sweep_seconds(&s, data_sizes.get(), speed) / 60.0;
        format!(
            "{} {} × {} repeats = {trials} trials · {} at ~{speed:.0} examples/s ({how})",
            s.cell_count(),
            if s.is_grid() {
                "cells"
            } else {
                "configurations"
            },
            s.repeats,
            if minutes < 1.0 {
                "under a minute".to_string()
            } else {
                format!("about {minutes:.0} min")
            }
        )
    };

    // The experiment a data choice suggests: its axes always, its name and
    // hypothesis while the user has not typed their own.
    let suggest = move |choice: DataChoice| {
        let e = choice.experiment();
        axes.set(e.axes.iter().map(|(p, v)| axis_row(p, v)).collect());
        if !own_words.get_untracked() {
            name.set(e.name.into());
            hypothesis.set(e.hypothesis.into());
        }
    };

    let on_template = move |ev: leptos::ev::Event| {
        let t = match input_value(&ev).as_str() {
            "mlp" => Template::Mlp,
            "gru" => Template::Gru,
            _ => Template::Cnn,
        };
        template.set(t);
        config.set(t.config());
        field_errors.set(Vec::new());
        let now = data.get_untracked();
        let next = match t {
            Template::Gru => DataChoice::Gestures,
            // Back from sequences (or a table) to images.
            Template::Cnn if now == DataChoice::Csv => DataChoice::Embedded,
            _ if now == DataChoice::Gestures => DataChoice::Embedded,
            _ => now,
        };
        if next != now {
            data.set(next);
            suggest(next);
        }
        files.set(Vec::new());
        data_sizes.set(None);
        file_error.set(None);
    };

    // Check picked files with the same readers the worker uses, so a bad
    // file is refused here and nothing is saved; say what they hold.
    let check_files = move |picked: Vec<ProvidedFile>, dataset: DatasetSpec| match from_provided(
        &dataset, &picked,
    ) {
        Ok(splits) => {
            file_error.set(None);
            data_sizes.set(Some((splits.train.len(), splits.val.len())));
            let summary = format!(
                "{} training and {} validation examples, {} classes",
                splits.train.len(),
                splits.val.len(),
                splits.train.classes
            );
            files.set(picked);
            save_error.set(Some(summary));
        }
        Err(e) => {
            // Kept (Start stays off while the error shows) for a label
            // column chosen next.
            data_sizes.set(None);
            files.set(picked);
            file_error.set(Some(e.to_string()));
        }
    };

    let on_files = move |ev: leptos::ev::Event| {
        let Some(input) = event_input(&ev) else {
            return;
        };
        spawn_local(async move {
            files.set(Vec::new());
            data_sizes.set(None);
            file_error.set(None);
            columns.set(Vec::new());
            let picked = match read_picked(&input, Some(MAX_DATA_FILE_BYTES)).await {
                Ok(p) => p,
                Err(e) => return file_error.set(Some(e)),
            };
            let Ok(s) = spec.get_untracked() else { return };
            let mut dataset = s.dataset;
            if data.get_untracked() == DataChoice::Csv {
                // The header's columns; the label column stays if the file
                // has it, else the last column (the usual place).
                let Some(table) = picked.first() else { return };
                match table::header(&table.name, &table.bytes[..]) {
                    Ok(names) => {
                        let keep = label
                            .get_untracked()
                            .filter(|l| names.contains(l))
                            .or_else(|| names.last().cloned());
                        label.set(keep.clone());
                        dataset.label = keep;
                        columns.set(names);
                    }
                    Err(e) => return file_error.set(Some(e.to_string())),
                }
            }
            check_files(picked, dataset);
        });
    };

    let on_label = move |ev: leptos::ev::Event| {
        let chosen = input_value(&ev);
        label.set(Some(chosen.clone()));
        // The picked table again, read with the new label column.
        let picked = files.get_untracked();
        if let (Ok(s), false) = (spec.get_untracked(), picked.is_empty()) {
            check_files(
                picked,
                DatasetSpec {
                    label: Some(chosen),
                    ..s.dataset
                },
            );
        }
    };

    let start = move |_| {
        let Ok(s) = spec.get_untracked() else { return };
        if !can_start() {
            return;
        }
        let picked = if needs_files() {
            files.get_untracked()
        } else {
            Vec::new()
        };
        let names = picked.iter().map(|f| f.name.clone()).collect();
        let entry = SweepEntry::new(s, Origin::Browser, names, now_ms());
        let key = entry.key.clone();
        spawn_local(async move {
            match save_and_show(state, entry, picked).await {
                Ok(()) => state.run(key, state.backend_choice()),
                Err(e) => save_error.set(Some(e.to_string())),
            }
        });
    };

    let download_spec = move |_| {
        if let Ok(s) = spec.get_untracked() {
            download(
                &format!("{}.toml", s.name),
                "application/toml",
                s.to_toml().as_bytes(),
            );
        }
    };

    let open_spec = move |ev: leptos::ev::Event| {
        let Some(input) = event_input(&ev) else {
            return;
        };
        spawn_local(async move {
            let Ok(picked) = read_picked(&input, None).await else {
                return;
            };
            let Some(file) = picked.first() else { return };
            let text = String::from_utf8_lossy(&file.bytes);
            match SweepSpec::from_file_text(&file.name, &text) {
                Ok(s) => {
                    let f = SweepForm::from_spec(&s);
                    own_words.set(true);
                    name.set(f.name);
                    hypothesis.set(f.hypothesis);
                    repeats.set(f.repeats);
                    seed.set(f.seed);
                    metric.set(f.metric);
                    train_limit.set(f.train_limit);
                    val_limit.set(f.val_limit);
                    data.set(f.data);
                    label.set(f.dataset.label.clone());
                    columns.set(Vec::new());
                    files.set(Vec::new());
                    data_sizes.set(None);
                    config.set(f.base);
                    search.set(f.search);
                    scan_trials.set(f.trials);
                    axes.set(f.axes.iter().map(|(p, v)| axis_row(p, v)).collect());
                    save_error.set(None);
                }
                Err(e) => save_error.set(Some(format!("{}: {e}", file.name))),
            }
        });
    };

    view! {
        <section class="panel" aria-labelledby="new-title">
            <h2 id="new-title">"New sweep"</h2>
            {from_link.then(|| view! {
                <p class="notice" id="shared-note" role="status">"Filled in from a shared link or a proposed grid: check it, choose the data files if it needs them, and start it."</p>
            })}
            <div class="grid2">
                <label>"Name" <input id="sweep-name" prop:value=move || name.get()
                    on:input=move |ev| { own_words.set(true); name.set(input_value(&ev)) } /></label>
                <label>"Metric (heatmap colour)"
                    <select id="sweep-metric" on:change=move |ev| {
                        let v = input_value(&ev);
                        if let Ok(m) = v.parse::<Metric>() { metric.set(m) }
                    }>
                        {Metric::ALL.iter().map(|m| view! {
                            <option value=m.name() selected=move || metric.get() == *m>{m.name()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <label class="wide">"Hypothesis"
                <textarea id="sweep-hypothesis" rows="2" prop:value=move || hypothesis.get()
                    on:input=move |ev| { own_words.set(true); hypothesis.set(input_value(&ev)) }></textarea>
            </label>

            <fieldset>
                <legend>"Data"</legend>
                <div class="row">
                    <select id="data-choice" on:change=move |ev| {
                        let choice = match input_value(&ev).as_str() {
                            "idx" => DataChoice::Idx,
                            "gestures" => DataChoice::Gestures,
                            "csv" => DataChoice::Csv,
                            _ => DataChoice::Embedded,
                        };
                        let fits = match choice {
                            DataChoice::Csv => Template::Mlp,
                            DataChoice::Gestures => Template::Gru,
                            _ if template.get_untracked() == Template::Gru => Template::Cnn,
                            _ => template.get_untracked(),
                        };
                        if fits != template.get_untracked() {
                            // Tables train MLPs, sequences GRUs, images the rest.
                            template.set(fits);
                            config.set(fits.config());
                            field_errors.set(Vec::new());
                        }
                        if choice.experiment() != data.get_untracked().experiment() {
                            suggest(choice);
                        }
                        data.set(choice);
                        files.set(Vec::new());
                        data_sizes.set(None);
                        columns.set(Vec::new());
                        file_error.set(None);
                    }>
                        <option value="embedded" selected=move || data.get() == DataChoice::Embedded>"Fashion-MNIST subset (built in, 6,000 / 1,000)"</option>
                        <option value="idx" selected=move || data.get() == DataChoice::Idx>"My IDX files (four files)"</option>
                        <option value="gestures" selected=move || data.get() == DataChoice::Gestures>"Gestures zip"</option>
                        <option value="csv" selected=move || data.get() == DataChoice::Csv>"My CSV table (MLP)"</option>
                    </select>
                    <Show when=needs_files>
                        <input id="data-files" type="file" multiple=move || data.get() == DataChoice::Idx
                            accept=move || if data.get() == DataChoice::Csv { ".csv,text/csv" } else { "" }
                            aria-label="data-set files" on:change=on_files />
                    </Show>
                    <Show when=move || data.get() == DataChoice::Csv && !columns.with(|c| c.is_empty())>
                        <label title="dataset.label: the column that holds each row's class; every other column is a numeric feature">
                            "Label column "
                            <select id="data-label" on:change=on_label>
                                {move || columns.get().into_iter().map(|c| {
                                    let chosen = label.get().as_deref() == Some(c.as_str());
                                    view! { <option value=c.clone() selected=chosen>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    </Show>
                    <label>"Train examples" <input id="train-limit" class="num" prop:value=move || train_limit.get()
                        on:input=move |ev| train_limit.set(input_value(&ev)) /></label>
                    <label>"Validation examples" <input id="val-limit" class="num" prop:value=move || val_limit.get()
                        on:input=move |ev| val_limit.set(input_value(&ev)) /></label>
                </div>
                <Show when=move || file_error.get().is_some()>
                    <p class="error" role="alert" id="file-error">{move || file_error.get()}</p>
                </Show>
            </fieldset>

            <fieldset>
                <legend>"Model and training"</legend>
                <label>"Template "
                    <select id="template" on:change=on_template>
                        <option value="cnn" selected=move || template.get() == Template::Cnn>"CNN"</option>
                        <option value="mlp" selected=move || template.get() == Template::Mlp>"MLP"</option>
                        <option value="gru" selected=move || template.get() == Template::Gru>"GRU (sequences)"</option>
                    </select>
                </label>
                <HyperparameterFields config field_errors axes />
            </fieldset>

            <fieldset>
                <legend>{move || if search.with(|s| s.is_grid()) {
                    "Axes (the first two make the heatmap)"
                } else {
                    "Axes: values to choose from, or a range (1e-4..1e-1 log, 16..128 int)"
                }}</legend>
                <div class="row">
                    <label title="grid: every combination of the listed values, for a heatmap; random or TPE: a scan of a large space to find which hyperparameters matter">"Search "
                        <select id="search-strategy" on:change=move |ev| {
                            let strategy = match input_value(&ev).as_str() {
                                "random" => Strategy::Random,
                                "tpe" => Strategy::Tpe,
                                _ => Strategy::Grid,
                            };
                            search.update(|s| s.strategy = strategy);
                        }>
                            <option value="grid" selected=move || search.with(|s| s.strategy == Strategy::Grid)>"grid (every combination)"</option>
                            <option value="random" selected=move || search.with(|s| s.strategy == Strategy::Random)>"random scan"</option>
                            <option value="tpe" selected=move || search.with(|s| s.strategy == Strategy::Tpe)>"TPE scan (proposes from the results so far)"</option>
                        </select>
                    </label>
                    <Show when=move || !search.with(|s| s.is_grid())>
                        <label>"Configurations" <input id="search-trials" class="num" prop:value=move || scan_trials.get()
                            on:input=move |ev| scan_trials.set(input_value(&ev)) /></label>
                    </Show>
                </div>
                <For each=move || axes.get() key=|row| row.id let:row>
                    <AxisEditor row axes />
                </For>
                <button type="button" on:click=move |_| {
                    axes.update(|a| a.push(axis_row("train.lr", "0.001, 0.01")));
                }>"Add an axis"</button>
                <div class="row">
                    <label>{move || if search.with(|s| s.is_grid()) { "Repeats (seeds per cell)" } else { "Repeats (seeds per configuration)" }} <input id="repeats" class="num" prop:value=move || repeats.get()
                        on:input=move |ev| repeats.set(input_value(&ev)) /></label>
                    <label>"Seed" <input class="num" prop:value=move || seed.get()
                        on:input=move |ev| seed.set(input_value(&ev)) /></label>
                </div>
            </fieldset>

            <ul class="problems" id="problems" aria-live="polite">
                {move || problems.get().into_iter().map(|p| view! { <li class="error">{p}</li> }).collect_view()}
                {move || field_errors.get().into_iter().map(|(f, m)| view! { <li class="error">{format!("{f}: {m}")}</li> }).collect_view()}
            </ul>
            <p class="estimate" id="estimate">{estimate}</p>
            <div class="row">
                <button id="start" class="primary" on:click=start disabled=move || !can_start()>"Start sweep"</button>
                <button type="button" id="download-spec" on:click=download_spec disabled=move || spec.with(|s| s.is_err())>"Download sweep file"</button>
                <label class="filebutton">"Open a sweep file"
                    <input type="file" accept=".toml,.json" on:change=open_spec /></label>
            </div>
            <Show when=move || save_error.get().is_some()>
                <p class="note" id="save-note">{move || save_error.get()}</p>
            </Show>
        </section>
    }
}

/// One input per hyperparameter of the base config, grouped (architecture,
/// regularisation, optimisation, schedule), each with its name in words, its
/// sweep-file path and a help line: only those that apply to the config's
/// model, optimiser and schedule (or are an axis); booleans as checkboxes,
/// choices as selects.
#[component]
fn HyperparameterFields(
    config: RwSignal<TrialConfig>,
    field_errors: RwSignal<Vec<(String, String)>>,
    axes: RwSignal<Vec<AxisRow>>,
) -> impl IntoView {
    let set = move |path: String, text: String| {
        let current = config.get_untracked();
        let value = current_value(&current, &path);
        let parsed = match value {
            Value::Bool(_) => Value::Bool(text == "true"),
            Value::String(_) => Value::String(text.clone()),
            // A list field: "128, 64" (brackets optional).
            Value::Array(_) => Value::Array(parse_axis_values(
                text.trim().trim_start_matches('[').trim_end_matches(']'),
            )),
            _ if text.trim().is_empty() => Value::Null,
            _ => parse_axis_values(&text)
                .into_iter()
                .next()
                .unwrap_or(Value::Null),
        };
        field_errors.update(|errs| errs.retain(|(f, _)| f != &path));
        match apply_axis(&current, &path, &parsed) {
            Ok(next) => config.set(next),
            Err(e) => {
                field_errors.update(|errs| errs.push((format!("base.{path}"), e.to_string())))
            }
        }
    };
    let field = move |h: &'static Hyperparameter| {
        let path = h.path.to_string();
        let id = format!("hp-{}", path.replace('.', "-"));
        let p = path.clone();
        let shown = move || value_text(&current_value(&config.get(), &p));
        let input = if let Some(options) = choices(&path) {
            let p = path.clone();
            let p2 = path.clone();
            view! {
                <select id=id.clone() on:change=move |ev| set(p.clone(), event_target_value(&ev))>
                    {options.into_iter().map(|o| {
                        let p3 = p2.clone();
                        let o2 = o.clone();
                        view! { <option value=o.clone() selected=move || value_text(&current_value(&config.get(), &p3)) == o2>{o.clone()}</option> }
                    }).collect_view()}
                </select>
            }.into_any()
        } else if current_value(&config.get_untracked(), &path).is_boolean() {
            let p = path.clone();
            let p2 = path.clone();
            view! {
                <input id=id.clone() type="checkbox"
                    prop:checked=move || current_value(&config.get(), &p2) == Value::Bool(true)
                    on:change=move |ev| set(p.clone(), event_target_checked(&ev).to_string()) />
            }
            .into_any()
        } else {
            let p = path.clone();
            view! {
                <input id=id.clone() prop:value=shown on:change=move |ev| set(p.clone(), event_target_value(&ev)) />
            }.into_any()
        };
        // Shown while it changes something for this config, or is scanned.
        let p = path.clone();
        let visible = move || {
            applies(&p, &config.get()) || axes.with(|a| a.iter().any(|r| r.path.get() == p))
        };
        view! {
            <label class="param" title=h.help style:display=move || if visible() { "" } else { "none" }>
                <span>{h.name}" "<code class="path">{h.path}</code></span>
                {input}
                <small class="help">{h.help}</small>
            </label>
        }
    };
    view! {
        {Group::ALL.into_iter().map(|group| view! {
            <h4 class="param-group">{group.title()}</h4>
            <div class="params">
                {CATALOGUE.iter().filter(|h| h.group == group).map(field).collect_view()}
            </div>
        }).collect_view()}
    }
}

fn current_value(config: &TrialConfig, path: &str) -> Value {
    let tree = serde_json::to_value(config).expect("config serialises");
    path.split_once('.')
        .and_then(|(s, f)| tree.get(s)?.get(f).cloned())
        .unwrap_or(Value::Null)
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(value_label).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => value_label(other),
    }
}

/// One axis: its path and values.
#[component]
fn AxisEditor(row: AxisRow, axes: RwSignal<Vec<AxisRow>>) -> impl IntoView {
    let id = row.id;
    let path = row.path;
    let values = row.values;
    view! {
        <div class="row axis">
            <select class="axis-path" aria-label="axis hyperparameter" on:change=move |ev| path.set(event_target_value(&ev))>
                {hyperparameter_paths().into_iter().map(|p| {
                    let p2 = p.clone();
                    view! { <option value=p.clone() selected=move || path.get() == p2>{p.clone()}</option> }
                }).collect_view()}
            </select>
            <input class="axis-values" aria-label="axis values" prop:value=move || values.get()
                placeholder=move || choices(&path.get()).map(|c| c.join(", ")).unwrap_or_else(|| "0.1, 0.2, 0.3 (a scan: 0.1..0.3)".into())
                on:input=move |ev| values.set(event_target_value(&ev)) />
            <button type="button" aria-label="remove axis" on:click=move |_| axes.update(|a| a.retain(|r| r.id != id))>"✕"</button>
        </div>
    }
}
