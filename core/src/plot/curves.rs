//! Learning curves: a metric per epoch, one line per trial, coloured by cell.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, PlotError, ellipsize, padded_range, series_color};
use crate::record::TrialRecord;
use crate::spec::{Metric, value_label};

/// Draw `metric` over epochs for every record; trials of the same cell share
/// a colour and one legend entry.
pub fn draw_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    records: &[TrialRecord],
    metric: Metric,
    title: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let points: Vec<(usize, f64)> = records
        .iter()
        .flat_map(|r| r.epochs.iter().map(move |e| (e.epoch, e.get(metric))))
        .filter(|p| p.1.is_finite())
        .collect();
    let max_epoch = points.iter().map(|p| p.0).max().unwrap_or(1).max(2);
    let range = padded_range(points.iter().map(|p| p.1), 0.08);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 16))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(1usize..max_epoch, range)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(metric.name())
        .x_labels(max_epoch.min(10))
        .label_style((FONT, 12))
        .draw()?;
    let mut cells: Vec<String> = Vec::new();
    for r in records {
        let label = r
            .cell
            .iter()
            .map(|a| value_label(&a.value))
            .collect::<Vec<_>>()
            .join(" / ");
        let k = cells.iter().position(|c| c == &label).unwrap_or_else(|| {
            cells.push(label.clone());
            cells.len() - 1
        });
        let color = series_color(k);
        let series = r
            .epochs
            .iter()
            .map(|e| (e.epoch, e.get(metric)))
            .filter(|p| p.1.is_finite());
        // Points as well as lines: a trial of one epoch has no line to draw.
        let drawn =
            chart.draw_series(LineSeries::new(series, color.stroke_width(2)).point_size(3))?;
        if r.repeat == 0 {
            drawn.label(ellipsize(&label, 28)).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        }
    }
    if !cells.is_empty() && cells.len() <= 16 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 11))
            .draw()?;
    }
    Ok(())
}

/// Draw a running trial's training loss against progress in epochs
/// (`(epochs done as a fraction, loss)` points), for live views.
pub fn draw_loss_trace<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(f64, f64)],
    epochs: usize,
    title: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let finite: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    let range = padded_range(finite.iter().map(|p| p.1), 0.08);
    let mut chart = ChartBuilder::on(area)
        .caption(ellipsize(title, 60), (FONT, 16))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..epochs.max(1) as f64, range)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("training loss (batch)")
        .label_style((FONT, 12))
        .draw()?;
    chart.draw_series(LineSeries::new(finite, series_color(0).stroke_width(2)))?;
    Ok(())
}
