//! Analysis and plots over trial records of a real sweep file's grid.

use crate::common;

use sweeplab_core::analysis::{self, AnalysisError, HeatmapRequest, OtherAxes, SsType};
use sweeplab_core::plot;
use sweeplab_core::record::{EpochMetrics, TrialRecord, TrialStatus, parse_jsonl, to_csv};
use sweeplab_core::spec::{Metric, SweepSpec};
use sweeplab_core::sweep::expand;

fn sweep(repeats: usize) -> SweepSpec {
    SweepSpec::from_toml(&format!(
        r#"
        name = "dropout-x-norm"
        repeats = {repeats}
        [dataset]
        name = "fashion-mnist"
        [base.train]
        epochs = 2
        [[axes]]
        path = "model.dropout"
        values = [0.0, 0.3, 0.6]
        [[axes]]
        path = "model.norm"
        values = ["none", "batch"]
        "#
    ))
    .unwrap()
}

/// Records of the sweep whose final val accuracy is `value(x, y, repeat)`.
fn records(spec: &SweepSpec, value: impl Fn(usize, usize, usize) -> f64) -> Vec<TrialRecord> {
    records_by(spec, |cell, repeat| value(cell[0], cell[1], repeat))
}

/// Records of the sweep whose final val accuracy is `value(cell levels, repeat)`.
fn records_by(spec: &SweepSpec, value: impl Fn(&[usize], usize) -> f64) -> Vec<TrialRecord> {
    expand(spec)
        .into_iter()
        .map(|t| {
            let v = value(&t.cell_index, t.repeat);
            let epochs = (1..=spec.base.train.epochs)
                .map(|e| EpochMetrics {
                    epoch: e,
                    train_loss: 1.0 / e as f64,
                    train_accuracy: v + 0.02,
                    val_loss: 1.2 / e as f64,
                    val_accuracy: if e == spec.base.train.epochs {
                        v
                    } else {
                        v - 0.1
                    },
                    lr: 1e-3,
                    seconds: 1.5,
                })
                .collect();
            common::finished_record(spec, t, epochs, 1000, 3000)
        })
        .collect()
}

fn request() -> HeatmapRequest {
    HeatmapRequest {
        x: "model.dropout".into(),
        y: "model.norm".into(),
        metric: Metric::ValAccuracy,
        others: OtherAxes::Averaged,
        allow_mixed_budgets: false,
    }
}

#[test]
fn heatmap_cells_have_mean_ci_and_n() {
    let spec = sweep(3);
    let recs = records(&spec, |x, y, r| {
        0.8 + 0.01 * x as f64 + 0.05 * y as f64 + 0.01 * r as f64
    });
    let h = analysis::heatmap(&recs, &request()).unwrap();
    assert_eq!(h.x_labels, vec!["0.0", "0.3", "0.6"]);
    assert_eq!(h.y_labels, vec!["none", "batch"]);
    let c = h.cell(2, 1).summary.unwrap();
    assert_eq!(c.n, 3);
    assert!((c.mean - (0.8 + 0.02 + 0.05 + 0.01)).abs() < 1e-12);
    // std of {0, .01, .02} is .01; t(0.975, 2) = 4.302653; half-width = t * s / sqrt(3).
    assert!((c.ci_high - c.mean - 4.302653 * 0.01 / 3f64.sqrt()).abs() < 1e-6);
    assert_eq!((h.best().unwrap().x, h.best().unwrap().y), (2, 1));
}

#[test]
fn diverged_trials_are_counted_not_averaged() {
    let spec = sweep(2);
    let mut recs = records(&spec, |_, _, _| 0.85);
    recs[0].status = TrialStatus::Diverged;
    recs[0].epochs[1].val_accuracy = f64::NAN;
    let h = analysis::heatmap(&recs, &request()).unwrap();
    assert_eq!(h.cell(0, 0).diverged, 1);
    assert_eq!(h.cell(0, 0).summary.unwrap().n, 1);
}

#[test]
fn budget_guard_refuses_mixed_epochs_and_names_them() {
    let spec = sweep(1);
    let mut recs = records(&spec, |_, _, _| 0.8);
    let mut longer = spec.clone();
    longer.base.train.epochs = 5;
    recs.extend(records(&longer, |_, _, _| 0.9));
    let err = analysis::heatmap(&recs, &request()).unwrap_err();
    assert_eq!(
        err,
        AnalysisError::MixedBudgets("2 epochs: 6 trials, 5 epochs: 6 trials".into()),
        "{err}"
    );
    let allowed = HeatmapRequest {
        allow_mixed_budgets: true,
        ..request()
    };
    assert_eq!(analysis::heatmap(&recs, &allowed).unwrap().budget, None);
}

