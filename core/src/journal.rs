//! The experiment journal kept with every sweep: the hypothesis (in the
//! sweep file), timestamped notes and a conclusion, and the journal as
//! Markdown with the course template's results table ([`journal_markdown`]).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::analysis::{
    Effect, HeatmapRequest, Summary, epochs_to_reach, importance, interaction_anova,
    interaction_line, overfitting_gap, summarize,
};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{Metric, SweepSpec, value_label};
use crate::sweep::AxisValue;

/// One timestamped note.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Note {
    /// When it was written, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// What was written.
    pub text: String,
}

/// Notes and the conclusion of a sweep (the hypothesis lives in the sweep).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Journal {
    /// Notes in the order written.
    pub notes: Vec<Note>,
    /// What the results showed; empty until concluded.
    pub conclusion: String,
}

/// Validation accuracy the journal's "epochs to reach" column counts to.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// One row of the journal's results table: a cell of the grid summarised
/// over its trials (the course template's columns). Means are over the
/// cell's finished trials; diverged and failed trials are only counted.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CellRow {
    /// The cell's axis values, e.g. `model.dropout=0.2, model.norm=batch`.
    pub label: String,
    /// Trials that finished with a finite value of the sweep's metric.
    pub finished: usize,
    /// Trials that diverged (or finished with a non-finite metric).
    pub diverged: usize,
    /// Trials that failed or were cancelled.
    pub failed: usize,
    /// Mean training accuracy of the last epoch.
    pub train_accuracy: Option<f64>,
    /// Mean validation accuracy of the last epoch.
    pub val_accuracy: Option<f64>,
    /// Mean training loss of the last epoch.
    pub train_loss: Option<f64>,
    /// Mean validation loss of the last epoch.
    pub val_loss: Option<f64>,
    /// Mean overfitting gap (training minus validation accuracy).
    pub overfitting_gap: Option<f64>,
    /// Mean epochs to reach the threshold, over the finished trials that did.
    pub epochs_to_threshold: Option<f64>,
    /// Finished trials whose validation accuracy reached the threshold.
    pub reached_threshold: usize,
    /// Trainable parameters of the cell's model.
    pub params: Option<usize>,
    /// Mean training seconds.
    pub seconds: Option<f64>,
    /// The sweep's metric: mean, n and 95% confidence interval.
    pub metric: Option<Summary>,
}

