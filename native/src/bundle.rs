//! Results bundles on the command line: `native-sweep bundle` writes a
//! results directory as one zip (sweep file, records, journal; the format
//! is `sweeplab_core::bundle`'s, the browser app's too), and `show` opens a
//! bundle by unpacking it into a results directory beside it.

use std::path::{Path, PathBuf};

use sweeplab_core::bundle::Bundle;
use sweeplab_core::record::TrialRecord;
use sweeplab_core::sweep::sweep_id;

use crate::cli::BundleArgs;
use crate::error::{CliError, input};
use crate::journal;
use crate::results::{ResultsDir, write_atomic};

/// Run the command.
pub fn bundle(args: &BundleArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&args.dir)?;
    let bundle = Bundle {
        spec: results.spec.clone(),
        records: in_trial_order(results.records()?),
        journal: journal::load(&results)?,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.with_extension("zip"));
    write_atomic(&out, &bundle.to_zip())?;
    println!(
        "{}: sweep {:?}, {} of {} trials, the journal",
        out.display(),
        bundle.spec.name,
        bundle.records.len(),
        bundle.spec.trial_count()
    );
    Ok(0)
}

fn in_trial_order(mut records: Vec<TrialRecord>) -> Vec<TrialRecord> {
    records.sort_by_key(|r| r.trial_index);
    records
}

/// The results directory `path` names: itself, or for a bundle (`.zip`)
/// the directory it unpacks into ([`unpack`]).
pub fn results_path(path: &Path) -> Result<PathBuf, CliError> {
    match path.extension() {
        Some(ext) if ext == "zip" => unpack(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// The results directory bundle `zip` opens into: its path without `.zip`,
/// written from the bundle when it is not there, used as it is when it holds
/// exactly the bundle's sweep, records and journal, and refused (nothing
/// overwritten) when it holds anything else.
pub fn unpack(zip: &Path) -> Result<PathBuf, CliError> {
    let bytes = std::fs::read(zip).map_err(|e| input(format!("{}: {e}", zip.display())))?;
    let bundle = Bundle::from_zip(&zip.display().to_string(), &bytes)?;
    let dir = zip.with_extension("");
    if dir.exists() {
        let existing = ResultsDir::open(&dir)?;
        let same = sweep_id(&existing.spec) == sweep_id(&bundle.spec)
            && in_trial_order(existing.records()?) == bundle.records
            && journal::load(&existing)? == bundle.journal;
        if same {
            return Ok(dir);
        }
        return Err(input(format!(
            "{}: already holds other results than {}; show it with `native-sweep show {}`, or move it away to unpack the bundle",
            dir.display(),
            zip.display(),
            dir.display()
        )));
    }
    let results = ResultsDir::create_or_resume(&dir, &bundle.spec)?;
    results.write_records(&bundle.records)?;
    journal::save(&results, &bundle.journal)?;
    Ok(dir)
}
