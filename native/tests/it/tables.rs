//! Sweeps on a CSV table (`[dataset] name = "csv"`): scikit-learn's wine and
//! iris data sets, written as CSV by the scikit-learn and pandas that the
//! test setup installs beside MLflow, trained by `native-sweep run`; and bad
//! tables refused in one line, naming the file, line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

use sweeplab_core::record::TrialStatus;
use sweeplab_core::spec::{Metric, SweepSpec};

use crate::common::{native, run_ok, scratch, stderr, stdout, write_sweep};
use crate::mlflow::venv;

/// scikit-learn's `load_NAME(as_frame=True).frame` written to `dir/NAME.csv`
/// (a header row; the class in column "target", as numbers or, with
/// `class_names`, as scikit-learn's names for them).
fn sklearn_csv(dir: &Path, name: &str, class_names: bool) -> PathBuf {
    let path = dir.join(format!("{name}.csv"));
    let script = format!(
        "import sklearn.datasets as d\n\
         b = d.load_{name}(as_frame=True)\n\
         f = b.frame\n\
         if {class_names}: f['target'] = [b.target_names[t] for t in f['target']]\n\
         f.to_csv({path:?}, index=False)\n",
        class_names = if class_names { "True" } else { "False" },
        path = path.to_str().unwrap(),
    );
    let o = Command::new(venv().join("bin/python"))
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    path
}

fn table_sweep(csv: &Path, label: &str) -> String {
    format!(
        r#"
name = "table"
hypothesis = "A wider MLP learns the wine classes at a lower learning rate too."
repeats = 2
[dataset]
name = "csv"
path = {path:?}
label = "{label}"
val_fraction = 0.25
[base.model]
kind = "mlp"
dense = [32]
dropout = 0.0
norm = "none"
[base.train]
epochs = 30
batch_size = 16
[[axes]]
path = "train.lr"
values = [0.01, 0.003]
[[axes]]
path = "model.dense"
values = [[16], [64]]
"#,
        path = csv.to_str().unwrap()
    )
}

#[test]
fn an_mlp_sweep_trains_on_scikit_learns_wine_table() {
    let dir = scratch("tables", "wine");
    let csv = sklearn_csv(&dir, "wine", false);
    let sweep = write_sweep(&dir, &table_sweep(&csv, "target"));
    let out = dir.join("out");
    let recs = run_ok(&sweep, &out);
    assert_eq!(recs.len(), 8);
    for r in &recs {
        assert_eq!(r.status, TrialStatus::Finished, "{}", r.trial_id);
    }
    // Standardised features make wine easy: every cell learns it.
    let worst = recs
        .iter()
        .map(|r| r.final_metric(Metric::ValAccuracy))
        .fold(f64::INFINITY, f64::min);
    assert!(worst > 0.85, "worst val accuracy {worst}");
    let o = native(&["show", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("train.lr"), "{}", stdout(&o));
}

#[test]
fn text_labels_become_classes_and_the_split_is_the_same_on_every_run() {
    let dir = scratch("tables", "iris");
    let csv = sklearn_csv(&dir, "iris", true);
    let text = table_sweep(&csv, "target")
        .replace("epochs = 30", "epochs = 2")
        .replace("repeats = 2", "repeats = 1");
    let sweep = write_sweep(&dir, &text);
    let (a, b) = (dir.join("a"), dir.join("b"));
    let (ra, rb) = (run_ok(&sweep, &a), run_ok(&sweep, &b));
    assert_eq!(ra.len(), 4);
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x.trial_id, y.trial_id);
        assert_eq!(x.status, TrialStatus::Finished);
        assert_eq!(
            x.epochs[1].val_loss.to_bits(),
            y.epochs[1].val_loss.to_bits()
        );
    }
}