/// A cell's axis values as `model.dropout=0.2, model.norm=batch`.
pub fn cell_label(cell: &[AxisValue]) -> String {
    cell.iter()
        .map(|a| format!("{}={}", a.path, value_label(&a.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// One row per cell of `records` (cells in trial order), with the metric of
/// `spec` summarised and epochs counted to `threshold` validation accuracy.
pub fn cell_rows(records: &[TrialRecord], spec: &SweepSpec, threshold: f64) -> Vec<CellRow> {
    let mut sorted: Vec<&TrialRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.trial_index);
    let mut groups: Vec<(&[AxisValue], Vec<&TrialRecord>)> = Vec::new();
    for r in sorted {
        match groups
            .iter_mut()
            .find(|(cell, _)| *cell == r.cell.as_slice())
        {
            Some((_, members)) => members.push(r),
            None => groups.push((&r.cell, vec![r])),
        }
    }
    groups
        .into_iter()
        .map(|(cell, members)| {
            let is_finished = |r: &&TrialRecord| {
                r.status == TrialStatus::Finished && r.final_metric(spec.metric).is_finite()
            };
            let finished: Vec<&TrialRecord> = members.iter().copied().filter(is_finished).collect();
            let failed = members
                .iter()
                .filter(|r| matches!(r.status, TrialStatus::Failed | TrialStatus::Cancelled))
                .count();
            let last = |m: Metric| mean(finished.iter().map(|r| r.final_metric(m)));
            let reached: Vec<usize> = finished
                .iter()
                .filter_map(|r| epochs_to_reach(r, threshold))
                .collect();
            let metric_values: Vec<f64> = finished
                .iter()
                .map(|r| r.final_metric(spec.metric))
                .collect();
            CellRow {
                label: cell_label(cell),
                finished: finished.len(),
                diverged: members.len() - finished.len() - failed,
                failed,
                train_accuracy: last(Metric::TrainAccuracy),
                val_accuracy: last(Metric::ValAccuracy),
                train_loss: last(Metric::TrainLoss),
                val_loss: last(Metric::ValLoss),
                overfitting_gap: mean(finished.iter().map(|r| overfitting_gap(r))),
                epochs_to_threshold: mean(reached.iter().map(|&e| e as f64)),
                reached_threshold: reached.len(),
                params: members.iter().map(|r| r.params).find(|&p| p > 0),
                seconds: mean(finished.iter().map(|r| r.seconds())),
                metric: summarize(&metric_values),
            }
        })
        .collect()
}

/// `ms` since the Unix epoch as a UTC time, `2026-11-25 07:55`.
pub fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The interaction of the sweep's first two axes in one line (see
/// [`interaction_line`]), or why it cannot be tested; `None` for sweeps
/// with fewer than two axes.
pub fn interaction_summary(spec: &SweepSpec, records: &[TrialRecord]) -> Option<String> {
    if spec.axes.len() < 2 || !spec.is_grid() {
        return None;
    }
    let request = HeatmapRequest::default_for(spec)?;
    let (x, y) = (&request.x, &request.y);
    Some(match interaction_anova(records, &request) {
        Ok(table) => interaction_line(&table, x, y),
        Err(e) => format!("{x} × {y}: not testable ({e})"),
    })
}

/// For grids of more than two axes, which axes matter and the strongest
/// pair in one line (see [`importance`]); for a scan, its fANOVA ranking and
/// the grid proposed for its strongest pair. `None` for a grid of two axes
/// or fewer, or when the records cannot be ranked yet.
pub fn importance_summary(spec: &SweepSpec, records: &[TrialRecord]) -> Option<String> {
    if !spec.is_grid() {
        return scan_summary(spec, records);
    }
    if spec.axes.len() <= 2 {
        return None;
    }
    let axes: Vec<String> = spec.axes.iter().map(|a| a.path.clone()).collect();
    let ranked = importance(records, &axes, spec.metric).ok()?;
    let eta = |e: &Effect| e.partial_eta_sq.map_or("—".into(), |v| format!("{v:.2}"));
    let axes: Vec<String> = ranked
        .axes
        .iter()
        .map(|e| format!("{} {}", e.name(), eta(e)))
        .collect();
    let pair = ranked.pairs.first()?;
    Some(format!(
        "partial η² {}; strongest pair {} {}{}",
        axes.join(", "),
        pair.name(),
        eta(pair),
        pair.p.map_or(String::new(), |p| if p < 0.001 {
            " (p < 0.001)".into()
        } else {
            format!(" (p = {p:.3})")
        })
    ))
}

/// A scan's fANOVA ranking in one line, and the grid `propose` would
/// write for its strongest pair (a scan has no heatmap or ANOVA line).
fn scan_summary(spec: &SweepSpec, records: &[TrialRecord]) -> Option<String> {
    let ranked = crate::analysis::scan_importance(spec, records, spec.metric).ok()?;
    let axes: Vec<String> = ranked
        .axes
        .iter()
        .map(|s| format!("{} {:.2}", s.name(), s.share))
        .collect();
    let pair = ranked.pairs.first()?;
    let (a, b) = ranked.strongest_pair()?;
    let grid = crate::analysis::pair_sweep(spec, records, (&a, &b), spec.metric).ok()?;
    let levels: Vec<String> = grid
        .axes
        .iter()
        .map(|axis| format!("{} [{}]", axis.path, axis.labels().join(", ")))
        .collect();
    Some(format!(
        "fANOVA share of {} configurations: {}; strongest pair {} {:.2} (90% of refits {:.2}–{:.2}). Proposed grid: {}, {} repeats, {} epochs",
        ranked.configurations,
        axes.join(", "),
        pair.name(),
        pair.share,
        pair.interval.0,
        pair.interval.1,
        levels.join(" × "),
        grid.repeats,
        grid.base.train.epochs
    ))
}

/// Text for one Markdown table cell: no pipes or line breaks.
pub(crate) fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn percent(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map_or("—".into(), |v| format!("{v:.decimals$}"))
}

/// Seconds with two decimals below ten, one above.
fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2}")
    } else {
        format!("{s:.1}")
    }
}

