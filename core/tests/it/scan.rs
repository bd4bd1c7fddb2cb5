//! Random and TPE scans: reproducible draws, ranges respected, one-line
//! errors for bad ranges, and TPE beating random on a known objective
//! through the same proposal code a real scan uses (`sweep::plan`).

use std::collections::HashSet;

use serde_json::Value;
use statrs::distribution::{Binomial, DiscreteCDF};
use sweeplab_core::record::{EpochMetrics, TrialRecord, TrialStatus};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::{Plan, Trial, plan};

use crate::common;

fn scan(strategy: &str, trials: usize, seed: u64, extra: &str) -> SweepSpec {
    SweepSpec::from_toml(&format!(
        r#"
        name = "scan"
        seed = {seed}
        max_trials = 5000
        [dataset]
        name = "fashion-mnist"
        [search]
        strategy = "{strategy}"
        trials = {trials}
        {extra}
        [[axes]]
        path = "model.dropout"
        low = 0.0
        high = 0.6
        [[axes]]
        path = "train.lr"
        low = 1e-5
        high = 0.1
        log = true
        [[axes]]
        path = "model.hidden"
        low = 8
        high = 64
        int = true
        [[axes]]
        path = "model.norm"
        values = ["none", "batch", "layer"]
        "#
    ))
    .unwrap()
}

fn value(t: &Trial, path: &str) -> Value {
    t.cell
        .iter()
        .find(|a| a.path == path)
        .unwrap()
        .value
        .clone()
}

/// A record of `trial` whose final val accuracy is `accuracy`.
fn record(spec: &SweepSpec, trial: &Trial, accuracy: f64) -> TrialRecord {
    let epoch = EpochMetrics {
        epoch: 1,
        train_loss: 1.0,
        train_accuracy: accuracy,
        val_loss: 1.0,
        val_accuracy: accuracy,
        lr: 1e-3,
        seconds: 1.0,
    };
    common::finished_record(spec, trial.clone(), vec![epoch], 100, 1)
}

/// A record for every trial of `spec`'s first plan, its accuracy its dropout.
fn scored_by_dropout(spec: &SweepSpec) -> Vec<TrialRecord> {
    plan(spec, &[])
        .trials
        .iter()
        .map(|t| record(spec, t, value(t, "model.dropout").as_f64().unwrap()))
        .collect()
}

/// Run a scan to the end with `objective` standing in for training, the
/// way `native-sweep run` does: plan, run what is pending, plan again.
fn run_synthetic(spec: &SweepSpec, objective: impl Fn(&Trial) -> f64) -> (Plan, Vec<TrialRecord>) {
    let mut records: Vec<TrialRecord> = Vec::new();
    loop {
        let p = plan(spec, &records);
        let done: HashSet<String> = records.iter().map(|r| r.trial_id.clone()).collect();
        let todo: Vec<&Trial> = p.trials.iter().filter(|t| !done.contains(&t.id)).collect();
        if todo.is_empty() {
            assert!(p.complete, "nothing to run but the plan is not complete");
            return (p, records);
        }
        for t in todo {
            records.push(record(spec, t, objective(t)));
        }
    }
}

#[test]
fn a_scan_draws_the_same_configurations_from_the_same_seed() {
    let a = plan(&scan("random", 50, 7, ""), &[]);
    let b = plan(&scan("random", 50, 7, ""), &[]);
    assert!(a.complete);
    assert_eq!(a.trials.len(), 50);
    assert_eq!(a, b);
    let c = plan(&scan("random", 50, 8, ""), &[]);
    let ids = |p: &Plan| {
        p.trials
            .iter()
            .map(|t| t.id.clone())
            .collect::<HashSet<_>>()
    };
    assert!(
        ids(&a).is_disjoint(&ids(&c)),
        "another seed draws other configurations"
    );
    assert_eq!(ids(&a).len(), 50, "every configuration is new");

    // TPE: the same outcomes give the same proposals, round after round.
    let objective = |t: &Trial| value(t, "model.dropout").as_f64().unwrap();
    let (p1, _) = run_synthetic(&scan("tpe", 30, 3, ""), objective);
    let (p2, records) = run_synthetic(&scan("tpe", 30, 3, ""), objective);
    assert_eq!(p1, p2);
    assert_eq!(p1.trials.len(), 30);
    // Records in another order (a resume reads them as written) change nothing.
    let mut shuffled = records.clone();
    shuffled.reverse();
    assert_eq!(plan(&scan("tpe", 30, 3, ""), &shuffled), p1);
}

