//! `native-sweep show`: the terminal summary, `summary.csv` (best first),
//! `heatmap.png`/`.svg`, `curves.png` and the interaction statistic.

use std::fmt::Write as _;

use sweeplab_core::analysis::{self, HeatmapRequest};
use sweeplab_core::plot;
use sweeplab_core::record::{TrialRecord, to_csv};
use sweeplab_core::spec::Metric;

use crate::cli::ShowArgs;
use crate::error::{CliError, input};
use crate::results::{ResultsDir, write_atomic};

/// Which picture to draw.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Horizontal axis (default: the first).
    pub x: Option<String>,
    /// Vertical axis (default: the second, or the first).
    pub y: Option<String>,
    /// Metric (default: the sweep's).
    pub metric: Option<Metric>,
    /// Mix epoch budgets anyway.
    pub allow_mixed_budgets: bool,
}

pub(crate) fn parse_metric(name: &str) -> Result<Metric, CliError> {
    name.parse().map_err(|e| input(format!("--metric: {e}")))
}

/// Run the command.
pub fn show(args: &ShowArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&crate::bundle::results_path(&args.dir)?)?;
    let records = results.records()?;
    let selection = Selection {
        x: args.x.clone(),
        y: args.y.clone(),
        metric: args.metric.as_deref().map(parse_metric).transpose()?,
        allow_mixed_budgets: args.allow_mixed_budgets,
    };
    println!("{}", write_outputs(&results, &records, &selection)?);
    Ok(0)
}

