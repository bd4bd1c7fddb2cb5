//! A results bundle: one zip file holding a sweep's three files, the same as
//! in a results directory: its sweep file (`sweep.toml`), its trial records
//! (`trials.jsonl`) and its journal (`journal.json`). The app exports and
//! imports it; `native-sweep bundle` writes one from a results directory and
//! `native-sweep show` opens one. Reading checks everything a results
//! directory is checked for: a valid sweep, readable records that are all
//! trials of that sweep (each once), a journal that reads.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::journal::Journal;
use crate::record::{RecordError, TrialRecord, parse_jsonl};
use crate::spec::{SpecError, SweepSpec};
use crate::sweep::{NotInSweep, plan, sweep_id};

/// The sweep file's name, in a bundle and in a results directory.
pub const SWEEP_FILE: &str = "sweep.toml";
/// The records' name, in a bundle and in a results directory.
pub const TRIALS_FILE: &str = "trials.jsonl";
/// The journal's name, in a bundle and in a results directory.
pub const JOURNAL_FILE: &str = "journal.json";

/// The largest file a bundle may unpack to (a zip's sizes are claims; this
/// keeps a hostile or broken one from filling memory): 256 MB, about a
/// million trial records.
pub const MAX_MEMBER_BYTES: u64 = 256 << 20;

/// A sweep with its records and journal, as one bundle holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// The sweep.
    pub spec: SweepSpec,
    /// Its records, in trial order.
    pub records: Vec<TrialRecord>,
    /// Its notes and conclusion.
    pub journal: Journal,
}

/// Why a file is not a results bundle (each names the file and the member).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The bytes are not a zip archive.
    #[error("{file}: not a results bundle (zip): {message}")]
    NotZip {
        /// The bundle's name.
        file: String,
        /// What the zip reader said.
        message: String,
    },
    /// A member is missing or unreadable.
    #[error(
        "{file}: {member}: {message} (a results bundle holds {SWEEP_FILE}, {TRIALS_FILE} and {JOURNAL_FILE})"
    )]
    Member {
        /// The bundle's name.
        file: String,
        /// The member's name.
        member: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The sweep file is not a valid sweep.
    #[error("{file}: {SWEEP_FILE}: {source}")]
    Spec {
        /// The bundle's name.
        file: String,
        /// What is wrong with the sweep.
        source: SpecError,
    },
    /// A record does not read.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A record is not a trial of the bundle's sweep, or is there twice.
    #[error("{file}: {TRIALS_FILE} record {line}: {why}")]
    Foreign {
        /// The bundle's name.
        file: String,
        /// The record's 1-based position.
        line: usize,
        /// Why it is not one of the sweep's trials.
        why: String,
    },
}

