//! The journal editor on a sweep's page: timestamped notes and the
//! conclusion, saved with the sweep in IndexedDB.

use leptos::prelude::*;
use leptos::task::spawn_local;

use sweeplab_core::journal::{Journal, Note};

use super::state::{AppState, db};
use crate::browser::{download, now_ms, open_html};
use crate::store;

fn stamp(ms: u64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    d.to_iso_string()
        .as_string()
        .unwrap_or_default()
        .replace('T', " ")[..16]
        .to_string()
}

/// Notes and conclusion of sweep `key`.
#[component]
pub fn JournalEditor(state: AppState, key: String) -> impl IntoView {
    let journal = {
        let key = key.clone();
        Memo::new(move |_| {
            state
                .sweeps
                .with(|s| s.iter().find(|e| e.key == key).map(|e| e.journal.clone()))
                .unwrap_or_default()
        })
    };
    let draft = RwSignal::new(String::new());
    let conclusion = RwSignal::new(journal.get_untracked().conclusion);
    let saved = RwSignal::new(String::new());

    let save = move |next: Journal, key: String| {
        spawn_local(async move {
            let Some(database) = db() else { return };
            match store::put_journal(&database, &key, &next).await {
                Ok(()) => {
                    state.refresh().await;
                    saved.set(format!("saved {}", stamp(now_ms())));
                }
                Err(e) => state.notice.set(Some(e.to_string())),
            }
        });
    };
    let key_note = key.clone();
    let add_note = move |_| {
        let text = draft.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let mut next = journal.get_untracked();
        next.notes.push(Note {
            at_ms: now_ms(),
            text,
        });
        draft.set(String::new());
        save(next, key_note.clone());
    };
    let key_conclusion = key.clone();
    let save_conclusion = move |_| {
        let mut next = journal.get_untracked();
        next.conclusion = conclusion.get_untracked().trim().to_string();
        save(next, key_conclusion.clone());
    };

    let report_error: RwSignal<Option<String>> = RwSignal::new(None);
    let key_report = key.clone();
    let report = move |open: bool| {
        let Some(entry) = state.entry(&key_report) else {
            return;
        };
        let result = state
            .records
            .with_untracked(|r| sweeplab_core::report::report_html(&entry.spec, &entry.journal, r));
        match result {
            Ok(html) if open => open_html(&html),
            Ok(html) => download(
                &format!("{}-report.html", entry.spec.name),
                "text/html",
                html.as_bytes(),
            ),
            Err(e) => report_error.set(Some(e.to_string())),
        }
    };
    let report2 = report.clone();

    view! {
        <section class="panel" aria-labelledby="journal-title">
            <h3 id="journal-title">"Journal"</h3>
            <ol class="notes" id="notes">
                {move || journal.get().notes.into_iter().map(|n| view! {
                    <li><time>{stamp(n.at_ms)}</time>" "{n.text}</li>
                }).collect_view()}
            </ol>
            <label class="wide">"New note"
                <textarea id="note-text" rows="2" prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            </label>
            <button id="add-note" on:click=add_note>"Add note"</button>
            <label class="wide">"Conclusion"
                <textarea id="conclusion-text" rows="3" prop:value=move || conclusion.get()
                    on:input=move |ev| conclusion.set(event_target_value(&ev))></textarea>
            </label>
            <div class="row">
                <button id="save-conclusion" on:click=save_conclusion>"Save conclusion"</button>
                <span class="muted" id="journal-saved">{move || saved.get()}</span>
            </div>
            <h4>"One-page report"</h4>
            <div class="row">
                <button id="open-report" on:click=move |_| report(true)>"Open print-ready report (A4)"</button>
                <button id="download-report" on:click=move |_| report2(false)>"Download report.html"</button>
            </div>
            {move || report_error.get().map(|e| view! { <p class="error">{e}</p> })}
        </section>
    }
}
