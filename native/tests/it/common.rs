//! Helpers shared by the `native-sweep` integration tests: the binary, a
//! scratch directory per test, the CLI run with a clean environment, and the
//! records it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sweeplab_core::record::{TrialRecord, parse_jsonl};

/// The `native-sweep` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_native-sweep");

/// A fresh, empty directory `sweeplab-{suite}-{name}-{pid}` under the
/// system's temporary directory.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sweeplab-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `dir/sweep.toml` and returns that path.
pub fn write_sweep(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `native-sweep ARGS`, without the environment that would change what it
/// does (Slurm / Kubernetes shard indices, an MLflow server).
pub fn native(args: &[&str]) -> Output {
    native_in(Path::new("."), args)
}

/// [`native`] run in directory `dir`.
pub fn native_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("MLFLOW_TRACKING_URI")
        .output()
        .unwrap()
}

/// `native-sweep run SWEEP --out OUT`, which must succeed; the records it
/// wrote.
pub fn run_ok(sweep: &Path, out: &Path) -> Vec<TrialRecord> {
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    records(out)
}

/// A process's standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A process's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The trial records in `dir/trials.jsonl`, which must not end in a torn line.
pub fn records(dir: &Path) -> Vec<TrialRecord> {
    let text = std::fs::read_to_string(dir.join("trials.jsonl")).unwrap();
    let parsed = parse_jsonl("trials.jsonl", &text).unwrap();
    assert!(!parsed.torn_tail, "trials.jsonl ends with a torn line");
    parsed.records
}

/// The first fenced `lang` block after `heading` in docs/cluster.md: the
/// one copy of a script or manifest the docs show and the tests run.
pub fn doc_block(heading: &str, lang: &str) -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cluster.md"))
        .unwrap();
    let section = &doc[doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"))..];
    let fence = format!("```{lang}\n");
    let start = section.find(&fence).expect("a fenced block") + fence.len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}
