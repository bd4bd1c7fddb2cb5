//! The annotated heatmap: mean ± CI half-width and n per cell, a colour bar,
//! axis titles from the axis paths, diverged and empty cells marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{FONT, PlotError, cell_color, ellipsize, format_value, text_color_on};
use crate::analysis::Heatmap;

const EMPTY_FILL: RGBColor = RGBColor(225, 225, 225);

/// Draw `heatmap` into `area` with `title` above it.
pub fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heatmap: &Heatmap,
    title: &str,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let (w, h) = area.dim_in_pixel();
    let (nx, ny) = (heatmap.x_labels.len(), heatmap.y_labels.len());
    let means: Vec<f64> = heatmap
        .cells
        .iter()
        .filter_map(|c| c.summary.map(|s| s.mean))
        .collect();
    // The colour scale: the metric's natural range where it has one (so
    // colours mean the same in every heatmap and stay put while a grid
    // fills in), else the data's.
    let (lo, hi, scale_note) = match heatmap.metric.natural_range() {
        Some((lo, hi)) => (lo, hi, format!("scale {lo}–{hi}")),
        None if means.is_empty() => (0.0, 1.0, "no values yet".to_string()),
        None => (
            means.iter().copied().fold(f64::INFINITY, f64::min),
            means.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            "scale: data range".to_string(),
        ),
    };

    let scale = (w.min(h) as f64 / 500.0).clamp(0.6, 3.0);
    let px = |v: f64| (v * scale).round() as u32;
    let bar_width = px(90.0).min(w / 5);
    let (main, bar) = area.split_horizontally(w - bar_width);
    let cell_px = ((w - bar_width) as f64 / nx.max(1) as f64).min(h as f64 / ny.max(1) as f64);
    let cell_font = (cell_px / 5.5).clamp(8.0, 18.0 * scale);
    let max_label = ((cell_px / (cell_font * 0.6)) as usize).max(4);

    let mut chart = ChartBuilder::on(&main)
        .caption(
            ellipsize(title, (w as f64 / (9.0 * scale)) as usize),
            (FONT, 16.0 * scale),
        )
        .margin(px(8.0))
        .x_label_area_size(px(44.0))
        .y_label_area_size(px(90.0))
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(ellipsize(&heatmap.x_path, 40))
        .y_desc(ellipsize(&heatmap.y_path, 40))
        .axis_desc_style((FONT, 13.0 * scale))
        .draw()?;
    // Tick labels at cell centres (plotters' own ticks sit at round numbers).
    let tick_style = TextStyle::from((FONT, 12.0 * scale)).color(&BLACK);
    let gap = px(6.0) as i32;
    for (i, label) in heatmap.x_labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        let style = tick_style.pos(Pos::new(HPos::Center, VPos::Top));
        main.draw(&Text::new(
            ellipsize(label, max_label.max(6)),
            (x, y + gap),
            style,
        ))?;
    }
    for (j, label) in heatmap.y_labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, j as f64 + 0.5));
        let style = tick_style.pos(Pos::new(HPos::Right, VPos::Center));
        main.draw(&Text::new(ellipsize(label, 12), (x - gap, y), style))?;
    }

    for cell in &heatmap.cells {
        let corner = |dx: usize, dy: usize| ((cell.x + dx) as f64, (cell.y + dy) as f64);
        let centre = (cell.x as f64 + 0.5, cell.y as f64 + 0.5);
        let fill = cell
            .summary
            .map_or(EMPTY_FILL, |s| cell_color(s.mean, lo, hi));
        chart.draw_series(std::iter::once(Rectangle::new(
            [corner(0, 0), corner(1, 1)],
            fill.filled(),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [corner(0, 0), corner(1, 1)],
            WHITE.stroke_width(1),
        )))?;
        let ink = text_color_on(fill);
        let mut lines = match cell.summary {
            Some(s) => {
                let shown = s.shown_interval(heatmap.metric.natural_range());
                let spread = if s.n < 2 {
                    "no CI".to_string()
                } else if shown.clipped {
                    format!("{}–{}", format_value(shown.low), format_value(shown.high))
                } else {
                    format!("±{}", format_value((s.ci_high - s.mean).max(0.0)))
                };
                vec![format_value(s.mean), spread, format!("n={}", s.n)]
            }
            None if cell.running + cell.pending > 0 => Vec::new(),
            None => vec!["no result".to_string()],
        };
        if cell.running > 0 {
            lines.push(format!("{} running", cell.running));
        }
        if cell.pending > 0 {
            lines.push(format!("{} pending", cell.pending));
        }
        if cell.diverged > 0 {
            lines.push(format!("{} diverged", cell.diverged));
        }
        if cell.failed > 0 {
            lines.push(format!("{} failed", cell.failed));
        }
        let lines: Vec<String> = lines
            .into_iter()
            .map(|l| ellipsize(&l, max_label))
            .collect();
        let style = TextStyle::from((FONT, cell_font))
            .color(&ink)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let backend = chart.backend_coord(&centre);
        let step = (cell_font * 1.15) as i32;
        let top = backend.1 - step * (lines.len() as i32 - 1) / 2;
        for (i, line) in lines.iter().enumerate() {
            main.draw(&Text::new(
                line.clone(),
                (backend.0, top + step * i as i32),
                style.clone(),
            ))?;
        }
        if cell.summary.is_none() || cell.diverged > 0 {
            // Hatch cells with missing or diverged trials so they read as such in grey-scale too.
            let tl = chart.backend_coord(&corner(0, 1));
            let br = chart.backend_coord(&corner(1, 0));
            let hatch = RGBColor(150, 150, 150).stroke_width(1);
            let span = (br.0 - tl.0).max(1);
            for k in (0..span).step_by(((span / 6).max(4)) as usize) {
                main.draw(&PathElement::new(
                    vec![(tl.0 + k, br.1), (tl.0, br.1 - k.min(br.1 - tl.1))],
                    hatch,
                ))?;
            }
        }
    }
    draw_color_bar(
        &bar,
        lo,
        hi,
        &format!("{} ({scale_note})", heatmap.metric.name()),
        scale,
    )
}

fn draw_color_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
    name: &str,
    scale: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (lo_axis, hi_axis) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let mut bar = ChartBuilder::on(area)
        .margin_top((40.0 * scale) as u32)
        .margin_bottom((52.0 * scale) as u32)
        .margin_right((6.0 * scale) as u32)
        .y_label_area_size((50.0 * scale) as u32)
        .build_cartesian_2d(0.0..1.0, lo_axis..hi_axis)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(&|v| format_value(*v))
        .y_desc(name)
        .label_style((FONT, 11.0 * scale))
        .axis_desc_style((FONT, 12.0 * scale))
        .draw()?;
    let steps = 64;
    bar.draw_series((0..steps).map(|i| {
        let a = lo_axis + (hi_axis - lo_axis) * i as f64 / steps as f64;
        let b = lo_axis + (hi_axis - lo_axis) * (i + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            cell_color((a + b) / 2.0, lo_axis, hi_axis).filled(),
        )
    }))?;
    Ok(())
}