#[test]
fn fixed_other_axes_filter_trials() {
    let spec = sweep(1);
    let recs = records(&spec, |x, y, _| x as f64 + 10.0 * y as f64);
    let req = HeatmapRequest {
        x: "model.dropout".into(),
        y: "model.dropout".into(),
        others: OtherAxes::Fixed(vec![("model.norm".into(), "batch".into())]),
        ..request()
    };
    let h = analysis::heatmap(&recs, &req).unwrap();
    assert_eq!(h.cell(1, 1).summary.unwrap().mean, 11.0);
    let unknown = HeatmapRequest {
        x: "train.lr".into(),
        ..request()
    };
    assert!(matches!(
        analysis::heatmap(&recs, &unknown),
        Err(AnalysisError::UnknownAxis { .. })
    ));
}

#[test]
fn anova_on_records_finds_the_interaction() {
    let spec = sweep(3);
    // Dropout hurts without batch norm only: an interaction, plus noise by repeat.
    let noise = [0.004, -0.003, -0.001];
    let recs = records(&spec, |x, y, r| {
        0.85 - if y == 0 { 0.05 * x as f64 } else { 0.0 } + noise[r]
    });
    let table = analysis::interaction_anova(&recs, &request()).unwrap();
    assert_eq!(table.ss_type, SsType::Classical);
    let ab = table
        .row("A×B")
        .or_else(|| table.row("A:B"))
        .expect("interaction row");
    assert_eq!((ab.df, table.rows.last().unwrap().df), (2.0, 12.0));
    assert!(ab.p.unwrap() < 1e-6, "{ab:?}");
    let marginals = analysis::marginal_means(&recs, &request()).unwrap();
    assert_eq!(marginals.len(), 3);
    assert!(marginals[0].summary.unwrap().mean > marginals[2].summary.unwrap().mean);
}

#[test]
fn gap_and_epochs_to_threshold() {
    let spec = sweep(1);
    let recs = records(&spec, |_, _, _| 0.8);
    assert!((analysis::overfitting_gap(&recs[0]) - 0.02).abs() < 1e-12);
    assert_eq!(analysis::epochs_to_reach(&recs[0], 0.75), Some(2));
    assert_eq!(analysis::epochs_to_reach(&recs[0], 0.65), Some(1));
    assert_eq!(analysis::epochs_to_reach(&recs[0], 0.9), None);
}

#[test]
fn records_round_trip_through_json_lines_and_csv() {
    let spec = sweep(1);
    let mut recs = records(&spec, |x, _, _| 0.5 + x as f64 / 10.0);
    recs[1].status = TrialStatus::Diverged;
    recs[1].epochs[0].train_loss = f64::NAN;
    let text: String = recs.iter().map(|r| r.to_json_line() + "\n").collect();
    let back = parse_jsonl("trials.jsonl", &text).unwrap();
    assert!(!back.torn_tail);
    assert_eq!(back.records.len(), 6);
    assert!(back.records[1].epochs[0].train_loss.is_nan());
    assert_eq!(back.records[0], recs[0]);
    // A writer killed mid-line leaves a torn tail, which is dropped, not fatal.
    let torn = format!("{text}{}", &recs[0].to_json_line()[..40]);
    assert!(parse_jsonl("t", &torn).unwrap().torn_tail);
    // A record from a newer sweeplab is refused with a clear message.
    let newer = text.replacen("\"schema\":2", "\"schema\":3", 1);
    assert_eq!(
        parse_jsonl("trials.jsonl", &newer).unwrap_err().to_string(),
        "trials.jsonl:1: record schema 3 is newer than this sweeplab reads (2); upgrade sweeplab"
    );
    let csv = to_csv(&recs);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("trial_id,status,model.dropout,model.norm,repeat,seed,epochs")
    );
    assert_eq!(lines.count(), 6);
    assert!(csv.contains(",diverged,0.0,batch,"));
}

