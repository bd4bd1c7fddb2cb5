//! Results directories written by an earlier sweeplab keep working: the
//! fixture `tests/fixtures/results-0.1.0` is a 2x2 sweep with 3 of its 4
//! trials, written by sweeplab 0.1.0 (record schema 1, trial ids of identity
//! version 1: a hash of the whole serialised config and data set).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::common::{native, native_in, records, scratch, stderr};

/// The fixture directory, as checked in.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/results-0.1.0")
}

/// A writable copy of the fixture in `dir/name`.
pub fn copy_fixture(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in ["sweep.toml", "trials.jsonl"] {
        std::fs::copy(fixture().join(f), to.join(f)).unwrap();
    }
    to
}

/// The fixture's trial ids as sweeplab 0.1.0 wrote them.
pub fn fixture_ids() -> Vec<String> {
    std::fs::read_to_string(fixture().join("trials.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["trial_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_results_directory_from_sweeplab_0_1_resumes_and_merges_without_duplicates() {
    let dir = scratch("compat", "resume");
    let old = copy_fixture(&dir, "old");
    let before = std::fs::read_to_string(old.join("trials.jsonl")).unwrap();
    let sweep = old.join("sweep.toml");
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        old.to_str().unwrap(),
        "--backend",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("4 trials, 1 to run"), "{}", stderr(&o));
    // The three old lines are untouched; one new record follows them.
    let after = std::fs::read_to_string(old.join("trials.jsonl")).unwrap();
    assert!(after.starts_with(&before), "the old records were rewritten");
    assert_eq!(after.lines().count(), 4);
    let resumed = records(&old);
    let ids: HashSet<&str> = resumed.iter().map(|r| r.trial_id.as_str()).collect();
    assert_eq!(ids.len(), 4, "every trial once");
    // Old records read with today's ids, and say which id they had.
    let legacy: Vec<String> = resumed
        .iter()
        .filter_map(|r| r.legacy_trial_id.clone())
        .collect();
    assert_eq!(legacy, fixture_ids());

    // A fresh run of the same sweep (today's ids throughout), merged with
    // the old directory: the same four trials, none twice.
    let fresh = dir.join("fresh");
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        fresh.to_str().unwrap(),
        "--backend",
        "cpu",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fresh_ids: HashSet<String> = records(&fresh).into_iter().map(|r| r.trial_id).collect();
    assert_eq!(fresh_ids, ids.iter().map(|s| s.to_string()).collect());
    let merged = dir.join("merged");
    let o = native(&[
        "merge",
        fixture().to_str().unwrap(),
        fresh.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let merged_ids: Vec<String> = records(&merged).into_iter().map(|r| r.trial_id).collect();
    assert_eq!(merged_ids.len(), 4, "{merged_ids:?}");
    assert_eq!(
        merged_ids.iter().cloned().collect::<HashSet<_>>(),
        fresh_ids
    );
}

#[test]
fn a_default_results_directory_named_by_sweeplab_0_1_is_resumed_not_started_anew() {
    let dir = scratch("compat", "default-out");
    // sweeplab 0.1 named it runs/NAME-<first 8 of its sweep id>.
    let runs = dir.join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let old = copy_fixture(&runs, "fixture-0-1-af9326e0");
    let sweep = dir.join("fixture.toml");
    std::fs::copy(old.join("sweep.toml"), &sweep).unwrap();
    let o = native_in(&dir, &["run", "fixture.toml", "--backend", "cpu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("4 trials, 1 to run"), "{}", stderr(&o));
    assert_eq!(records(&old).len(), 4);
    assert_eq!(
        std::fs::read_dir(&runs).unwrap().count(),
        1,
        "no second directory"
    );
}

#[test]
fn a_bundle_of_a_sweeplab_0_1_directory_opens_with_show_and_never_overwrites() {
    let dir = scratch("compat", "bundle");
    let old = copy_fixture(&dir, "old");
    let o = native(&["bundle", old.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let zip = dir.join("old.zip");
    // Shown somewhere else: unpacked beside the bundle, same trials.
    let elsewhere = scratch("compat", "bundle-opened");
    let copy = elsewhere.join("shared.zip");
    std::fs::copy(&zip, &copy).unwrap();
    let o = native(&["show", copy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("fixture-0-1"));
    let ids =
        |d: &Path| -> HashSet<String> { records(d).into_iter().map(|r| r.trial_id).collect() };
    let unpacked = elsewhere.join("shared");
    assert_eq!(ids(&unpacked), ids(&old));
    assert_eq!(ids(&unpacked).len(), 3);
    // Again: the same contents, shown as they are.
    let o = native(&["show", copy.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A directory that now holds something else is not overwritten.
    let journal = unpacked.join("journal.json");
    std::fs::write(&journal, r#"{"notes": [], "conclusion": "mine"}"#).unwrap();
    let o = native(&["show", copy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("already holds other results"),
        "{}",
        stderr(&o)
    );
    assert!(std::fs::read_to_string(&journal).unwrap().contains("mine"));
    // Not a bundle: one line, exit 2.
    let bad = elsewhere.join("bad.zip");
    std::fs::write(&bad, "not a zip").unwrap();
    let o = native(&["show", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a results bundle (zip)"),
        "{}",
        stderr(&o)
    );
}
