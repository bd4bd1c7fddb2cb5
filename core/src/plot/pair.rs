//! A scan's chosen pair of axes as a scatter: one point per finished trial
//! at its two values (a log range on a log scale, listed values evenly
//! spaced), coloured by its metric (viridis, best drawn last, so on top).
//! Where a grid has a heatmap, a scan's configurations lie anywhere in the
//! plane: this shows where the good region is before a grid of the pair.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::parallel::{axis_position, axis_ticks, metric_color, metric_range};
use super::{FONT, PlotError, ellipsize, format_value};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::{Metric, SweepSpec};

/// Draw axes `pair` of `spec` as a scatter of its trials, coloured by
/// `metric`; trials that diverged or failed are grey crosses.
pub fn draw_pair<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &SweepSpec,
    records: &[TrialRecord],
    pair: (&str, &str),
    metric: Metric,
    title: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    // A halving scan's trials at one budget: its first rung.
    let records = &*crate::analysis::compared(spec, records);
    let axis = |path: &str| {
        spec.axes
            .iter()
            .find(|a| a.path == path)
            .ok_or_else(|| PlotError(format!("{path} is not an axis of the sweep")))
    };
    let (ax, ay) = (axis(pair.0)?, axis(pair.1)?);
    let range = metric_range(records, metric);
    let (lo, hi) = range.unwrap_or((-0.5, 0.5));
    let caption = match range {
        None => title.to_string(),
        Some(_) => format!(
            "{title} · colour: {} {} to {}",
            metric.name(),
            format_value(lo),
            format_value(hi)
        ),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16))
        .margin_left(72)
        .margin_right(16)
        .margin_top(8)
        .margin_bottom(40)
        .build_cartesian_2d(-0.05f64..1.05f64, -0.05f64..1.05f64)?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(-0.05, -0.05), (1.05, 1.05)],
        BLACK.mix(0.6).stroke_width(1),
    )))?;
    // Worst first, so the best points lie on top.
    let sign = if metric.higher_is_better() { 1.0 } else { -1.0 };
    let mut points: Vec<((f64, f64), f64, bool)> = records
        .iter()
        .filter_map(|r| {
            let at = |a: &crate::spec::AxisSpec| {
                let value = &r.cell.iter().find(|c| c.path == a.path)?.value;
                axis_position(a, value)
            };
            let v = r.final_metric(metric);
            let ok = r.status == TrialStatus::Finished && v.is_finite();
            Some(((at(ax)?, at(ay)?), v, ok))
        })
        .collect();
    points.sort_by(|a, b| {
        let key = |(v, ok): (f64, bool)| if ok { sign * v } else { f64::NEG_INFINITY };
        key((a.1, a.2)).total_cmp(&key((b.1, b.2)))
    });
    for (xy, v, ok) in points {
        if ok {
            chart.draw_series(std::iter::once(Circle::new(
                xy,
                5,
                metric_color(v, (lo, hi), metric).filled(),
            )))?;
        } else {
            chart.draw_series(std::iter::once(Cross::new(
                xy,
                4,
                RGBColor(150, 150, 150).stroke_width(1),
            )))?;
        }
    }
    let label = (FONT, 12).into_font().color(&BLACK);
    for (t, text) in axis_ticks(ax) {
        chart.draw_series(std::iter::once(Text::new(
            text,
            (t, -0.07),
            label.clone().pos(Pos::new(HPos::Center, VPos::Top)),
        )))?;
    }
    for (t, text) in axis_ticks(ay) {
        chart.draw_series(std::iter::once(Text::new(
            text,
            (-0.07, t),
            label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        )))?;
    }
    let name = (FONT, 13).into_font().color(&BLACK);
    chart.draw_series(std::iter::once(Text::new(
        ellipsize(&ax.path, 40),
        (0.5, -0.14),
        name.clone().pos(Pos::new(HPos::Center, VPos::Top)),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        ellipsize(&ay.path, 24),
        (-0.05, 1.07),
        name.pos(Pos::new(HPos::Left, VPos::Bottom)),
    )))?;
    Ok(())
}