#[test]
fn a_tpe_scan_proposes_a_round_only_when_the_rounds_before_have_outcomes() {
    let spec = scan("tpe", 22, 1, "startup = 10\nbatch = 4");
    let objective = |t: &Trial| value(t, "model.dropout").as_f64().unwrap();
    let (full, records) = run_synthetic(&spec, objective);
    assert_eq!(full.trials.len(), 22);
    // The random start alone: 10 trials, not complete.
    let start = plan(&spec, &[]);
    assert_eq!((start.trials.len(), start.complete), (10, false));
    // One trial of the start without an outcome: still only the start.
    let by_id = |id: &str| records.iter().find(|r| r.trial_id == id).unwrap().clone();
    let some: Vec<TrialRecord> = full.trials[..9].iter().map(|t| by_id(&t.id)).collect();
    assert_eq!(plan(&spec, &some).trials.len(), 10);
    // A cancelled trial has no outcome either.
    let mut cancelled = some.clone();
    cancelled.push(TrialRecord {
        status: TrialStatus::Cancelled,
        ..by_id(&full.trials[9].id)
    });
    assert_eq!(plan(&spec, &cancelled).trials.len(), 10);
    // The whole start finished: the next round of 4 is proposed, the same
    // as in the uninterrupted run.
    let start_done: Vec<TrialRecord> = full.trials[..10].iter().map(|t| by_id(&t.id)).collect();
    let next = plan(&spec, &start_done);
    assert_eq!(next.trials[..], full.trials[..14]);
    // A diverged configuration counts as an outcome (and as the worst one).
    let mut diverged = start_done.clone();
    diverged[3].status = TrialStatus::Diverged;
    assert_eq!(plan(&spec, &diverged).trials.len(), 14);
}

#[test]
fn drawn_values_stay_in_their_ranges_and_log_ranges_are_log_uniform() {
    let p = plan(&scan("random", 2000, 11, ""), &[]);
    let mut logs = Vec::new();
    let mut norms = HashSet::new();
    for t in &p.trials {
        let d = value(t, "model.dropout").as_f64().unwrap();
        assert!((0.0..=0.6).contains(&d), "dropout {d}");
        let lr = value(t, "train.lr").as_f64().unwrap();
        assert!((1e-5..=0.1).contains(&lr), "lr {lr}");
        logs.push(((lr.ln() - 1e-5f64.ln()) / (0.1f64.ln() - 1e-5f64.ln())).clamp(0.0, 1.0));
        let h = value(t, "model.hidden");
        assert!(h.is_u64(), "hidden {h} is a whole number");
        assert!((8..=64).contains(&h.as_u64().unwrap()));
        assert_eq!(t.config.model.hidden as u64, h.as_u64().unwrap());
        norms.insert(value(t, "model.norm").as_str().unwrap().to_string());
    }
    assert_eq!(norms.len(), 3, "every listed value is drawn");
    // Kolmogorov-Smirnov against uniform in log space, at the 1% level.
    logs.sort_by(f64::total_cmp);
    let n = logs.len() as f64;
    let ks = logs
        .iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / n).abs().max(((i + 1) as f64 / n - x).abs()))
        .fold(0.0, f64::max);
    assert!(ks < 1.63 / n.sqrt(), "KS statistic {ks} in log space");
    // A linear uniform draw would put ~1% below 1e-3; log-uniform puts 50%.
    let below = p
        .trials
        .iter()
        .filter(|t| value(t, "train.lr").as_f64().unwrap() < 1e-3)
        .count() as f64
        / n;
    assert!((0.45..0.55).contains(&below), "{below} of lr below 1e-3");
}

