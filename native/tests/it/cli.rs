//! `native-sweep` as a user runs it: real processes, real files.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use sweeplab_core::record::{TrialRecord, TrialStatus, parse_jsonl};

use crate::common::{BIN, native, records, scratch, stderr, write_sweep};

fn sweep_text(epochs: usize, train_limit: usize) -> String {
    format!(
        r#"
name = "cli-test"
hypothesis = "BatchNorm tolerates dropout."
repeats = 2
[dataset]
name = "fashion-mnist"
train_limit = {train_limit}
val_limit = 200
[base.model]
channels = [8, 16]
[base.train]
epochs = {epochs}
[[axes]]
path = "model.dropout"
values = [0.0, 0.5]
[[axes]]
path = "model.norm"
values = ["none", "batch"]
"#
    )
}

fn metrics_by_id(recs: &[TrialRecord]) -> HashMap<String, Vec<(u64, u64)>> {
    recs.iter()
        .map(|r| {
            (
                r.trial_id.clone(),
                r.epochs
                    .iter()
                    .map(|e| (e.val_loss.to_bits(), e.train_loss.to_bits()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn run_writes_results_and_resume_skips_finished_trials() {
    let dir = scratch("cli", "run");
    let sweep = write_sweep(&dir, &sweep_text(1, 300));
    let out = dir.join("out");
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let recs = records(&out);
    assert_eq!(recs.len(), 8);
    assert!(recs.iter().all(|r| r.status == TrialStatus::Finished
        && r.backend == Some(sweeplab_core::record::Backend::Flex)));
    for f in [
        "sweep.toml",
        "summary.csv",
        "heatmap.png",
        "heatmap.svg",
        "curves.png",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 9);
    assert!(
        stderr(&o).contains("model.dropout × model.norm: F(1, 4)"),
        "{}",
        stderr(&o)
    );

    let again = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(again.status.success());
    assert!(
        stderr(&again).contains("8 trials, 0 to run"),
        "{}",
        stderr(&again)
    );
    assert_eq!(records(&out).len(), 8, "no trial ran twice");

    let show = native(&["show", out.to_str().unwrap(), "--metric", "val_loss"]);
    assert!(show.status.success(), "{}", stderr(&show));
    assert!(String::from_utf8_lossy(&show.stdout).contains("cli-test: val_loss"));

    // A corrupt middle line: every command that reads the records refuses
    // with the line's number, and none drops it or rewrites the file.
    let corrupt = dir.join("corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    for f in ["sweep.toml", "trials.jsonl"] {
        std::fs::copy(out.join(f), corrupt.join(f)).unwrap();
    }
    let trials = corrupt.join("trials.jsonl");
    let text = std::fs::read_to_string(&trials).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = r#"{"schema": 1, "sweep_id": "#;
    let damaged = lines.join("\n") + "\n";
    std::fs::write(&trials, &damaged).unwrap();
    let c = corrupt.to_str().unwrap();
    let merged = dir.join("merged-corrupt");
    for args in [
        vec!["show", c],
        vec!["merge", c, "--out", merged.to_str().unwrap()],
        vec!["export-mlflow", c, "--mlflow", "http://127.0.0.1:9"],
        vec!["run", sweep.to_str().unwrap(), "--out", c],
    ] {
        let o = native(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("trials.jsonl:3: not a trial record"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read_to_string(&trials).unwrap(),
            damaged,
            "{args:?}"
        );
    }
}

#[test]
fn parallel_jobs_give_the_same_metrics_as_one_job() {
    let dir = scratch("cli", "jobs");
    let sweep = write_sweep(&dir, &sweep_text(1, 200));
    let (one, two) = (dir.join("one"), dir.join("two"));
    assert!(
        native(&[
            "run",
            sweep.to_str().unwrap(),
            "--out",
            one.to_str().unwrap(),
            "-q"
        ])
        .status
        .success()
    );
    assert!(
        native(&[
            "run",
            sweep.to_str().unwrap(),
            "--out",
            two.to_str().unwrap(),
            "-q",
            "--jobs",
            "3"
        ])
        .status
        .success()
    );
    assert_eq!(metrics_by_id(&records(&one)), metrics_by_id(&records(&two)));
}

#[test]
fn shards_as_separate_processes_merge_into_the_whole_grid() {
    let dir = scratch("cli", "shards");
    let sweep = write_sweep(&dir, &sweep_text(1, 200));
    let whole = dir.join("whole");
    assert!(
        native(&[
            "run",
            sweep.to_str().unwrap(),
            "--out",
            whole.to_str().unwrap(),
            "-q"
        ])
        .status
        .success()
    );
    let n = 3;
    let children: Vec<_> = (0..n)
        .map(|i| {
            Command::new(BIN)
                .args(["run", sweep.to_str().unwrap(), "-q", "--out"])
                .arg(dir.join(format!("shard{i}")))
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", n.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut seen = HashSet::new();
    for i in 0..n {
        for r in records(&dir.join(format!("shard{i}"))) {
            assert!(seen.insert(r.trial_id), "a trial ran in two shards");
        }
    }
    let merged = dir.join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend((0..n).map(|i| dir.join(format!("shard{i}")).display().to_string()));
    args.extend(["--out".to_string(), merged.display().to_string()]);
    let o = Command::new(BIN).args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        metrics_by_id(&records(&merged)),
        metrics_by_id(&records(&whole))
    );
    assert!(merged.join("heatmap.png").exists());
}

#[test]
fn killed_runs_resume_to_the_full_grid_without_duplicates() {
    let dir = scratch("cli", "kill");
    let sweep = write_sweep(&dir, &sweep_text(2, 1200));
    let out = dir.join("out");
    // Kill at several points: during the first trial, and after some finished.
    for wait_for_records in [0usize, 1, 3, 5] {
        let mut child = Command::new(BIN)
            .args([
                "run",
                sweep.to_str().unwrap(),
                "-q",
                "--out",
                out.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let have =
                std::fs::read_to_string(out.join("trials.jsonl")).map_or(0, |t| t.lines().count());
            if have >= wait_for_records && started.elapsed() > Duration::from_millis(300) {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let _ = std::fs::read_to_string(out.join("trials.jsonl"))
            .map(|t| parse_jsonl("t", &t).unwrap());
    }
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let recs = records(&out);
    let ids: HashSet<_> = recs.iter().map(|r| r.trial_id.clone()).collect();
    assert_eq!(ids.len(), recs.len(), "duplicate trial records");
    assert_eq!(ids.len(), 8, "full grid");
    assert!(recs.iter().all(|r| r.epochs.len() == 2));
}

#[test]
fn a_changed_sweep_file_is_refused_with_what_changed() {
    let dir = scratch("cli", "changed");
    let sweep = write_sweep(&dir, &sweep_text(1, 100));
    let out = dir.join("out");
    assert!(
        native(&[
            "run",
            sweep.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap()
        ])
        .status
        .success()
    );
    let before = std::fs::read(out.join("trials.jsonl")).unwrap();
    let changed = write_sweep(&dir, &sweep_text(2, 100));
    let o = native(&[
        "run",
        changed.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("changed: base.train.epochs (1 -> 2)"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        std::fs::read(out.join("trials.jsonl")).unwrap(),
        before,
        "results untouched"
    );
}

#[test]
fn bad_input_is_one_line_with_exit_code_2_and_writes_nothing() {
    let dir = scratch("cli", "bad");
    let good = sweep_text(1, 100);
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        ("missing", String::new(), vec![], "cannot read"),
        (
            "bad-toml",
            "name = \"x\"\n[dataset\n".into(),
            vec![],
            "bad TOML",
        ),
        (
            "unknown-key",
            good.replace("repeats = 2", "repeat = 2"),
            vec![],
            "unknown field `repeat`",
        ),
        (
            "bad-axis",
            good.replace("\"model.norm\"", "\"model.nrom\""),
            vec![],
            "did you mean model.norm?",
        ),
        (
            "bad-value",
            good.replace("[0.0, 0.5]", "[0.0, 1.5]"),
            vec![],
            "axes[0] (model.dropout): 1.5 is outside [0, 1)",
        ),
        (
            "bad-shard",
            good.clone(),
            vec!["--shard", "3/3"],
            "--shard: shard \"3/3\": expected I/N",
        ),
        (
            "bad-jobs",
            good.clone(),
            vec!["--jobs", "0"],
            "--jobs: 0 must be at least 1",
        ),
        (
            "bad-data",
            good.replace(
                "name = \"fashion-mnist\"",
                "name = \"fashion-mnist\"\npath = \"/nonexistent\"",
            ),
            vec![],
            "dataset: /nonexistent/",
        ),
    ];
    for (name, text, extra, expected) in cases {
        let sweep = dir.join(format!("{name}.toml"));
        if name != "missing" {
            std::fs::write(&sweep, text).unwrap();
        }
        let out = dir.join(format!("{name}-out"));
        let mut args = vec![
            "run",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = native(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!out.exists(), "{name}: wrote {}", out.display());
    }
    let o = native(&["show", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a results directory"));
}

#[test]
fn a_trial_killed_mid_way_resumes_from_its_last_epoch_exactly() {
    let dir = scratch("cli", "ckpt");
    let text = sweep_text(3, 1500).replace("repeats = 2", "repeats = 1");
    let sweep = write_sweep(&dir, &text);
    let (whole, killed) = (dir.join("whole"), dir.join("killed"));
    assert!(
        native(&[
            "run",
            sweep.to_str().unwrap(),
            "-q",
            "--out",
            whole.to_str().unwrap()
        ])
        .status
        .success()
    );

    let mut child = Command::new(BIN)
        .args([
            "run",
            sweep.to_str().unwrap(),
            "-q",
            "--out",
            killed.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ckpt_dir = killed.join("checkpoints");
    // A finished checkpoint, not the `.tmp` it is written through.
    let has_checkpoint = || {
        std::fs::read_dir(&ckpt_dir).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "ckpt"))
        })
    };
    while !has_checkpoint() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before a checkpoint was seen"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before =
        std::fs::read_to_string(killed.join("trials.jsonl")).map_or(0, |t| t.lines().count());
    assert!(finished_before < 4);

    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        killed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(": resuming after epoch "),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        metrics_by_id(&records(&killed)),
        metrics_by_id(&records(&whole))
    );
    assert_eq!(
        std::fs::read_dir(&ckpt_dir).unwrap().count(),
        0,
        "checkpoints are removed once trials finish"
    );
}

#[test]
fn fetch_downloads_a_checked_data_set_into_the_cache_and_prints_its_path() {
    use crate::common::stdout;
    use crate::core_fixtures::{Server, shared_data};
    use sweeplab_core::data::images::IDX_FILES;

    let mirror = Server::start(&shared_data(""));
    let cache = scratch("cli", "fetch");
    let from = format!("http://127.0.0.1:{}/fashion-mnist/", mirror.1);
    let args = ["fetch", "fashion-mnist", "--from", &from, "--cache"];
    let o = native(&[&args[..], &[cache.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = std::path::PathBuf::from(stdout(&o).trim());
    assert_eq!(dir, cache.join("fashion-mnist"));
    for file in IDX_FILES {
        let fetched = std::fs::read(dir.join(file)).unwrap();
        assert!(fetched == std::fs::read(shared_data("fashion-mnist").join(file)).unwrap());
    }
    assert!(stderr(&o).contains("[dataset] name = \"fashion-mnist\""));

    // A mirror serving another file under the name: refused with one line,
    // exit 1, and nothing (not even a part file) left in the cache.
    let fake = scratch("cli", "fetch-fake");
    std::fs::write(fake.join("gestures-dataset.zip"), b"not the gestures zip").unwrap();
    let bad_mirror = Server::start(&fake);
    let from = format!("http://127.0.0.1:{}/", bad_mirror.1);
    let bad_cache = scratch("cli", "fetch-bad");
    let args = ["fetch", "gestures", "--from", &from, "--cache"];
    let o = native(&[&args[..], &[bad_cache.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("gestures-dataset.zip") && err.contains("sha256"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&bad_cache).unwrap().count(), 0);
}