/// The sweep's metric as `0.8123 [0.8011, 0.8235]`, the interval cut to
/// the metric's range (marked `*` when cut).
pub(crate) fn metric_ci(s: Option<&Summary>, metric: Metric) -> String {
    s.map_or("—".into(), |s| {
        let shown = s.shown_interval(metric.natural_range());
        let cut = if shown.clipped { "*" } else { "" };
        format!("{:.4} [{:.4}, {:.4}]{cut}", s.mean, shown.low, shown.high)
    })
}

/// Epochs to the threshold: the mean, how many reached it when not all did.
fn epochs_cell(row: &CellRow) -> String {
    match row.epochs_to_threshold {
        None => "—".into(),
        Some(e) if row.reached_threshold == row.finished => format!("{e:.1}"),
        Some(e) => format!("{e:.1} ({} of {})", row.reached_threshold, row.finished),
    }
}

/// `text` as the body of a Markdown list item (continuation lines indented).
fn list_item(text: &str) -> String {
    text.trim().lines().collect::<Vec<_>>().join("\n  ")
}

/// The sweep's epoch budget in words.
fn budget_words(spec: &SweepSpec) -> String {
    if spec.axes.iter().any(|a| a.path == "train.epochs") {
        return "per cell (axis `train.epochs`)".into();
    }
    let t = &spec.base.train;
    match t.early_stopping_patience {
        Some(p) => format!("{} (early stopping, patience {p})", t.epochs),
        None => t.epochs.to_string(),
    }
}

/// The data set in words: `fashion-mnist (train limit 200, val limit 200)`.
pub(crate) fn dataset_words(spec: &SweepSpec) -> String {
    let d = &spec.dataset;
    let name = serde_json::to_value(d.name)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| format!("{:?}", d.name));
    let mut parts = Vec::new();
    if let Some(p) = &d.path {
        parts.push(format!("from `{p}`"));
    }
    if let Some(n) = d.train_limit {
        parts.push(format!("train limit {n}"));
    }
    if let Some(n) = d.val_limit {
        parts.push(format!("val limit {n}"));
    }
    if parts.is_empty() {
        name
    } else {
        format!("{name} ({})", parts.join(", "))
    }
}

