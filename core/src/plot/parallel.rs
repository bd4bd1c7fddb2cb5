//! Parallel coordinates: one vertical axis per hyperparameter and one for
//! the metric, one line per trial coloured by its metric (viridis, best
//! drawn last, so on top). For sweeps of more than two axes and for scans,
//! where a heatmap shows only one pair.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, PlotError, cell_color, ellipsize, format_value};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{AxisSpec, Metric, SweepSpec, value_label};

/// Height (in axis units, the axes run 0 to 1) of the axis names.
const NAME_AT: f64 = 1.07;

/// A range end as a tick label: `1e-4` for small numbers, else as values are.
fn tick(v: f64) -> String {
    if v != 0.0 && v.abs() < 0.01 {
        format!("{v:.0e}")
    } else {
        format_value(v)
    }
}

/// Where `value` sits on `axis`, from 0 (bottom) to 1 (top): a range by its
/// (log) position between low and high, listed values evenly spaced.
pub fn axis_position(axis: &AxisSpec, value: &serde_json::Value) -> Option<f64> {
    match (axis.low, axis.high) {
        (Some(low), Some(high)) => {
            let x = value.as_f64()?;
            let t = if axis.log {
                (x.ln() - low.ln()) / (high.ln() - low.ln())
            } else {
                (x - low) / (high - low)
            };
            Some(t.clamp(0.0, 1.0))
        }
        _ => {
            let i = axis.values.iter().position(|v| v == value)?;
            let n = axis.values.len();
            Some(if n < 2 {
                0.5
            } else {
                i as f64 / (n - 1) as f64
            })
        }
    }
}

/// The lowest and highest finite `metric` of the finished trials (widened
/// to a unit range when they are equal), or `None` when there is none.
pub(super) fn metric_range(records: &[TrialRecord], metric: Metric) -> Option<(f64, f64)> {
    let (lo, hi) = records
        .iter()
        .filter(|r| r.status == TrialStatus::Finished)
        .map(|r| r.final_metric(metric))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if lo > hi {
        None
    } else if lo < hi {
        Some((lo, hi))
    } else {
        Some((lo - 0.5, lo + 0.5))
    }
}

/// A trial's colour for metric value `v` in `range`: the best end of the
/// scale for the best value, whichever way the metric improves.
pub(super) fn metric_color(v: f64, (lo, hi): (f64, f64), metric: Metric) -> RGBColor {
    let shade = if metric.higher_is_better() {
        v
    } else {
        lo + hi - v
    };
    cell_color(shade, lo, hi)
}

/// Where to label `axis` (0 to 1, as [`axis_position`] places values) and
/// with what: a range's ends and middle (the geometric middle of a log
/// range), or each listed value.
pub(super) fn axis_ticks(axis: &AxisSpec) -> Vec<(f64, String)> {
    if let (Some(low), Some(high)) = (axis.low, axis.high) {
        let middle = if axis.log {
            (low * high).sqrt()
        } else {
            (low + high) / 2.0
        };
        let text = |v: f64| {
            if axis.int {
                format!("{}", v.round() as i64)
            } else {
                tick(v)
            }
        };
        return [(0.0, low), (0.5, middle), (1.0, high)]
            .into_iter()
            .map(|(t, v)| (t, text(v)))
            .collect();
    }
    axis.values
        .iter()
        .filter_map(|v| Some((axis_position(axis, v)?, ellipsize(&value_label(v), 10))))
        .collect()
}

/// Draw the sweep's finished trials as parallel coordinates over its axes
/// and `metric`; trials that diverged or failed are thin grey lines that
/// stop at the metric axis.
pub fn draw_parallel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &SweepSpec,
    records: &[TrialRecord],
    metric: Metric,
    title: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    // A halving scan's trials at one budget: its first rung.
    let records = &*crate::analysis::compared(spec, records);
    let k = spec.axes.len() + 1;
    let (lo, hi) = metric_range(records, metric).unwrap_or((-0.5, 0.5));
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16))
        .margin_left(64)
        .margin_right(64)
        .margin_top(8)
        .margin_bottom(16)
        .build_cartesian_2d(0f64..(k - 1).max(1) as f64, -0.04f64..1.12f64)?;
    let m = (k - 1) as f64;
    // Worst first, so the best lines lie on top.
    let mut lines: Vec<(&TrialRecord, f64)> = records
        .iter()
        .map(|r| (r, r.final_metric(metric)))
        .collect();
    let sign = if metric.higher_is_better() { 1.0 } else { -1.0 };
    lines.sort_by(|a, b| {
        let key = |v: f64| {
            if v.is_finite() {
                sign * v
            } else {
                f64::NEG_INFINITY
            }
        };
        key(a.1).total_cmp(&key(b.1))
    });
    for (r, v) in lines {
        let mut points: Vec<(f64, f64)> = spec
            .axes
            .iter()
            .enumerate()
            .filter_map(|(i, axis)| {
                let value = &r.cell.iter().find(|c| c.path == axis.path)?.value;
                Some((i as f64, axis_position(axis, value)?))
            })
            .collect();
        let ok = r.status == TrialStatus::Finished && v.is_finite();
        let style = if ok {
            points.push((m, (v - lo) / (hi - lo)));
            metric_color(v, (lo, hi), metric).stroke_width(2)
        } else {
            RGBColor(160, 160, 160).stroke_width(1)
        };
        chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
    }
    // The axes over the lines, so their labels stay readable.
    let label = (FONT, 12).into_font().color(&BLACK);
    let centred = |v: VPos| label.clone().pos(Pos::new(HPos::Center, v));
    // The axes, their names above and their ends (or levels) beside them.
    for (i, axis) in spec.axes.iter().enumerate() {
        let x = i as f64;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, 1.0)],
            BLACK.mix(0.6).stroke_width(1),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            ellipsize(&axis.path, 22),
            (x, NAME_AT),
            centred(VPos::Center),
        )))?;
        let ticks = axis_ticks(axis);
        for (y, text) in ticks {
            chart.draw_series(std::iter::once(Text::new(
                text,
                (x, y),
                label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            )))?;
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(m, 0.0), (m, 1.0)],
        BLACK.stroke_width(2),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        metric.name().to_string(),
        (m, NAME_AT),
        centred(VPos::Center),
    )))?;
    for (y, v) in [(0.0, lo), (1.0, hi)] {
        chart.draw_series(std::iter::once(Text::new(
            format_value(v),
            (m, y),
            label.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}