#[test]
fn a_small_categorical_space_is_drawn_without_repeating_a_configuration() {
    let spec = |trials: usize| {
        SweepSpec::from_toml(&format!(
            r#"
            name = "small"
            [dataset]
            name = "fashion-mnist"
            [search]
            strategy = "random"
            trials = {trials}
            [[axes]]
            path = "model.norm"
            values = ["none", "batch"]
            [[axes]]
            path = "model.hidden"
            low = 8
            high = 9
            int = true
            "#
        ))
    };
    let p = plan(&spec(4).unwrap(), &[]);
    let cells: HashSet<String> = p.trials.iter().map(|t| format!("{:?}", t.cell)).collect();
    assert_eq!(cells.len(), 4, "all four configurations, each once");
    assert_eq!(
        spec(5).unwrap_err().to_string(),
        "search.trials: 5 is more than the 4 distinct configurations these axes allow (a grid runs them all)"
    );
}

#[test]
fn bad_ranges_and_search_tables_name_the_field() {
    let with = |search: &str, axis: &str| {
        SweepSpec::from_toml(&format!(
            "name = \"x\"\n[dataset]\nname = \"fashion-mnist\"\n{search}\n[[axes]]\n{axis}\n"
        ))
        .unwrap_err()
        .to_string()
    };
    let random = "[search]\nstrategy = \"random\"\ntrials = 10";
    for (search, axis, expected) in [
        (
            random,
            "path = \"train.lr\"\nlow = 0.1\nhigh = 0.01",
            "axes[0] (train.lr): low (0.1) must be below high (0.01)",
        ),
        (
            random,
            "path = \"train.lr\"\nlow = 0.0\nhigh = 0.1\nlog = true",
            "axes[0] (train.lr): a log range needs low > 0 (got 0)",
        ),
        (
            random,
            "path = \"model.hidden\"\nlow = 8.5\nhigh = 64\nint = true",
            "axes[0] (model.hidden): an int range needs whole numbers (got low = 8.5, high = 64)",
        ),
        (
            random,
            "path = \"model.hidden\"\nlow = 8\nhigh = 64",
            "axes[0] (model.hidden): model.hidden takes whole numbers: add int = true",
        ),
        (
            random,
            "path = \"train.lr\"\nlow = nan\nhigh = 0.1",
            "axes[0] (train.lr): low = NaN must be a finite number",
        ),
        (
            random,
            "path = \"train.lr\"\nlow = 0.001",
            "axes[0] (train.lr): a range needs both low and high",
        ),
        (
            random,
            "path = \"train.lr\"\nvalues = [0.1]\nlow = 0.001\nhigh = 0.1",
            "axes[0] (train.lr): give either values or a low/high range, not both",
        ),
        (
            random,
            "path = \"model.dropout\"\nlow = 0.0\nhigh = 1.0",
            "axes[0] (model.dropout): the range's end 1 is outside [0, 1)",
        ),
        (
            random,
            "path = \"model.norm\"\nlow = 0.0\nhigh = 1.0",
            "axes[0] (model.norm): model.norm is not a number: list its values instead (values = [...])",
        ),
        (
            "",
            "path = \"train.lr\"\nlow = 0.001\nhigh = 0.1",
            "axes[0] (train.lr): a grid scans listed values; a low/high range needs [search] strategy = \"random\" or \"tpe\"",
        ),
        (
            "[search]\nstrategy = \"tpe\"",
            "path = \"train.lr\"\nlow = 0.001\nhigh = 0.1",
            "search.trials: a tpe scan needs trials = N, the number of configurations to try",
        ),
        (
            "[search]\ntrials = 5",
            "path = \"train.lr\"\nvalues = [0.1]",
            "search.trials: a grid's size follows from its axes; this is for strategy = \"random\" or \"tpe\"",
        ),
        (
            "[search]\nstrategy = \"random\"\ntrials = 5\nbatch = 2",
            "path = \"train.lr\"\nvalues = [0.1]",
            "search.batch: only a tpe scan proposes in rounds; a random scan draws every configuration at once",
        ),
        (
            "[search]\nstrategy = \"tpe\"\ntrials = 0",
            "path = \"train.lr\"\nvalues = [0.1]",
            "search.trials: 0 must be at least 1",
        ),
        (
            "[search]\nstrategy = \"hyperband\"\ntrials = 5",
            "path = \"train.lr\"\nvalues = [0.1]",
            "bad TOML: TOML parse error at line 5, column 12 unknown variant `hyperband`, expected one of `grid`, `random`, `tpe`",
        ),
    ] {
        let got = with(search, axis);
        assert!(
            got.starts_with(expected),
            "{axis}: got {got:?}, expected {expected:?}"
        );
        assert_eq!(got.lines().count(), 1, "{got}");
    }
}