#[test]
fn heatmap_renders_to_svg_and_png() {
    let spec = sweep(3);
    let mut recs = records(&spec, |x, y, r| {
        0.7 + 0.03 * x as f64 + 0.05 * y as f64 + 0.005 * r as f64
    });
    for r in recs.iter_mut().filter(|r| r.cell_index_is(2, 0)) {
        r.status = TrialStatus::Diverged;
    }
    let h = analysis::heatmap(&recs, &request()).unwrap();
    let svg = plot::heatmap_svg_string(&h, "val_accuracy: dropout x norm", (800, 600)).unwrap();
    for needle in [
        "model.dropout",
        "model.norm",
        "batch",
        "0.6",
        "n=3",
        "3 diverged",
        "val_accuracy",
    ] {
        assert!(svg.contains(needle), "SVG lacks {needle:?}");
    }
    let dir = std::env::temp_dir().join(format!("sweeplab-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("heatmap.png");
    plot::heatmap_png(&png, &h, "val_accuracy: dropout x norm", (800, 600)).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 800);
    let curves = plot::write_svg((640, 400), |a| {
        plot::draw_curves(a, &recs, Metric::ValAccuracy, "curves")
    })
    .unwrap();
    assert!(curves.contains("epoch"));
    let marginals = analysis::marginal_means(&recs, &request()).unwrap();
    let m = plot::write_svg((640, 400), |a| {
        plot::draw_marginals(a, &marginals, "model.dropout", Metric::ValAccuracy)
    })
    .unwrap();
    assert!(m.contains("val_accuracy by model.dropout"));
    if let Ok(keep) = std::env::var("SWEEPLAB_KEEP_PLOTS") {
        std::fs::copy(&png, keep).unwrap();
    }
}

trait CellIs {
    fn cell_index_is(&self, x: usize, y: usize) -> bool;
}

impl CellIs for TrialRecord {
    fn cell_index_is(&self, x: usize, y: usize) -> bool {
        let spec = sweep(1);
        let xs = &spec.axes[0].values;
        let ys = &spec.axes[1].values;
        self.cell[0].value == xs[x] && self.cell[1].value == ys[y]
    }
}

#[test]
fn a_sweeps_heatmap_shows_its_whole_grid_while_it_fills_in() {
    let spec = sweep(2);
    let all = records(&spec, |x, y, _| 0.5 + 0.1 * x as f64 + 0.05 * y as f64);
    // Nothing finished yet, trials 0 and 1 training: every cell is there.
    let empty = analysis::sweep_heatmap(&spec, &[], &request(), &[0, 1]).unwrap();
    assert_eq!(empty.x_labels, ["0.0", "0.3", "0.6"]);
    assert_eq!(empty.y_labels, ["none", "batch"]);
    assert_eq!(empty.cells.len(), 6);
    assert!(empty.cells.iter().all(|c| c.summary.is_none()));
    // The first cell's two repeats are trials 0 and 1 (cells in grid order).
    assert_eq!((empty.cell(0, 0).running, empty.cell(0, 0).pending), (2, 0));
    let waiting: usize = empty.cells.iter().map(|c| c.pending).sum();
    assert_eq!(waiting, 10);
    // Three records in: their cell filled, one trial running, the rest pending.
    let some = &all[..3];
    let map = analysis::sweep_heatmap(&spec, some, &request(), &[3]).unwrap();
    assert_eq!(map.cells.len(), 6);
    let filled: Vec<_> = map.cells.iter().filter(|c| c.summary.is_some()).collect();
    assert_eq!(filled.len(), 2, "{map:?}");
    let counted: usize = map
        .cells
        .iter()
        .map(|c| c.summary.map_or(0, |s| s.n) + c.running + c.pending)
        .sum();
    assert_eq!(counted, 12, "every trial in exactly one state");
    assert_eq!(map.cells.iter().map(|c| c.running).sum::<usize>(), 1);
    // Finished: the same as the heatmap of the records alone.
    let done = analysis::sweep_heatmap(&spec, &all, &request(), &[]).unwrap();
    let plain = analysis::heatmap(&all, &request()).unwrap();
    assert_eq!(done, plain);
}

#[test]
fn intervals_are_cut_to_the_metrics_range_and_few_values_are_flagged() {
    // Two accuracies far apart: the t interval reaches far past 0 and 1.
    let s = analysis::summarize(&[0.2, 0.9]).unwrap();
    assert!(s.ci_low < 0.0 && s.ci_high > 1.0, "{s:?}");
    let shown = s.shown_interval(Metric::ValAccuracy.natural_range());
    assert_eq!((shown.low, shown.high, shown.clipped), (0.0, 1.0, true));
    let label = plot::interval_label(&s, Metric::ValAccuracy);
    assert_eq!(label, "0.000 – 1.000 (cut to 0–1) · n = 2: wide interval");
    // A loss has no upper bound: nothing is cut.
    let loss = analysis::summarize(&[0.2, 0.9]).unwrap();
    assert!(!loss.shown_interval(Metric::ValLoss.natural_range()).clipped);
    // Many close values: no cut, no hint; one value: no interval.
    let tight = analysis::summarize(&[0.80, 0.81, 0.82, 0.80, 0.81]).unwrap();
    let label = plot::interval_label(&tight, Metric::ValAccuracy);
    assert!(!label.contains("cut") && !label.contains("wide"), "{label}");
    let one = analysis::summarize(&[0.8]).unwrap();
    assert_eq!(
        plot::interval_label(&one, Metric::ValAccuracy),
        "n = 1: no interval"
    );
}

#[test]
fn the_heatmap_says_its_colour_scale_and_marks_pending_cells() {
    let spec = sweep(1);
    let all = records(&spec, |x, _, _| 0.8 + 0.01 * x as f64);
    let map = analysis::sweep_heatmap(&spec, &all[..2], &request(), &[2]).unwrap();
    let svg = plot::heatmap_svg_string(&map, "filling in", (900, 700)).unwrap();
    assert!(
        svg.contains("val_accuracy (scale 0–1)"),
        "colour bar says its scale"
    );
    assert!(svg.contains("1 running"));
    assert!(svg.contains("1 pending"));
    let loss = HeatmapRequest {
        metric: Metric::ValLoss,
        ..request()
    };
    let map = analysis::sweep_heatmap(&spec, &all, &loss, &[]).unwrap();
    let svg = plot::heatmap_svg_string(&map, "losses", (900, 700)).unwrap();
    assert!(svg.contains("val_loss (scale: data range)"));
}

#[test]
fn importance_ranks_a_planted_interaction_first_and_a_noise_axis_last() {
    let spec = SweepSpec::from_toml(
        r#"
        name = "four-axes"
        repeats = 3
        [dataset]
        name = "fashion-mnist"
        [base.train]
        epochs = 2
        [[axes]]
        path = "model.dropout"
        values = [0.0, 0.2, 0.4]
        [[axes]]
        path = "train.lr"
        values = [0.001, 0.01, 0.1]
        [[axes]]
        path = "model.norm"
        values = ["none", "batch"]
        [[axes]]
        path = "train.batch_size"
        values = [32, 64]
        "#,
    )
    .unwrap();
    // Repeat-to-repeat noise in [-0.005, 0.005), fixed by cell and repeat.
    let noise = |cell: &[usize], repeat: usize| {
        let h = cell
            .iter()
            .fold(repeat as u64 + 1, |h, &i| {
                h.wrapping_mul(1_000_003).wrapping_add(i as u64)
            })
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((h >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.01
    };
    // Dropout and learning rate interact (a crossover) on top of small main
    // effects; norm has a main effect only; batch size does nothing.
    let recs = records_by(&spec, |c, r| {
        let (d, lr) = (c[0] as f64 - 1.0, c[1] as f64 - 1.0);
        0.7 + 0.08 * d * lr + 0.03 * d + 0.01 * lr + 0.02 * c[2] as f64 + noise(c, r)
    });
    let axes: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
    let imp = analysis::importance(&recs, &axes, Metric::ValAccuracy).unwrap();
    assert_eq!((imp.n, imp.repeats), (108, 3));
    assert_eq!(imp.pairs.len(), 6);
    assert_eq!(imp.pairs[0].axes, ["model.dropout", "train.lr"]);
    assert!(imp.pairs[0].p.unwrap() < 1e-6, "{:?}", imp.pairs[0]);
    assert_eq!(imp.pairs[0].df, 4.0);
    for other in &imp.pairs[1..] {
        assert!(other.partial_eta_sq.unwrap() < 0.2, "{other:?}");
    }
    let names: Vec<String> = imp.axes.iter().map(|e| e.name()).collect();
    assert_eq!(names[0], "model.dropout");
    assert_eq!(names.last().unwrap(), "train.batch_size");
    assert!(imp.axes.last().unwrap().partial_eta_sq.unwrap() < 0.1);
    let lines = analysis::importance_lines(&imp).join("\n");
    assert!(lines.contains("pairs by interaction strength:"), "{lines}");
    assert!(lines.contains("model.dropout × train.lr"), "{lines}");
}

#[test]
fn importance_of_two_axes_is_the_two_way_anova_and_a_gap_in_the_grid_is_refused() {
    let spec = sweep(3);
    let recs = records(&spec, |x, y, r| {
        0.5 + 0.1 * x as f64 * y as f64 + 0.05 * x as f64 + 0.01 * r as f64
    });
    let axes = vec!["model.dropout".to_string(), "model.norm".to_string()];
    let imp = analysis::importance(&recs, &axes, Metric::ValAccuracy).unwrap();
    let table = analysis::interaction_anova(&recs, &request()).unwrap();
    let pair = &imp.pairs[0];
    let row = table.row("A×B").unwrap();
    assert!((pair.ss - row.ss).abs() < 1e-12 && pair.df == row.df);
    assert!((pair.f.unwrap() - row.f.unwrap()).abs() < 1e-9);
    let dropout = imp
        .axes
        .iter()
        .find(|e| e.name() == "model.dropout")
        .unwrap();
    assert!((dropout.ss - table.row("A").unwrap().ss).abs() < 1e-12);
    // One trial short (diverged, say): the grid is not balanced any more.
    let mut short = recs.clone();
    short[0].status = TrialStatus::Diverged;
    let err = analysis::importance(&short, &axes, Metric::ValAccuracy).unwrap_err();
    assert!(
        matches!(&err, AnalysisError::Design(m) if m.contains("1 of 6 cells")),
        "{err}"
    );
}