impl Bundle {
    /// The bundle as zip bytes (deflated; the same inputs give the same
    /// bytes, since members carry no clock time).
    pub fn to_zip(&self) -> Vec<u8> {
        let records: String = self
            .records
            .iter()
            .map(|r| r.to_json_line() + "\n")
            .collect();
        let journal = serde_json::to_string_pretty(&self.journal).expect("journals serialise");
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6));
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in [
            (SWEEP_FILE, self.spec.to_toml()),
            (TRIALS_FILE, records),
            (JOURNAL_FILE, journal),
        ] {
            zip.start_file(name, options)
                .and_then(|_| Ok(zip.write_all(text.as_bytes())?))
                .expect("writing to memory does not fail");
        }
        zip.finish()
            .expect("writing to memory does not fail")
            .into_inner()
    }

    /// Read the bundle `bytes` of the file named `file` (named in errors).
    pub fn from_zip(file: &str, bytes: &[u8]) -> Result<Self, BundleError> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| BundleError::NotZip {
            file: file.into(),
            message: e.to_string(),
        })?;
        let mut member = |name: &'static str| -> Result<String, BundleError> {
            let fail = |message: String| BundleError::Member {
                file: file.into(),
                member: name,
                message,
            };
            let entry = zip.by_name(name).map_err(|_| fail("missing".into()))?;
            if entry.size() > MAX_MEMBER_BYTES {
                return Err(fail(format!(
                    "{} bytes, more than a bundle may hold ({MAX_MEMBER_BYTES})",
                    entry.size()
                )));
            }
            let mut text = String::new();
            entry
                .take(MAX_MEMBER_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| fail(format!("does not read: {e}")))?;
            Ok(text)
        };
        let spec =
            SweepSpec::from_toml(&member(SWEEP_FILE)?).map_err(|source| BundleError::Spec {
                file: file.into(),
                source,
            })?;
        let records_text = member(TRIALS_FILE)?;
        let journal_text = member(JOURNAL_FILE)?;
        let journal: Journal =
            serde_json::from_str(&journal_text).map_err(|e| BundleError::Member {
                file: file.into(),
                member: JOURNAL_FILE,
                message: e.to_string(),
            })?;
        let parsed = parse_jsonl(&format!("{file}/{TRIALS_FILE}"), &records_text)?;
        if parsed.torn_tail {
            return Err(BundleError::Member {
                file: file.into(),
                member: TRIALS_FILE,
                message:
                    "its last line is cut off (a bundle is written whole: this one was damaged)"
                        .into(),
            });
        }
        let (id, trials) = (sweep_id(&spec), plan(&spec, &parsed.records).trials);
        let mut seen = BTreeSet::new();
        for (i, record) in parsed.records.iter().enumerate() {
            let foreign = |why: String| BundleError::Foreign {
                file: file.into(),
                line: i + 1,
                why,
            };
            record
                .check_belongs(&id, &trials)
                .map_err(|e: NotInSweep| foreign(e.to_string()))?;
            if !seen.insert(record.trial_id.clone()) {
                return Err(foreign(format!("trial {} is there twice", record.trial_id)));
            }
        }
        let mut records = parsed.records;
        records.sort_by_key(|r| r.trial_index);
        Ok(Self {
            spec,
            records,
            journal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Note;
    use crate::record::{EpochMetrics, TrialStatus};
    use crate::sweep::expand;

    fn bundle() -> Bundle {
        let spec = SweepSpec::from_toml(
            r#"
            name = "bundled"
            repeats = 2
            [dataset]
            name = "fashion-mnist"
            [[axes]]
            path = "model.dropout"
            values = [0.0, 0.5]
            "#,
        )
        .unwrap();
        let records = expand(&spec)
            .iter()
            .take(3)
            .map(|t| {
                let mut r = TrialRecord::new(&spec, t);
                r.status = TrialStatus::Finished;
                r.epochs = vec![EpochMetrics {
                    epoch: 1,
                    train_loss: 0.5,
                    train_accuracy: 0.8,
                    val_loss: 0.6,
                    val_accuracy: 0.78,
                    lr: 1e-3,
                    seconds: 1.0,
                }];
                r
            })
            .collect();
        let journal = Journal {
            notes: vec![Note {
                at_ms: 1_700_000_000_000,
                text: "dropout 0.5 looks worse".into(),
            }],
            conclusion: "Dropout hurts at 1 epoch.".into(),
        };
        Bundle {
            spec,
            records,
            journal,
        }
    }

    #[test]
    fn a_bundle_reads_back_as_written_and_is_the_same_bytes_each_time() {
        let b = bundle();
        let zip = b.to_zip();
        assert_eq!(Bundle::from_zip("b.zip", &zip).unwrap(), b);
        assert_eq!(b.to_zip(), zip, "no clock time in the members");
    }

    fn rezip(members: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in members {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_damaged_or_foreign_bundle_is_refused_naming_what() {
        let b = bundle();
        let toml = b.spec.to_toml();
        let lines: Vec<String> = b.records.iter().map(|r| r.to_json_line()).collect();
        let err = |bytes: &[u8]| Bundle::from_zip("b.zip", bytes).unwrap_err().to_string();
        assert!(err(b"PK not really").starts_with("b.zip: not a results bundle (zip)"));
        let no_journal = rezip(&[(SWEEP_FILE, &toml), (TRIALS_FILE, "")]);
        assert!(
            err(&no_journal).starts_with("b.zip: journal.json: missing"),
            "{}",
            err(&no_journal)
        );
        let twice = format!("{}\n{}\n", lines[0], lines[0]);
        let dup = rezip(&[
            (SWEEP_FILE, &toml),
            (TRIALS_FILE, &twice),
            (JOURNAL_FILE, "{}"),
        ]);
        assert!(
            err(&dup).contains("trials.jsonl record 2: trial"),
            "{}",
            err(&dup)
        );
        let other = toml.replace("0.5", "0.25");
        let moved = rezip(&[
            (SWEEP_FILE, &other),
            (TRIALS_FILE, &lines[0]),
            (JOURNAL_FILE, "{}"),
        ]);
        assert!(
            err(&moved).starts_with("b.zip: trials.jsonl record 1: "),
            "{}",
            err(&moved)
        );
        let torn = format!("{}\n{}", lines[0], &lines[1][..20]);
        let cut = rezip(&[
            (SWEEP_FILE, &toml),
            (TRIALS_FILE, &torn),
            (JOURNAL_FILE, "{}"),
        ]);
        assert!(
            err(&cut).contains("its last line is cut off"),
            "{}",
            err(&cut)
        );
    }
}
