//! Plots drawn with plotters over any `DrawingBackend`: the app draws them
//! on a canvas, the CLI writes PNG and SVG, with the same look.

mod colors;
mod curves;
mod files;
mod heatmap;
mod marginal;
mod pair;
mod parallel;

pub use colors::{cell_color, series_color, text_color_on};
pub use curves::{draw_curves, draw_loss_trace};
#[cfg(not(target_arch = "wasm32"))]
pub use files::{heatmap_png, write_png};
pub use files::{heatmap_svg_string, write_svg};
pub use heatmap::draw_heatmap;
pub use marginal::draw_marginals;
pub use pair::draw_pair;
pub use parallel::{axis_position, draw_parallel};

use plotters::prelude::*;

use crate::analysis::{FEW_VALUES, Summary};
use crate::spec::Metric;

/// Why a plot could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plot: {0}")]
pub struct PlotError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// Font family every plot uses.
pub const FONT: &str = "sans-serif";

/// A short title-friendly form of a metric value.
pub fn format_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// A cell's 95 % interval in words, the same in the app's table and the
/// report: its ends cut to the metric's range (marked when cut), "no
/// interval" for one value, and a hint where few values make it wide.
pub fn interval_label(summary: &Summary, metric: Metric) -> String {
    if summary.n < 2 {
        return "n = 1: no interval".to_string();
    }
    let shown = summary.shown_interval(metric.natural_range());
    let mut text = format!("{} – {}", format_value(shown.low), format_value(shown.high));
    if let (true, Some((lo, hi))) = (shown.clipped, metric.natural_range()) {
        text.push_str(&format!(" (cut to {lo}–{hi})"));
    }
    if summary.n <= FEW_VALUES {
        text.push_str(&format!(" · n = {}: wide interval", summary.n));
    }
    text
}

/// Cut `label` to at most `max` characters, marking the cut with an ellipsis.
pub fn ellipsize(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The span of `values` widened by `margin` of its width on both sides
/// (at least 1e-3), or `0..1` when there are none: a plot's value axis.
pub fn padded_range(values: impl IntoIterator<Item = f64>, margin: f64) -> std::ops::Range<f64> {
    let (lo, hi) = values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * margin).max(1e-3);
    (lo - pad)..(hi + pad)
}
