//! Heatmap cells: one summary (mean, std, n, 95% CI) per pair of axis values.

use serde::Serialize;
use serde_json::Value;

use super::stats::{Summary, summarize};
use super::{AnalysisError, Budget, check_budgets};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{Metric, SweepSpec, value_label};
use crate::sweep::{AxisValue, expand};
use std::collections::BTreeSet;

/// What to do with axes other than the two plotted.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum OtherAxes {
    /// Pool trials over all their values.
    #[default]
    Averaged,
    /// Keep only trials with these values (`path`, value).
    Fixed(Vec<(String, Value)>),
}

/// Which heatmap to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapRequest {
    /// Axis path along the horizontal.
    pub x: String,
    /// Axis path along the vertical.
    pub y: String,
    /// What the colour shows.
    pub metric: Metric,
    /// How the remaining axes are handled.
    pub others: OtherAxes,
    /// Allow records of different epoch budgets in one picture.
    pub allow_mixed_budgets: bool,
}

impl HeatmapRequest {
    /// The heatmap of a sweep unless asked for another, the same in the CLI,
    /// the journal, the report and the app: its first axis along x, its
    /// second (or the first again) along y, the sweep's metric, the other
    /// axes averaged, one epoch budget. `None` for a sweep without axes.
    pub fn default_for(spec: &crate::spec::SweepSpec) -> Option<Self> {
        let x = spec.axes.first()?;
        let y = spec.axes.get(1).unwrap_or(x);
        Some(Self {
            x: x.path.clone(),
            y: y.path.clone(),
            metric: spec.metric,
            others: OtherAxes::Averaged,
            allow_mixed_budgets: false,
        })
    }
}

/// One cell: the metric's summary over the cell's finished trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatmapCell {
    /// Index into the x levels.
    pub x: usize,
    /// Index into the y levels.
    pub y: usize,
    /// Summary over finished trials (absent if none finished).
    pub summary: Option<Summary>,
    /// Trials in the cell that diverged.
    pub diverged: usize,
    /// Trials in the cell that failed or were cancelled.
    pub failed: usize,
    /// Trials of the sweep in the cell with no record yet and not training
    /// (always 0 for a heatmap of records alone).
    pub pending: usize,
    /// Trials of the cell training now (always 0 for a heatmap of records
    /// alone).
    pub running: usize,
}

/// A computed heatmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heatmap {
    /// Horizontal axis path.
    pub x_path: String,
    /// Vertical axis path.
    pub y_path: String,
    /// Horizontal tick labels.
    pub x_labels: Vec<String>,
    /// Vertical tick labels.
    pub y_labels: Vec<String>,
    /// Metric name.
    pub metric: Metric,
    /// Row-major cells: `cells[y * x_labels.len() + x]`.
    pub cells: Vec<HeatmapCell>,
    /// The budget every trial shared (absent when mixing was allowed).
    pub budget: Option<Budget>,
}

impl Heatmap {
    /// The cell at (`x`, `y`).
    pub fn cell(&self, x: usize, y: usize) -> &HeatmapCell {
        &self.cells[y * self.x_labels.len() + x]
    }

    /// The cell with the best mean (highest accuracy, lowest loss).
    pub fn best(&self) -> Option<&HeatmapCell> {
        let sign = if self.metric.higher_is_better() {
            1.0
        } else {
            -1.0
        };
        self.cells
            .iter()
            .filter(|c| c.summary.is_some())
            .max_by(|a, b| {
                let (a, b) = (
                    a.summary.as_ref().unwrap().mean,
                    b.summary.as_ref().unwrap().mean,
                );
                (sign * a).total_cmp(&(sign * b))
            })
    }
}

/// Distinct values of an axis across records, in trial order (the sweep's
/// axis order when the records come from one sweep).
pub fn axis_levels(records: &[TrialRecord], path: &str) -> Vec<Value> {
    let mut sorted: Vec<&TrialRecord> = records.iter().collect();
    sorted.sort_by_key(|r| r.trial_index);
    let mut levels: Vec<Value> = Vec::new();
    for r in sorted {
        if let Some(v) = r.cell.iter().find(|a| a.path == path).map(|a| &a.value)
            && !levels.contains(v)
        {
            levels.push(v.clone());
        }
    }
    levels
}

/// Whether a cell's axis values take part in a request (other axes fixed
/// as asked).
fn takes_part(cell: &[AxisValue], others: &OtherAxes) -> bool {
    match others {
        OtherAxes::Averaged => true,
        OtherAxes::Fixed(fixed) => fixed
            .iter()
            .all(|(p, v)| cell.iter().any(|a| &a.path == p && &a.value == v)),
    }
}

/// The records that take part in a request (other axes fixed as asked).
pub(crate) fn selected<'a>(records: &'a [TrialRecord], others: &OtherAxes) -> Vec<&'a TrialRecord> {
    records
        .iter()
        .filter(|r| takes_part(&r.cell, others))
        .collect()
}

