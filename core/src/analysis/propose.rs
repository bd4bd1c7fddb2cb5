//! From a sweep of many axes to a clean grid of the pair that matters: a
//! new sweep over two of its axes, every other axis fixed at the best
//! cell's value, at least 3 repeats and the sweep's fixed epoch budget —
//! ready for `native-sweep run` or the app.

use std::collections::BTreeMap;

use super::{AnalysisError, Importance};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{AxisSpec, Metric, SweepSpec, apply_axis, value_label};

/// Fewest repeats a proposed grid gets: enough for a confidence interval
/// per cell and an interaction test with room to spare.
pub const MIN_PAIR_REPEATS: usize = 3;

/// A cell's axis values, and the sum and count of its finished trials'
/// metric.
type CellTotal = (Vec<(String, serde_json::Value)>, f64, usize);

/// The pair to grid next: the strongest interaction of `importance`.
pub fn strongest_pair(importance: &Importance) -> Option<(String, String)> {
    let top = importance.pairs.first()?;
    Some((top.axes[0].clone(), top.axes[1].clone()))
}

/// A sweep over axes `pair` of `spec` (their values as in `spec`), with the
/// other axes fixed at the values of the best cell by `metric` (mean over
/// its finished trials), `repeats` at least [`MIN_PAIR_REPEATS`], and
/// everything else (data, seed, epoch budget) as in `spec`.
pub fn pair_sweep(
    spec: &SweepSpec,
    records: &[TrialRecord],
    pair: (&str, &str),
    metric: Metric,
) -> Result<SweepSpec, AnalysisError> {
    let axis = |path: &str| {
        spec.axes
            .iter()
            .find(|a| a.path == path)
            .cloned()
            .ok_or_else(|| AnalysisError::UnknownAxis {
                path: path.into(),
                known: spec
                    .axes
                    .iter()
                    .map(|a| a.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let (a, b) = (axis(pair.0)?, axis(pair.1)?);
    if a.path == b.path {
        return Err(AnalysisError::Design(format!(
            "a grid needs two different axes, got {} twice",
            a.path
        )));
    }

    // A halving scan compares its first rung (one budget for all).
    let records = &*super::compared(spec, records);
    // The best cell: mean of its finished trials' final metric.
    let mut cells: BTreeMap<String, CellTotal> = BTreeMap::new();
    for r in records.iter().filter(|r| r.status == TrialStatus::Finished) {
        let v = r.final_metric(metric);
        if !v.is_finite() {
            continue;
        }
        let key = r
            .cell
            .iter()
            .map(|c| format!("{}={}", c.path, value_label(&c.value)))
            .collect::<Vec<_>>()
            .join(",");
        let entry = cells.entry(key).or_insert_with(|| {
            let values = r
                .cell
                .iter()
                .map(|c| (c.path.clone(), c.value.clone()))
                .collect();
            (values, 0.0, 0)
        });
        entry.1 += v;
        entry.2 += 1;
    }
    let better = |x: f64, y: f64| {
        if metric.higher_is_better() {
            x > y
        } else {
            x < y
        }
    };
    let best = cells
        .values()
        .map(|(values, sum, n)| (values, sum / *n as f64))
        .fold(
            None,
            |best: Option<(&Vec<_>, f64)>, (values, mean)| match best {
                Some((_, m)) if !better(mean, m) => best,
                _ => Some((values, mean)),
            },
        )
        .ok_or_else(|| {
            AnalysisError::NoRecords("no finished trial to take the best cell from".into())
        })?;

    let mut base = spec.base.clone();
    for (path, value) in best.0 {
        if *path != a.path && *path != b.path {
            base = apply_axis(&base, path, value)
                .map_err(|e| AnalysisError::Design(format!("{path}: {e}")))?;
        }
    }
    let short = |p: &str| p.rsplit('.').next().unwrap_or(p).replace('_', "-");
    let fixed: Vec<String> = best
        .0
        .iter()
        .filter(|(p, _)| *p != a.path && *p != b.path)
        .map(|(p, v)| format!("{p} = {}", value_label(v)))
        .collect();
    Ok(SweepSpec {
        name: format!("{}-{}-x-{}", spec.name, short(&a.path), short(&b.path)),
        hypothesis: format!(
            "{} and {} interact{}.",
            a.path,
            b.path,
            if fixed.is_empty() {
                String::new()
            } else {
                format!(
                    " (with {} as in the best cell of {})",
                    fixed.join(", "),
                    spec.name
                )
            }
        ),
        repeats: spec.repeats.max(MIN_PAIR_REPEATS),
        base,
        axes: if spec.is_grid() {
            vec![a, b]
        } else {
            let good = good_cells(&cells, metric);
            vec![levels_from_scan(&a, &good), levels_from_scan(&b, &good)]
        },
        search: Default::default(),
        ..spec.clone()
    })
}

/// Levels a grid gets on each axis of a pair taken from a scan.
pub const SCAN_LEVELS: usize = 4;

/// The best quarter of a scan's configurations by `metric` (at least two),
/// as (path, value) lists.
fn good_cells(
    cells: &BTreeMap<String, CellTotal>,
    metric: Metric,
) -> Vec<Vec<(String, serde_json::Value)>> {
    let mut means: Vec<(&Vec<(String, serde_json::Value)>, f64)> = cells
        .values()
        .map(|(values, sum, n)| (values, sum / *n as f64))
        .collect();
    means.sort_by(|x, y| {
        if metric.higher_is_better() {
            y.1.total_cmp(&x.1)
        } else {
            x.1.total_cmp(&y.1)
        }
    });
    let keep = means.len().div_ceil(4).max(2).min(means.len());
    means
        .into_iter()
        .take(keep)
        .map(|(v, _)| v.clone())
        .collect()
}

/// A grid axis over the region of a scan's axis where its good
/// configurations lie: [`SCAN_LEVELS`] levels spread evenly (in log space
/// for a log range) from the smallest to the largest good value, or the
/// listed values the good configurations use (all of them if only one).
fn levels_from_scan(axis: &AxisSpec, good: &[Vec<(String, serde_json::Value)>]) -> AxisSpec {
    let used: Vec<&serde_json::Value> = good
        .iter()
        .filter_map(|cell| cell.iter().find(|(p, _)| *p == axis.path).map(|(_, v)| v))
        .collect();
    if !axis.is_range() {
        let values: Vec<serde_json::Value> = axis
            .values
            .iter()
            .filter(|v| used.contains(v))
            .cloned()
            .collect();
        let values = if values.len() >= 2 {
            values
        } else {
            axis.values.clone()
        };
        return AxisSpec::listed(axis.path.clone(), values);
    }
    let xs: Vec<f64> = used.iter().filter_map(|v| v.as_f64()).collect();
    let (mut lo, mut hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    let (low, high) = (axis.low.unwrap_or(lo), axis.high.unwrap_or(hi));
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        // One good value: a quarter of the range around it.
        let (a, b) = if axis.log {
            (low.ln(), high.ln())
        } else {
            (low, high)
        };
        let c = if axis.log { lo.ln() } else { lo };
        let w = (b - a) / 8.0;
        let (l, h) = ((c - w).max(a), (c + w).min(b));
        (lo, hi) = if axis.log { (l.exp(), h.exp()) } else { (l, h) };
    }
    let mut values: Vec<serde_json::Value> = Vec::new();
    for i in 0..SCAN_LEVELS {
        let t = i as f64 / (SCAN_LEVELS - 1) as f64;
        let x = if axis.log {
            (lo.ln() + t * (hi.ln() - lo.ln())).exp()
        } else {
            lo + t * (hi - lo)
        };
        let x = x.clamp(low, high);
        let v = if axis.int {
            serde_json::Value::from(x.round() as i64)
        } else {
            let rounded: f64 = format!("{x:.2e}").parse().unwrap_or(x);
            serde_json::Value::from(rounded)
        };
        if !values.contains(&v) {
            values.push(v);
        }
    }
    AxisSpec::listed(axis.path.clone(), values)
}
