//! `native-sweep merge`: combine the shard directories of one sweep.

use std::collections::HashMap;

use sweeplab_core::journal::Journal;
use sweeplab_core::record::{TrialRecord, TrialStatus};
use sweeplab_core::sweep::sweep_id;

use crate::cli::MergeArgs;
use crate::error::{CliError, input};
use crate::journal;
use crate::results::ResultsDir;
use crate::show;

/// Run the command: every trial once (a finished record wins over others),
/// and the journals' notes together.
pub fn merge(args: &MergeArgs) -> Result<i32, CliError> {
    let dirs: Vec<ResultsDir> = args
        .dirs
        .iter()
        .map(|d| ResultsDir::open(d))
        .collect::<Result<_, _>>()?;
    let first = &dirs[0];
    for d in &dirs[1..] {
        if sweep_id(&d.spec) != sweep_id(&first.spec) {
            return Err(input(format!(
                "{} holds another sweep than {} (ids {} and {})",
                d.path.display(),
                first.path.display(),
                sweep_id(&d.spec),
                sweep_id(&first.spec)
            )));
        }
    }
    let mut by_id: HashMap<String, TrialRecord> = HashMap::new();
    for d in &dirs {
        for r in d.records()? {
            let better = by_id
                .get(&r.trial_id)
                .is_none_or(|old| old.status != TrialStatus::Finished);
            if better {
                by_id.insert(r.trial_id.clone(), r);
            }
        }
    }
    let mut records: Vec<TrialRecord> = by_id.into_values().collect();
    records.sort_by_key(|r| r.trial_index);
    // Every input's notes, and the first conclusion written; read before
    // anything is written so a broken journal stops the merge early.
    let mut journals = dirs
        .iter()
        .map(journal::load)
        .collect::<Result<Vec<_>, _>>()?;
    if !dirs.iter().any(|d| d.path == args.out) {
        journals.push(journal::read(&args.out.join(journal::JOURNAL_FILE))?);
    }
    let combined = journal::combine(&journals);
    let out = ResultsDir::create_or_resume(&args.out, &first.spec)?;
    out.write_records(&records)?;
    if combined != Journal::default() {
        journal::save(&out, &combined)?;
    }
    eprintln!(
        "merged {} trials from {} directories into {}",
        records.len(),
        dirs.len(),
        args.out.display()
    );
    if let Ok(table) = show::write_outputs(&out, &records, &show::Selection::default()) {
        eprintln!("{table}");
    }
    Ok(0)
}