pub(crate) fn known_axes(records: &[TrialRecord]) -> String {
    records
        .first()
        .map(|r| {
            r.cell
                .iter()
                .map(|a| a.path.clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Levels of `path`, or an error naming the axes present.
pub(crate) fn levels_or_err(
    records: &[TrialRecord],
    path: &str,
) -> Result<Vec<Value>, AnalysisError> {
    let levels = axis_levels(records, path);
    if levels.is_empty() {
        return Err(AnalysisError::UnknownAxis {
            path: path.into(),
            known: known_axes(records),
        });
    }
    Ok(levels)
}

/// Position of a record's value on an axis.
pub(crate) fn level_of(record: &TrialRecord, path: &str, levels: &[Value]) -> Option<usize> {
    let v = &record.cell.iter().find(|a| a.path == path)?.value;
    levels.iter().position(|l| l == v)
}

/// Compute the heatmap of `request.metric` over two axes, from records
/// alone: the levels are those the records hold.
pub fn heatmap(
    records: &[TrialRecord],
    request: &HeatmapRequest,
) -> Result<Heatmap, AnalysisError> {
    let xs = levels_or_err(records, &request.x)?;
    let ys = levels_or_err(records, &request.y)?;
    let chosen = selected(records, &request.others);
    if chosen.is_empty() {
        return Err(AnalysisError::NoRecords(format!("{:?}", request.others)));
    }
    build(&chosen, request, xs, ys)
}

/// The heatmap of sweep `spec` while it fills in: every cell of its grid
/// from the start (the levels as the sweep file lists them), each with how
/// many of its trials are finished (in the summary), training now (the
/// trial indices in `running`) or still pending. With no record yet every
/// cell is pending. Axes that are not the sweep's fall back to the
/// records' levels, as in [`heatmap`].
pub fn sweep_heatmap(
    spec: &SweepSpec,
    records: &[TrialRecord],
    request: &HeatmapRequest,
    running: &[usize],
) -> Result<Heatmap, AnalysisError> {
    let levels = |path: &str| match spec.axes.iter().find(|a| a.path == path) {
        Some(axis) => Ok(axis.values.clone()),
        None => levels_or_err(records, path),
    };
    let (xs, ys) = (levels(&request.x)?, levels(&request.y)?);
    let chosen = selected(records, &request.others);
    let mut map = build(&chosen, request, xs.clone(), ys.clone())?;
    let recorded: BTreeSet<usize> = chosen.iter().map(|r| r.trial_index).collect();
    for trial in expand(spec) {
        if recorded.contains(&trial.index) || !takes_part(&trial.cell, &request.others) {
            continue;
        }
        let at = |path: &str, levels: &[Value]| {
            let v = &trial.cell.iter().find(|a| a.path == path)?.value;
            levels.iter().position(|l| l == v)
        };
        let (Some(x), Some(y)) = (at(&request.x, &xs), at(&request.y, &ys)) else {
            continue;
        };
        let cell = &mut map.cells[y * xs.len() + x];
        if running.contains(&trial.index) {
            cell.running += 1;
        } else {
            cell.pending += 1;
        }
    }
    Ok(map)
}

/// The heatmap of the `chosen` records on levels `xs` × `ys`.
fn build(
    chosen: &[&TrialRecord],
    request: &HeatmapRequest,
    xs: Vec<Value>,
    ys: Vec<Value>,
) -> Result<Heatmap, AnalysisError> {
    // No record yet (a sweep's grid before its first trial): no budget.
    let budget = match chosen {
        [] => None,
        _ => check_budgets(chosen, request.allow_mixed_budgets)?,
    };
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); xs.len() * ys.len()];
    let mut cells: Vec<HeatmapCell> = (0..ys.len())
        .flat_map(|y| {
            (0..xs.len()).map(move |x| HeatmapCell {
                x,
                y,
                summary: None,
                diverged: 0,
                failed: 0,
                pending: 0,
                running: 0,
            })
        })
        .collect();
    for &r in chosen {
        let (Some(x), Some(y)) = (level_of(r, &request.x, &xs), level_of(r, &request.y, &ys))
        else {
            continue;
        };
        let at = y * xs.len() + x;
        let value = r.final_metric(request.metric);
        match r.status {
            TrialStatus::Finished if value.is_finite() => values[at].push(value),
            TrialStatus::Finished | TrialStatus::Diverged => cells[at].diverged += 1,
            TrialStatus::Failed | TrialStatus::Cancelled => cells[at].failed += 1,
        }
    }
    for (cell, v) in cells.iter_mut().zip(&values) {
        cell.summary = summarize(v);
    }
    Ok(Heatmap {
        x_path: request.x.clone(),
        y_path: request.y.clone(),
        x_labels: xs.iter().map(value_label).collect(),
        y_labels: ys.iter().map(value_label).collect(),
        metric: request.metric,
        cells,
        budget,
    })
}
