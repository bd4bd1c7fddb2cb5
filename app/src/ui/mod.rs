//! The Leptos components of the page.

mod analysis;
mod canvas;
mod import;
mod journal;
mod new_sweep;
mod scan_analysis;
pub mod state;
mod sweep_page;

use leptos::prelude::*;

use crate::browser::{set_setting, take_fragment};
use crate::form::SweepForm;
use import::ImportButton;
use new_sweep::NewSweep;
use state::{AppState, CPU_WORKERS_KEY};
use sweep_page::SweepPage;
use sweeplab_core::protocol::BackendChoice;
use sweeplab_core::record::Backend;
use sweeplab_core::share::{FRAGMENT_PREFIX, from_fragment};

/// The whole page: header with the backend badge, the sweep list, and the
/// new-sweep form or the open sweep.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    state.load();
    // Opened from a shared link (or one pasted into this tab later): its
    // sweep fills the new-sweep form.
    let open_link = move || {
        if let Some(fragment) = take_fragment(FRAGMENT_PREFIX) {
            match from_fragment(&fragment) {
                Ok(spec) => {
                    state.shared.set(Some(SweepForm::from_spec(&spec)));
                    state.show(None);
                }
                Err(e) => state.notice.set(Some(e.to_string())),
            }
        }
    };
    open_link();
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| open_link());
    on_cleanup(move || on_hash.remove());
    let badge = move || {
        state.live.with(|l| match l.backend {
            Some(Backend::Wgpu) => format!("WebGPU · {}", l.adapter),
            Some(Backend::Flex) => format!("CPU · {}", l.adapter),
            None => match state.backend_pref.get() {
                BackendChoice::Auto => "WebGPU if a hardware adapter exists, else CPU".into(),
                BackendChoice::Gpu => "WebGPU (any adapter), else CPU".into(),
                BackendChoice::Cpu => "CPU".into(),
            },
        })
    };
    view! {
        <header class="top">
            <h1><button class="link" on:click=move |_| state.show(None)>"sweeplab"</button></h1>
            <span class="badge" id="backend-badge" title=move || state.live.with(|l| l.fallback_reason.clone()).unwrap_or_default()>{badge}</span>
            <label class="muted inline">"Train on "
                <select id="backend-choice" on:change=move |ev| state.backend_pref.set(match event_target_value(&ev).as_str() {
                    "gpu" => BackendChoice::Gpu,
                    "cpu" => BackendChoice::Cpu,
                    _ => BackendChoice::Auto,
                })>
                    <option value="auto">"auto (GPU if hardware)"</option>
                    <option value="gpu">"WebGPU, any adapter"</option>
                    <option value="cpu">"CPU"</option>
                </select>
            </label>
            <label class="muted inline" title="CPU sweeps train this many trials at once, one per worker; the default is one per core but one">"CPU workers "
                <input id="cpu-workers" type="number" min="1" max="64" step="1" class="narrow"
                    prop:value=move || state.cpu_workers.get().to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).trim().parse::<usize>() && (1..=64).contains(&n) {
                            set_setting(CPU_WORKERS_KEY, &n.to_string());
                            state.cpu_workers.set(n);
                        } else {
                            state.notice.set(Some("CPU workers: expected a whole number from 1 to 64".into()));
                        }
                    } />
            </label>
            {move || state.live.with(|l| l.fallback_reason.clone()).map(|r| view! { <span class="muted small" id="fallback-reason">{r}</span> })}
            <ImportButton state />
        </header>
        <Show when=move || state.notice.get().is_some()>
            <p class="notice" role="status" id="notice">{move || state.notice.get()}
                <button class="link" aria-label="dismiss" on:click=move |_| state.notice.set(None)>"✕"</button></p>
        </Show>
        <div class="layout">
            <nav class="sweeps" aria-label="sweeps">
                <button class="primary" id="new-sweep" on:click=move |_| state.show(None)>"New sweep"</button>
                <ul id="sweep-list">
                    {move || state.sweeps.get().into_iter().map(|e| {
                        let key = e.key.clone();
                        let key2 = e.key.clone();
                        let current = Memo::new(move |_| state.open.get().as_deref() == Some(key2.as_str()));
                        view! {
                            <li><button class=move || if current.get() { "sweep current" } else { "sweep" }
                                aria-current=move || current.get().then_some("page")
                                on:click=move |_| state.show(Some(key.clone()))>
                                <span>{e.spec.name.clone()}</span>
                                <small>{format!("{} trials", e.spec.trial_count())}</small>
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            <main>
                <Show when=move || state.loaded.get() fallback=|| view! { <p class="muted">"Opening browser storage…"</p> }>
                    {move || match state.open.get() {
                        None => view! { <NewSweep state /> }.into_any(),
                        Some(key) => view! { <SweepPage state key /> }.into_any(),
                    }}
                </Show>
            </main>
        </div>
    }
}
