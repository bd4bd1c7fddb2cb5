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