/// The best score a scan found on a smooth objective with its optimum
/// inside the space (dropout 0.45, lr 3e-3, hidden 48, norm batch).
fn best_found(strategy: &str, seed: u64) -> f64 {
    let spec = scan(strategy, 40, seed, "");
    let objective = |t: &Trial| {
        let d = value(t, "model.dropout").as_f64().unwrap();
        let lr = value(t, "train.lr").as_f64().unwrap().log10();
        let h = value(t, "model.hidden").as_f64().unwrap();
        let norm = if value(t, "model.norm") == "batch" {
            0.0
        } else {
            0.3
        };
        1.0 - (d - 0.45).powi(2) * 4.0
            - ((lr + 2.5) / 3.0).powi(2)
            - ((h - 48.0) / 56.0).powi(2)
            - norm
    };
    let (_, records) = run_synthetic(&spec, objective);
    records
        .iter()
        .map(|r| r.final_metric(spec.metric))
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn tpe_beats_random_on_a_known_objective_over_many_seeds() {
    let seeds = 40u64;
    // Measured: TPE won 34 of 40 (mean best 0.980 vs 0.917).

    let (mut wins, mut tpe_sum, mut random_sum) = (0u64, 0.0, 0.0);
    for seed in 0..seeds {
        let (t, r) = (best_found("tpe", seed), best_found("random", 1000 + seed));
        tpe_sum += t;
        random_sum += r;
        if t > r {
            wins += 1;
        }
    }
    // Sign test: if TPE were no better, wins would be Binomial(40, 1/2).
    let p = 1.0 - Binomial::new(0.5, seeds).unwrap().cdf(wins - 1);
    eprintln!(
        "TPE won {wins} of {seeds} (p = {p:.2e}); mean best {:.4} vs random {:.4}",
        tpe_sum / seeds as f64,
        random_sum / seeds as f64
    );
    assert!(p < 0.01, "TPE won {wins} of {seeds} (p = {p})");
    assert!(tpe_sum > random_sum);
}

#[test]
fn fanova_ranks_a_planted_interaction_first_and_a_noise_axis_last() {
    // Only dropout × lr interact (a saddle), hidden has a small main
    // effect, norm is pure noise.
    let spec = scan("random", 120, 4, "");
    let records: Vec<TrialRecord> = plan(&spec, &[])
        .trials
        .iter()
        .map(|t| {
            let d = value(t, "model.dropout").as_f64().unwrap() / 0.6 - 0.5;
            let lr = (value(t, "train.lr").as_f64().unwrap().log10() + 3.0) / 4.0;
            let h = value(t, "model.hidden").as_f64().unwrap() / 64.0;
            record(&spec, t, 0.5 + 0.8 * d * lr + 0.05 * h)
        })
        .collect();
    let started = std::time::Instant::now();
    let imp = sweeplab_core::analysis::scan_importance(&spec, &records, spec.metric).unwrap();
    eprintln!(
        "fANOVA with {} refits: {:?}",
        sweeplab_core::analysis::RESAMPLES,
        started.elapsed()
    );
    for line in sweeplab_core::analysis::scan_importance_lines(&imp) {
        eprintln!("{line}");
    }
    assert_eq!(imp.configurations, 120);
    assert_eq!(
        imp.strongest_pair(),
        Some(("model.dropout".into(), "train.lr".into()))
    );
    assert_eq!(imp.axes.last().unwrap().axes, ["model.norm"]);
    let top = &imp.pairs[0];
    assert!(
        top.interval.0 > imp.pairs[1].share,
        "{top:?} vs {:?}",
        imp.pairs[1]
    );
    assert!(top.interval.0 <= top.share && top.share <= top.interval.1.max(top.share));
}

#[test]
fn parallel_coordinates_place_values_on_their_axes_and_draw_every_trial() {
    use plotters::prelude::IntoDrawingArea;
    use sweeplab_core::plot::{axis_position, draw_parallel};
    let spec = scan("random", 30, 2, "");
    let lr = &spec.axes[1];
    // A log axis puts the geometric middle in the middle.
    let mid = (1e-5f64 * 0.1).sqrt();
    assert!((axis_position(lr, &Value::from(mid)).unwrap() - 0.5).abs() < 1e-9);
    assert_eq!(
        axis_position(&spec.axes[3], &Value::from("layer")),
        Some(1.0)
    );
    assert_eq!(axis_position(&spec.axes[3], &Value::from("group")), None);
    let records = scored_by_dropout(&spec);
    let mut svg = String::new();
    {
        let area =
            plotters::prelude::SVGBackend::with_string(&mut svg, (1000, 500)).into_drawing_area();
        draw_parallel(&area, &spec, &records, spec.metric, "scan").unwrap();
        area.present().unwrap();
    }
    // One polyline per trial (plus the five axes), and every axis named.
    assert_eq!(svg.matches("<polyline").count(), 30 + 5, "{}", &svg[..200]);
    for path in [
        "model.dropout",
        "train.lr",
        "model.hidden",
        "model.norm",
        "val_accuracy",
    ] {
        assert!(svg.contains(path), "{path}");
    }
}

#[test]
fn the_pair_scatter_draws_one_point_per_trial_and_names_its_axes() {
    use plotters::prelude::IntoDrawingArea;
    use sweeplab_core::plot::draw_pair;
    let spec = scan("random", 20, 2, "");
    let records = scored_by_dropout(&spec);
    let mut svg = String::new();
    {
        let area =
            plotters::prelude::SVGBackend::with_string(&mut svg, (700, 600)).into_drawing_area();
        draw_pair(
            &area,
            &spec,
            &records,
            ("model.dropout", "train.lr"),
            spec.metric,
            "pair",
        )
        .unwrap();
        area.present().unwrap();
    }
    assert_eq!(svg.matches("<circle").count(), 20, "{}", &svg[..200]);
    assert!(svg.contains("model.dropout") && svg.contains("train.lr"));
    // The log axis is labelled at its ends and geometric middle.
    assert!(svg.contains("1e-5") && svg.contains("1e-3"), "log ticks");
    let mut scratch = String::new();
    let area =
        plotters::prelude::SVGBackend::with_string(&mut scratch, (10, 10)).into_drawing_area();
    let err = draw_pair(
        &area,
        &spec,
        &records,
        ("model.nope", "train.lr"),
        spec.metric,
        "",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plot: model.nope is not an axis of the sweep"
    );
}

#[test]
fn successive_halving_trains_the_best_third_three_times_longer_from_the_records() {
    use sweeplab_core::analysis::{compared, halving_line};
    use sweeplab_core::sweep::{Rung, rungs};
    let rung = |configurations, epochs| Rung {
        configurations,
        epochs,
    };
    let halving = |trials, epochs| {
        let mut s = scan("random", trials, 3, "halving = 3");
        s.base.train.epochs = epochs;
        s
    };
    assert_eq!(
        rungs(&halving(18, 9)),
        [rung(18, 1), rung(6, 3), rung(2, 9)]
    );
    assert_eq!(rungs(&halving(12, 3)), [rung(12, 1), rung(4, 3)]);
    assert_eq!(
        rungs(&halving(3, 9)),
        [rung(3, 1), rung(1, 9)],
        "one configuration left goes straight to the full budget"
    );
    assert!(rungs(&scan("random", 18, 3, "")).is_empty());

    let mut spec = halving(9, 3);
    spec.repeats = 2;
    assert!(spec.problems().is_empty(), "{:?}", spec.problems());
    assert_eq!(spec.trial_count(), (9 + 3) * 2);
    // The first rung: every configuration at 1 epoch; the next waits for
    // its outcomes.
    let first = plan(&spec, &[]);
    assert!(!first.complete);
    assert_eq!(first.trials.len(), 18);
    assert!(first.trials.iter().all(|t| t.config.train.epochs == 1));
    // Outcomes: the higher the dropout the better, one configuration
    // diverged in both repeats (it ranks last whatever its dropout).
    let dropout = |t: &Trial| value(t, "model.dropout").as_f64().unwrap();
    let best_dropout = first.trials.iter().map(dropout).fold(0.0, f64::max);
    let mut records: Vec<TrialRecord> = first
        .trials
        .iter()
        .map(|t| {
            let mut r = record(&spec, t, dropout(t));
            if dropout(t) == best_dropout {
                r.status = TrialStatus::Diverged;
            }
            r
        })
        .collect();
    let second = plan(&spec, &records);
    assert!(second.complete);
    assert_eq!(second.trials.len(), 24);
    let promoted: Vec<&Trial> = second.trials[18..].iter().collect();
    assert!(promoted.iter().all(|t| t.config.train.epochs == 3));
    let mut expected: Vec<f64> = first.trials.iter().map(dropout).collect();
    expected.retain(|&d| d != best_dropout);
    expected.sort_by(|a, b| b.total_cmp(a));
    expected.dedup();
    expected.truncate(3);
    let mut got: Vec<f64> = promoted.iter().map(|t| dropout(t)).collect();
    got.sort_by(|a, b| b.total_cmp(a));
    got.dedup();
    assert_eq!(
        got, expected,
        "the best three finished configurations go on"
    );
    // The same configuration, another budget: another trial, same number.
    for t in &promoted {
        let before = &first.trials[t.cell_index[0] * 2 + t.repeat];
        assert_eq!((before.cell.clone(), before.seed), (t.cell.clone(), t.seed));
        assert_ne!(before.id, t.id);
    }
    assert_eq!(plan(&spec, &records), second, "a function of the records");
    // The analyses compare the first rung only, and say so.
    for t in promoted {
        records.push(record(&spec, t, 0.9));
    }
    assert_eq!(compared(&spec, &records).len(), 18);
    let line = halving_line(&spec, &records).unwrap();
    assert!(
        line.starts_with(
            "successive halving (η = 3): 9 configurations at 1 epoch, the best 3 at 3;"
        ),
        "{line}"
    );
    assert!(
        line.ends_with("the 6 trials trained longer are not in them"),
        "{line}"
    );
}

#[test]
fn bad_halving_settings_are_named_in_one_line() {
    use sweeplab_core::spec::Strategy;
    let problems = |halving: Option<usize>, min_epochs: Option<usize>, strategy: Strategy| {
        let mut spec = scan("random", 9, 1, "");
        spec.search.strategy = strategy;
        spec.search.halving = halving;
        spec.search.min_epochs = min_epochs;
        spec.problems()
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
    };
    let has = |halving, min_epochs, strategy, text: &str| {
        let p = problems(halving, min_epochs, strategy);
        assert!(p.iter().any(|l| l.contains(text)), "{text}: {p:?}");
    };
    has(
        Some(3),
        None,
        Strategy::Tpe,
        "search.halving: successive halving runs on a random scan",
    );
    has(
        Some(1),
        None,
        Strategy::Random,
        "search.halving: 1: expected 2 or more",
    );
    has(
        None,
        Some(2),
        Strategy::Random,
        "search.min_epochs: is the first rung of successive halving",
    );
    has(
        Some(3),
        Some(50),
        Strategy::Random,
        "search.min_epochs: 50 must be below train.epochs (3)",
    );
    assert!(problems(Some(3), None, Strategy::Random).is_empty());
}
