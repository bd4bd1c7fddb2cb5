//! `native-sweep journal` and `native-sweep note`: the experiment journal
//! kept in a results directory as `journal.json` (notes and conclusion; the
//! hypothesis stays in the sweep file).

use std::path::Path;

use sweeplab_core::journal::{Journal, Note, journal_markdown};

use crate::cli::{JournalArgs, NoteArgs};
use crate::error::{CliError, input};
use crate::results::{ResultsDir, write_atomic};

/// The journal kept in every results directory that has one (the name a
/// results bundle uses too).
pub use sweeplab_core::bundle::JOURNAL_FILE;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The directory's journal; empty when it has none yet.
pub fn load(results: &ResultsDir) -> Result<Journal, CliError> {
    read(&results.file(JOURNAL_FILE))
}

/// The journal at `path`; empty when there is none.
pub(crate) fn read(path: &Path) -> Result<Journal, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| input(format!("{}: not a journal: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Journal::default()),
        Err(e) => Err(CliError::Runtime(format!("{}: {e}", path.display()))),
    }
}

/// Write the directory's journal (atomically).
pub fn save(results: &ResultsDir, journal: &Journal) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(journal).expect("journals serialise") + "\n";
    write_atomic(&results.file(JOURNAL_FILE), text.as_bytes())
}

/// Journals of several directories as one: every note once, in time order,
/// and the first non-empty conclusion.
pub fn combine(journals: &[Journal]) -> Journal {
    let mut notes: Vec<Note> = Vec::new();
    for n in journals.iter().flat_map(|j| &j.notes) {
        if !notes.contains(n) {
            notes.push(n.clone());
        }
    }
    notes.sort_by_key(|n| n.at_ms);
    let conclusion = journals
        .iter()
        .map(|j| j.conclusion.clone())
        .find(|c| !c.trim().is_empty())
        .unwrap_or_default();
    Journal { notes, conclusion }
}

/// `native-sweep journal DIR`: the journal as Markdown on stdout.
pub fn journal(args: &JournalArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&args.dir)?;
    let journal = load(&results)?;
    let records = results.records()?;
    print!("{}", journal_markdown(&results.spec, &journal, &records));
    Ok(0)
}

/// `native-sweep note DIR TEXT` adds a timestamped note;
/// `native-sweep note DIR --conclusion TEXT` sets the conclusion.
pub fn note(args: &NoteArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&args.dir)?;
    let mut journal = load(&results)?;
    match (&args.text, &args.conclusion) {
        (Some(text), None) => {
            if text.trim().is_empty() {
                return Err(input("note: the text is empty"));
            }
            journal.notes.push(Note {
                at_ms: now_ms(),
                text: text.trim().to_string(),
            });
            save(&results, &journal)?;
            eprintln!(
                "added note {} to {}",
                journal.notes.len(),
                results.file(JOURNAL_FILE).display()
            );
        }
        (None, Some(conclusion)) => {
            journal.conclusion = conclusion.trim().to_string();
            save(&results, &journal)?;
            eprintln!(
                "{} the conclusion in {}",
                if journal.conclusion.is_empty() {
                    "cleared"
                } else {
                    "set"
                },
                results.file(JOURNAL_FILE).display()
            );
        }
        _ => {
            return Err(input(
                "note: give either the note's text or --conclusion TEXT",
            ));
        }
    }
    Ok(0)
}
