//! Random and TPE scans through `native-sweep` as a user runs them: real
//! training on the embedded Fashion-MNIST subset, `kill -9` and resume,
//! the fANOVA ranking in `show`, and the proposed grid run.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{BIN, native, records, run_ok, scratch, stderr, stdout, write_sweep};

fn scan_text(strategy: &str, trials: usize, search: &str) -> String {
    format!(
        r#"
name = "scan-{strategy}"
hypothesis = "Which of four hyperparameters matter?"
seed = 3
[dataset]
name = "fashion-mnist"
train_limit = 600
val_limit = 200
[base.model]
kind = "mlp"
dense = [32]
[base.train]
epochs = 1
[search]
strategy = "{strategy}"
trials = {trials}
{search}
[[axes]]
path = "model.dropout"
low = 0.0
high = 0.5
[[axes]]
path = "train.lr"
low = 1e-4
high = 0.3
log = true
[[axes]]
path = "train.batch_size"
low = 16
high = 128
int = true
[[axes]]
path = "model.activation"
values = ["relu", "tanh"]
"#
    )
}

/// Start `native-sweep run`, SIGKILL it once `out` holds `n` records.
fn kill_after(sweep: &Path, out: &Path, n: usize, extra: &[&str]) {
    let mut child = Command::new(BIN)
        .args([
            "run",
            sweep.to_str().unwrap(),
            "-q",
            "--out",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("MLFLOW_TRACKING_URI")
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(out.join("trials.jsonl")).map_or(0, |t| t.lines().count()) < n
        && started.elapsed() < Duration::from_secs(300)
        && child.try_wait().unwrap().is_none()
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

fn ids(dir: &Path) -> Vec<String> {
    let recs = records(dir);
    let set: HashSet<String> = recs.iter().map(|r| r.trial_id.clone()).collect();
    assert_eq!(
        set.len(),
        recs.len(),
        "a trial was written twice in {}",
        dir.display()
    );
    let mut ids: Vec<String> = set.into_iter().collect();
    ids.sort();
    ids
}

#[test]
fn a_random_scan_killed_and_resumed_ranks_its_axes_and_proposes_a_grid_that_runs() {
    let dir = scratch("scans", "random");
    let sweep = write_sweep(&dir, &scan_text("random", 12, ""));
    let (whole, killed) = (dir.join("whole"), dir.join("killed"));
    let all = run_ok(&sweep, &whole);
    assert_eq!(all.len(), 12);
    kill_after(&sweep, &killed, 3, &[]);
    kill_after(&sweep, &killed, 7, &["--jobs", "2"]);
    let left = records(&killed).len();
    assert!((7..12).contains(&left), "killed with {left} of 12 written");
    run_ok(&sweep, &killed);
    assert_eq!(
        ids(&killed),
        ids(&whole),
        "the resumed scan ran the same trials"
    );

    let o = native(&["show", killed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("random scan of 12 configurations has no grid of cells"),
        "{text}"
    );
    assert!(
        text.contains(
            "which axes matter for val_accuracy (fANOVA of a random forest, 12 configurations"
        ),
        "{text}"
    );
    assert!(text.contains("pairs by interaction strength:"), "{text}");
    assert!(
        !killed.join("heatmap.png").exists(),
        "a scan draws no heatmap"
    );
    let png = std::fs::read(killed.join("parallel.png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "parallel coordinates drawn"
    );
    let png = std::fs::read(killed.join("pair.png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "the strongest pair drawn as a scatter"
    );
    assert!(text.contains("parallel.png, pair.png"), "{text}");

    // The journal and the report carry the ranking and the proposed grid
    // (a scan has no heatmap and no ANOVA line).
    let o = native(&["report", killed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(killed.join("report.md")).unwrap();
    assert!(
        report.contains("fANOVA share of 12 configurations"),
        "{report}"
    );
    assert!(report.contains("Proposed grid: "), "{report}");
    assert!(report.contains("random configurations"), "{report}");
    assert!(!report.contains("F("), "no ANOVA line for a scan: {report}");
    let html = std::fs::read_to_string(killed.join("report.html")).unwrap();
    assert!(html.contains("fANOVA share"), "the one-page report too");

    let grid = dir.join("grid.toml");
    let o = native(&[
        "propose",
        killed.to_str().unwrap(),
        "--out",
        grid.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("fANOVA share"), "{}", stderr(&o));
    let proposed =
        sweeplab_core::spec::SweepSpec::from_toml(&std::fs::read_to_string(&grid).unwrap())
            .unwrap();
    assert!(proposed.is_grid());
    assert_eq!(proposed.axes.len(), 2);
    assert_eq!(proposed.repeats, 3);
    assert_eq!(proposed.base.train.epochs, 1, "the same epoch budget");
    let ran = run_ok(&grid, &dir.join("grid"));
    assert_eq!(ran.len(), proposed.trial_count());
    assert!(dir.join("grid").join("heatmap.png").exists());
}

#[test]
fn a_tpe_scan_resumes_after_kill_to_the_proposals_of_an_uninterrupted_run() {
    let dir = scratch("scans", "tpe");
    let sweep = write_sweep(&dir, &scan_text("tpe", 9, "startup = 4\nbatch = 2"));
    let (whole, killed) = (dir.join("whole"), dir.join("killed"));
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(records(&whole).len(), 9);
    // Killed in the random start, and again inside a proposed round.
    kill_after(&sweep, &killed, 2, &[]);
    kill_after(&sweep, &killed, 6, &[]);
    let left = records(&killed).len();
    assert!((6..9).contains(&left), "killed with {left} of 9 written");
    run_ok(&sweep, &killed);
    assert_eq!(
        ids(&killed),
        ids(&whole),
        "the same proposals after kill -9"
    );

    // Separate shard directories cannot see each other's rounds: refused.
    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--shard",
        "0/2",
        "--out",
        dir.join("s").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("--shard: a tpe scan proposes each round from every finished trial"),
        "{err}"
    );
    assert!(!dir.join("s").join("trials.jsonl").exists());
}

#[test]
fn a_random_scan_shards_and_merges_into_the_whole_scan() {
    let dir = scratch("scans", "shards");
    let sweep = write_sweep(&dir, &scan_text("random", 10, ""));
    let whole = dir.join("whole");
    run_ok(&sweep, &whole);
    let parts: Vec<String> = (0..3)
        .map(|i| {
            let part = dir.join(format!("part{i}"));
            let o = native(&[
                "run",
                sweep.to_str().unwrap(),
                "-q",
                "--shard",
                &format!("{i}/3"),
                "--out",
                part.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", stderr(&o));
            part.display().to_string()
        })
        .collect();
    let all = dir.join("all");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--out", all.to_str().unwrap()]);
    let o = native(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        ids(&all),
        ids(&whole),
        "three shards merge into the whole scan, each trial once"
    );
}

#[test]
fn successive_halving_trains_the_best_half_longer_resumes_after_kill_and_says_what_it_left_out() {
    let dir = scratch("scans", "halving");
    let text = scan_text("random", 8, "halving = 2").replace("epochs = 1", "epochs = 2");
    let sweep = write_sweep(&dir, &text);
    let (whole, killed) = (dir.join("whole"), dir.join("killed"));
    // Rungs: all 8 configurations at 1 epoch, then the best 4 at 2.
    let all = run_ok(&sweep, &whole);
    assert_eq!(all.len(), 12);
    let (short, long): (Vec<_>, Vec<_>) = all.iter().partition(|r| r.config.train.epochs == 1);
    assert_eq!((short.len(), long.len()), (8, 4));
    let mut by_accuracy = short.clone();
    by_accuracy.sort_by(|a, b| {
        let v = |r: &&sweeplab_core::record::TrialRecord| {
            r.final_metric(sweeplab_core::spec::Metric::ValAccuracy)
        };
        v(b).total_cmp(&v(a))
            .then(a.trial_index.cmp(&b.trial_index))
    });
    let best: HashSet<String> = by_accuracy[..4]
        .iter()
        .map(|r| serde_json::to_string(&r.cell).unwrap())
        .collect();
    let went_on: HashSet<String> = long
        .iter()
        .map(|r| serde_json::to_string(&r.cell).unwrap())
        .collect();
    assert_eq!(went_on, best, "the best half of the first rung trained on");
    assert!(long.iter().all(|r| r.epochs.len() == 2));

    // Killed inside the first rung and resumed: the same trials.
    kill_after(&sweep, &killed, 5, &[]);
    run_ok(&sweep, &killed);
    assert_eq!(ids(&killed), ids(&whole), "the same rungs after kill -9");

    let o = native(&["show", whole.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("successive halving (η = 2): 8 configurations at 1 epoch, the best 4 at 2; the ranking and plots compare all 8 at 1 epoch: the 4 trials trained longer are not in them"),
        "{text}"
    );
    assert!(
        text.contains("fANOVA of a random forest, 8 configurations"),
        "{text}"
    );

    let o = native(&[
        "run",
        sweep.to_str().unwrap(),
        "--shard",
        "1/2",
        "--out",
        dir.join("s").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("--shard: successive halving chooses each rung from every finished trial"),
        "{}",
        stderr(&o)
    );
}