#[test]
fn bad_tables_are_one_line_with_exit_code_2_and_write_nothing() {
    let dir = scratch("tables", "bad");
    let good = "a,b,y\n1,2,p\n3,4,q\n5,6,p\n7,8,q\n";
    let cases = [
        (
            "ragged",
            "a,b,y\n1,2,p\n3,q\n",
            "ragged.csv: line 3: 2 fields, but the header has 3",
        ),
        (
            "text",
            "a,b,y\n1,2,p\n3,x4,q\n",
            "text.csv: line 3, column \"b\": \"x4\" is not a number",
        ),
        (
            "missing",
            "a,b,y\n1,,p\n",
            "missing.csv: line 2, column \"b\": the value is missing",
        ),
        (
            "one-class",
            "a,b,y\n1,2,p\n3,4,p\n",
            "one-class.csv: column \"y\" holds one class only (\"p\")",
        ),
        ("empty", "", "empty.csv: empty file"),
        (
            "no-label",
            "a,b,c\n1,2,3\n",
            "no-label.csv: no column \"y\" in the header",
        ),
    ];
    for (name, text, expected) in cases {
        let csv = dir.join(format!("{name}.csv"));
        std::fs::write(&csv, text).unwrap();
        let sweep = dir.join(format!("{name}.toml"));
        std::fs::write(&sweep, table_sweep(&csv, "y")).unwrap();
        let out = dir.join(format!("{name}-out"));
        let o = native(&[
            "run",
            sweep.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!out.exists(), "{name}: wrote {}", out.display());
    }
    // A table needs a label column, and only MLPs read tables.
    let csv = dir.join("good.csv");
    std::fs::write(&csv, good).unwrap();
    for (text, expected) in [
        (
            table_sweep(&csv, "y").replace("label = \"y\"\n", ""),
            "dataset.label: is required for name = \"csv\"",
        ),
        (
            table_sweep(&csv, "y").replace("kind = \"mlp\"", "kind = \"cnn\""),
            "base.model.kind: cnn does not fit data set csv (expected \"mlp\")",
        ),
    ] {
        let sweep = dir.join("rule.toml");
        std::fs::write(&sweep, text).unwrap();
        let o = native(&["run", sweep.to_str().unwrap(), "--out", "rule-out"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{}", stderr(&o));
    }
}

#[test]
fn a_100_mb_table_is_streamed_and_trains_on_its_limits() {
    let dir = scratch("tables", "large");
    let csv = dir.join("large.csv");
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        writeln!(w, "f0,f1,f2,f3,f4,f5,f6,f7,class").unwrap();
        let mut row = 0u64;
        while w.get_ref().metadata().unwrap().len() < 100 * 1024 * 1024 {
            for _ in 0..10_000 {
                let class = row % 3;
                let x = |k: u64| ((row * 7919 + k * 104_729) % 1000) as f64 / 1000.0;
                writeln!(
                    w,
                    "{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},c{class}",
                    x(0) + class as f64,
                    x(1),
                    x(2),
                    x(3),
                    x(4),
                    x(5),
                    x(6),
                    x(7)
                )
                .unwrap();
                row += 1;
            }
            w.flush().unwrap();
        }
    }
    let text = table_sweep(&csv, "class")
        .replace(
            "val_fraction = 0.25",
            "val_fraction = 0.25\ntrain_limit = 300\nval_limit = 100",
        )
        .replace("epochs = 30", "epochs = 1")
        .replace("repeats = 2", "repeats = 1")
        .replace("values = [0.01, 0.003]", "values = [0.01]")
        .replace("values = [[16], [64]]", "values = [[16]]");
    let sweep = write_sweep(&dir, &text);
    let out = dir.join("out");
    let recs = run_ok(&sweep, &out);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].status, TrialStatus::Finished);
    std::fs::remove_file(&csv).unwrap();
}

#[test]
fn show_ranks_the_axes_and_pairs_of_a_three_axis_sweep() {
    let dir = scratch("tables", "ranking");
    let csv = sklearn_csv(&dir, "wine", false);
    // Five epochs: a learning rate of 3e-4 has barely moved by then, 3e-2
    // has learnt wine; dropout and batch size matter far less.
    let text = table_sweep(&csv, "target")
        .replace("repeats = 2", "repeats = 3")
        .replace("epochs = 30", "epochs = 5")
        .replace("values = [0.01, 0.003]", "values = [0.03, 0.003, 0.0003]")
        .replace("path = \"model.dense\"", "path = \"model.dropout\"")
        .replace("values = [[16], [64]]", "values = [0.0, 0.5]")
        + "[[axes]]\npath = \"train.batch_size\"\nvalues = [8, 32]\n";
    let sweep = write_sweep(&dir, &text);
    let out = dir.join("out");
    assert_eq!(run_ok(&sweep, &out).len(), 36);
    let o = native(&["show", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown = stdout(&o);
    let ranking: Vec<&str> = shown
        .lines()
        .skip_while(|l| {
            !l.starts_with(
                "which axes matter for val_accuracy (N-way ANOVA, 36 trials, 3 per cell)",
            )
        })
        .skip(1)
        .take(3)
        .collect();
    assert_eq!(ranking.len(), 3, "{shown}");
    assert!(ranking[0].trim_start().starts_with("train.lr "), "{shown}");
    assert!(ranking[0].contains("p < 0.001"), "{shown}");
    let pairs: Vec<&str> = shown
        .lines()
        .skip_while(|l| *l != "pairs by interaction strength:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(pairs.len(), 3, "{shown}");

    // The grid of the strongest pair: a sweep file that runs.
    let proposed = dir.join("pair.toml");
    let o = native(&[
        "propose",
        out.to_str().unwrap(),
        "--out",
        proposed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let spec = SweepSpec::from_toml(&std::fs::read_to_string(&proposed).unwrap()).unwrap();
    let top = pairs[0].trim_start().split("  ").next().unwrap().trim();
    let axes: Vec<&str> = spec.axes.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(axes.join(" × "), top, "{shown}");
    assert_eq!(spec.repeats, 3);
    assert_eq!(spec.base.train.epochs, 5);
    // The third axis is fixed at the best cell's value, and the file says so.
    let fixed = ["train.lr", "model.dropout", "train.batch_size"]
        .into_iter()
        .find(|p| !axes.contains(p))
        .unwrap();
    assert!(spec.hypothesis.contains(fixed), "{}", spec.hypothesis);
    let recs = run_ok(&proposed, &dir.join("pair-out"));
    assert_eq!(recs.len(), spec.trial_count());
    // A pair that is not two axes: one line, exit 2.
    let o = native(&["propose", out.to_str().unwrap(), "--pair", "train.lr"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--pair: \"train.lr\": expected two axis paths"),
        "{}",
        stderr(&o)
    );
}