/// The journal as Markdown: hypothesis, the experiment's grid, the results
/// table (one row per cell, see [`cell_rows`]) with the interaction of the
/// first two axes, timestamped notes (UTC) and the conclusion.
pub fn journal_markdown(spec: &SweepSpec, journal: &Journal, records: &[TrialRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", spec.name.trim());
    let _ = writeln!(out, "## Hypothesis\n");
    if spec.hypothesis.trim().is_empty() {
        let _ = writeln!(out, "_none given_\n");
    } else {
        let _ = writeln!(out, "{}\n", spec.hypothesis.trim());
    }

    let _ = writeln!(out, "## Experiment\n");
    let grid: Vec<String> = spec
        .axes
        .iter()
        .map(|a| {
            if a.is_range() {
                format!("`{}` ∈ {}", a.path, a.describe())
            } else {
                format!("`{}` ∈ {{{}}}", a.path, a.labels().join(", "))
            }
        })
        .collect();
    let grid = if grid.is_empty() {
        "one cell (no axes)".to_string()
    } else if !spec.is_grid() {
        format!(
            "a {} scan of {} configurations over {}",
            spec.search.strategy.name(),
            spec.cell_count(),
            grid.join(", ")
        )
    } else {
        format!("{} = {} cells", grid.join(" × "), spec.cell_count())
    };
    let _ = writeln!(out, "- **Grid:** {grid}");
    let seeds = if spec.repeats > 1 {
        format!(
            "seeds {}–{}",
            spec.seed,
            spec.seed + spec.repeats as u64 - 1
        )
    } else {
        format!("seed {}", spec.seed)
    };
    let _ = writeln!(out, "- **Repeats:** {} per cell ({seeds})", spec.repeats);
    let _ = writeln!(out, "- **Epochs:** {}", budget_words(spec));
    let _ = writeln!(out, "- **Dataset:** {}", dataset_words(spec));
    let _ = writeln!(out, "- **Metric:** {}", spec.metric.name());
    let rows = cell_rows(records, spec, DEFAULT_THRESHOLD);
    let (finished, diverged, failed) = rows.iter().fold((0, 0, 0), |(f, d, x), r| {
        (f + r.finished, d + r.diverged, x + r.failed)
    });
    let _ = writeln!(
        out,
        "- **Trials:** {} of {} recorded ({finished} finished, {diverged} diverged, {failed} failed or cancelled)\n",
        records.len(),
        spec.trial_count()
    );

    let _ = writeln!(out, "## Results\n");
    if rows.is_empty() {
        let _ = writeln!(out, "_no trials recorded yet_\n");
    } else {
        let threshold = format!("{:.0}%", 100.0 * DEFAULT_THRESHOLD);
        let metric = spec.metric.name();
        let _ = writeln!(
            out,
            "| Cell | n | Train acc | Val acc | Train loss | Val loss | Gap | Epochs to {threshold} | Params | Seconds | {metric} (95% CI) | Diverged | Failed |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                table_cell(&r.label),
                r.finished,
                percent(r.train_accuracy),
                percent(r.val_accuracy),
                fixed(r.train_loss, 4),
                fixed(r.val_loss, 4),
                r.overfitting_gap
                    .map_or("—".into(), |g| format!("{:+.1} pp", 100.0 * g)),
                epochs_cell(r),
                r.params.map_or("—".into(), |p| p.to_string()),
                r.seconds.map_or("—".into(), seconds),
                metric_ci(r.metric.as_ref(), spec.metric),
                r.diverged,
                r.failed,
            );
        }
        let _ = writeln!(out);
    }
    if let Some(line) = interaction_summary(spec, records) {
        let _ = writeln!(out, "**Interaction:** {line}\n");
    }
    if let Some(line) = importance_summary(spec, records) {
        let _ = writeln!(out, "**Which axes matter:** {line}\n");
    }

    let _ = writeln!(out, "## Notes\n");
    if journal.notes.is_empty() {
        let _ = writeln!(out, "_no notes yet_\n");
    } else {
        let _ = writeln!(out, "_Times are UTC._\n");
        push_notes(&mut out, journal);
    }

    let _ = writeln!(out, "## Conclusion\n");
    if journal.conclusion.trim().is_empty() {
        let _ = writeln!(out, "_not yet written_");
    } else {
        let _ = writeln!(out, "{}", journal.conclusion.trim());
    }
    out
}

/// The notes as a Markdown list, one timestamped item each.
fn push_notes(out: &mut String, journal: &Journal) {
    for note in &journal.notes {
        let _ = writeln!(
            out,
            "- **{}** {}",
            format_utc(note.at_ms),
            list_item(&note.text)
        );
    }
    let _ = writeln!(out);
}

/// The hypothesis as a Markdown paragraph (`_none given_` when empty).
pub fn hypothesis_markdown(spec: &SweepSpec) -> String {
    let hypothesis = spec.hypothesis.trim();
    let shown = if hypothesis.is_empty() {
        "_none given_"
    } else {
        hypothesis
    };
    format!("**Hypothesis:** {shown}\n\n")
}

/// The journal's prose as Markdown, without the results table: hypothesis,
/// notes and conclusion (short enough for an MLflow run's note).
pub fn note_markdown(spec: &SweepSpec, journal: &Journal) -> String {
    let mut out = hypothesis_markdown(spec);
    if !journal.notes.is_empty() {
        let _ = writeln!(out, "**Notes** (UTC):\n");
        push_notes(&mut out, journal);
    }
    let conclusion = journal.conclusion.trim();
    let _ = write!(
        out,
        "**Conclusion:** {}",
        if conclusion.is_empty() {
            "_not yet written_"
        } else {
            conclusion
        }
    );
    out
}
