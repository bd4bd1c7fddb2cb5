//! Marginal means along one axis with 95% confidence intervals.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, PlotError, ellipsize, padded_range, series_color};
use crate::analysis::Marginal;
use crate::spec::Metric;

/// Draw the mean and 95% CI of `metric` at each level of `axis`.
pub fn draw_marginals<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marginals: &[Marginal],
    axis: &str,
    metric: Metric,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let n = marginals.len();
    // Intervals cut to the metric's range: two values' interval for an
    // accuracy can reach far below 0 and above 1.
    let shown = |s: &crate::analysis::Summary| s.shown_interval(metric.natural_range());
    let range = padded_range(
        marginals
            .iter()
            .filter_map(|m| m.summary)
            .flat_map(|s| [shown(&s).low, shown(&s).high]),
        0.1,
    );
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{} by {}", metric.name(), ellipsize(axis, 40)),
            (FONT, 16),
        )
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d((0..n).into_segmented(), range)?;
    let labels: Vec<String> = marginals.iter().map(|m| m.label.clone()).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                labels.get(*i).map(|l| ellipsize(l, 14)).unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_desc(ellipsize(axis, 40))
        .y_desc(metric.name())
        .label_style((FONT, 12))
        .draw()?;
    let color = series_color(0);
    chart.draw_series(marginals.iter().enumerate().filter_map(|(i, m)| {
        let s = m.summary?;
        let ci = shown(&s);
        Some(ErrorBar::new_vertical(
            SegmentValue::CenterOf(i),
            ci.low,
            s.mean,
            ci.high,
            color.filled(),
            12,
        ))
    }))?;
    Ok(())
}