/// Write summary.csv and the plots into the results directory; return the
/// terminal summary.
pub fn write_outputs(
    results: &ResultsDir,
    records: &[TrialRecord],
    sel: &Selection,
) -> Result<String, CliError> {
    let spec = &results.spec;
    if records.is_empty() {
        return Err(input(format!(
            "{}: no finished trials yet",
            results.path.display()
        )));
    }
    let metric = sel.metric.unwrap_or(spec.metric);
    let ranked: Vec<TrialRecord> = analysis::ranked(records, metric)
        .into_iter()
        .cloned()
        .collect();
    write_atomic(&results.file("summary.csv"), to_csv(&ranked).as_bytes())?;
    let mut out = String::new();
    // The sweep's default heatmap, with what the command line chose instead.
    let request = HeatmapRequest::default_for(spec).map(|default| {
        let x = sel.x.clone().unwrap_or(default.x);
        let y = match (&sel.y, spec.axes.len()) {
            (Some(y), _) => y.clone(),
            (None, 1) => x.clone(),
            (None, _) => default.y,
        };
        HeatmapRequest {
            x,
            y,
            metric,
            allow_mixed_budgets: sel.allow_mixed_budgets,
            ..default
        }
    });
    let request = request.filter(|_| spec.is_grid());
    if !spec.is_grid() {
        let _ = writeln!(
            out,
            "{}: a {} scan of {} configurations has no grid of cells to draw; `native-sweep propose {}` writes the grid of its strongest pair",
            spec.name,
            spec.search.strategy.name(),
            spec.cell_count(),
            results.path.display()
        );
    }
    if let Some(request) = request {
        let (x, y) = (request.x.clone(), request.y.clone());
        let heatmap = analysis::heatmap(records, &request)?;
        let budget = heatmap.budget.map(|b| format!(", {b}")).unwrap_or_default();
        let title = format!("{}: {} ({x} × {y}{budget})", spec.name, metric.name());
        plot::heatmap_png(&results.file("heatmap.png"), &heatmap, &title, (900, 700))?;
        let svg = plot::heatmap_svg_string(&heatmap, &title, (900, 700))?;
        write_atomic(&results.file("heatmap.svg"), svg.as_bytes())?;
        let _ = writeln!(out, "{title}");
        let _ = writeln!(
            out,
            "{:<24} {:<24} {:>3} {:>25} {:>9}",
            x, y, "n", "mean [95% CI]", "diverged"
        );
        for cell in &heatmap.cells {
            let value = cell.summary.map_or("-".into(), |s| {
                let ci = s.shown_interval(metric.natural_range());
                let cut = if ci.clipped { "*" } else { "" };
                format!("{:.4} [{:.4}, {:.4}]{cut}", s.mean, ci.low, ci.high)
            });
            let _ = writeln!(
                out,
                "{:<24} {:<24} {:>3} {:>25} {:>9}",
                heatmap.x_labels[cell.x],
                heatmap.y_labels[cell.y],
                cell.summary.map_or(0, |s| s.n),
                value,
                cell.diverged
            );
        }
        if x != y {
            match analysis::interaction_anova(records, &request) {
                Ok(table) => {
                    let _ = writeln!(out, "{}", analysis::interaction_line(&table, &x, &y));
                }
                Err(e) => {
                    let _ = writeln!(out, "interaction: not testable ({e})");
                }
            }
        }
    }
    // Which axes matter and which pairs interact (with more than two axes,
    // the heatmap above shows one pair of them). With two, a grid the
    // ANOVA cannot test was said so above.
    if let Some(line) = analysis::halving_line(spec, records) {
        let _ = writeln!(out, "{line}");
    }
    // A scan's pair for the scatter: its strongest interaction once ranked,
    // else its first two axes.
    let mut scan_pair = None;
    if spec.axes.len() >= 2 && !spec.is_grid() {
        scan_pair = Some((spec.axes[0].path.clone(), spec.axes[1].path.clone()));
        match analysis::scan_importance(spec, records, metric) {
            Ok(importance) => {
                for line in analysis::scan_importance_lines(&importance) {
                    let _ = writeln!(out, "{line}");
                }
                scan_pair = importance.strongest_pair().or(scan_pair);
            }
            Err(e) => {
                let _ = writeln!(out, "importance: {e}");
            }
        }
    } else if spec.axes.len() >= 2 {
        let axes: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
        match analysis::importance(records, &axes, metric) {
            Ok(importance) => {
                for line in analysis::importance_lines(&importance) {
                    let _ = writeln!(out, "{line}");
                }
            }
            Err(e) if spec.axes.len() > 2 => {
                let _ = writeln!(out, "importance: {e}");
            }
            Err(_) => {}
        }
    }
    plot::write_png(&results.file("curves.png"), (900, 500), |a| {
        plot::draw_curves(
            a,
            records,
            Metric::ValAccuracy,
            &format!("{}: validation accuracy", spec.name),
        )
    })?;
    // Parallel coordinates where a heatmap shows one pair at most: a scan,
    // or a grid of more than two axes.
    let parallel = !spec.is_grid() || spec.axes.len() > 2;
    if parallel {
        plot::write_png(&results.file("parallel.png"), (1000, 500), |a| {
            plot::draw_parallel(
                a,
                spec,
                records,
                metric,
                &format!("{}: {} per trial", spec.name, metric.name()),
            )
        })?;
    }
    if let Some((a, b)) = &scan_pair {
        plot::write_png(&results.file("pair.png"), (700, 600), |area| {
            plot::draw_pair(
                area,
                spec,
                records,
                (a, b),
                metric,
                &format!("{}: {a} × {b}", spec.name),
            )
        })?;
    }
    let _ = writeln!(out, "top trials by {}:", metric.name());
    for r in ranked.iter().take(5) {
        let _ = writeln!(
            out,
            "  {} {:<40} seed {:<4} {:?} {} = {:.4}",
            r.trial_id,
            crate::progress::cell_label(&r.cell),
            r.seed,
            r.status,
            metric.name(),
            r.final_metric(metric)
        );
    }
    let _ = write!(
        out,
        "wrote summary.csv, {}curves.png{} in {}",
        if spec.is_grid() {
            "heatmap.png, heatmap.svg, "
        } else {
            ""
        },
        match (parallel, scan_pair.is_some()) {
            (true, true) => ", parallel.png, pair.png",
            (true, false) => ", parallel.png",
            _ => "",
        },
        results.path.display()
    );
    Ok(out)
}
