//! Interaction statistics between two axes: two-way ANOVA and marginal means.

use serde::Serialize;

use super::heatmap::{level_of, levels_or_err, selected};
use super::stats::{AnovaTable, Summary, summarize, two_way_anova};
use super::{AnalysisError, HeatmapRequest, check_budgets};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::value_label;

/// (x level, y level, value) per observation, and the level counts.
type Observations = (Vec<(usize, usize, f64)>, usize, usize);

/// Finished trials with a finite metric, mapped to (x level, y level, value).
fn observations(
    records: &[TrialRecord],
    request: &HeatmapRequest,
) -> Result<Observations, AnalysisError> {
    let xs = levels_or_err(records, &request.x)?;
    let ys = levels_or_err(records, &request.y)?;
    let chosen = selected(records, &request.others);
    check_budgets(&chosen, request.allow_mixed_budgets)?;
    let obs = chosen
        .into_iter()
        .filter(|r| r.status == TrialStatus::Finished)
        .filter_map(|r| {
            let v = r.final_metric(request.metric);
            Some((
                level_of(r, &request.x, &xs)?,
                level_of(r, &request.y, &ys)?,
                v,
            ))
            .filter(|_| v.is_finite())
        })
        .collect();
    Ok((obs, xs.len(), ys.len()))
}

/// Two-way ANOVA of the request's metric with factors x (A) and y (B) and
/// their interaction. Classical sums of squares for balanced designs, Type
/// III for unbalanced ones (the table says which).
pub fn interaction_anova(
    records: &[TrialRecord],
    request: &HeatmapRequest,
) -> Result<AnovaTable, AnalysisError> {
    let (obs, a, b) = observations(records, request)?;
    Ok(two_way_anova(&obs, a, b)?)
}

/// The metric's summary at one level of an axis, pooled over the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marginal {
    /// The level's label.
    pub label: String,
    /// Summary over the level's finished trials.
    pub summary: Option<Summary>,
}

/// Marginal means along `request.x` (pooled over `request.y` and, as the
/// request says, the other axes).
pub fn marginal_means(
    records: &[TrialRecord],
    request: &HeatmapRequest,
) -> Result<Vec<Marginal>, AnalysisError> {
    let xs = levels_or_err(records, &request.x)?;
    let (obs, _, _) = observations(records, request)?;
    Ok(xs
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let values: Vec<f64> = obs.iter().filter(|o| o.0 == i).map(|o| o.2).collect();
            Marginal {
                label: value_label(level),
                summary: summarize(&values),
            }
        })
        .collect())
}

/// The interaction in one line, e.g. `model.dropout × model.norm: F(3, 16)
/// = 4.10, p = 0.021, partial η² = 0.43`, with the sums-of-squares type
/// when the design is unbalanced.
pub fn interaction_line(table: &AnovaTable, x: &str, y: &str) -> String {
    let residual_df = table.row("Residual").map_or(0.0, |r| r.df);
    let Some(ab) = table.row("A×B") else {
        return format!("{x} × {y}: no interaction term");
    };
    let stat = match (ab.f, ab.p) {
        (Some(f), Some(p)) => format!(
            "F({}, {}) = {f:.2}, p = {}",
            ab.df,
            residual_df,
            format_p(p)
        ),
        _ => format!(
            "F({}, {}) undefined (no residual variance)",
            ab.df, residual_df
        ),
    };
    let eta = ab
        .partial_eta_sq
        .map(|e| format!(", partial η² = {e:.2}"))
        .unwrap_or_default();
    let kind = if table.balanced {
        ""
    } else {
        " (Type III SS, unbalanced)"
    };
    format!("{x} × {y}: {stat}{eta}{kind}")
}

fn format_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// Records best first by `metric` (finished trials before the rest).
pub fn ranked(records: &[TrialRecord], metric: crate::spec::Metric) -> Vec<&TrialRecord> {
    let sign = if metric.higher_is_better() { -1.0 } else { 1.0 };
    let key = |r: &TrialRecord| {
        let v = r.final_metric(metric);
        if r.status == TrialStatus::Finished && v.is_finite() {
            sign * v
        } else {
            f64::INFINITY
        }
    };
    let mut out: Vec<&TrialRecord> = records.iter().collect();
    out.sort_by(|a, b| {
        key(a)
            .total_cmp(&key(b))
            .then(a.trial_index.cmp(&b.trial_index))
    });
    out
}
