//! Colours: viridis for values (perceptually uniform, colour-blind safe) and
//! the Okabe–Ito palette for series.

use plotters::style::RGBColor;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

/// Colour of a value `v` within `[min, max]` (viridis).
pub fn cell_color(v: f64, min: f64, max: f64) -> RGBColor {
    let (lo, hi) = if max > min {
        (min, max)
    } else {
        (min - 0.5, min + 0.5)
    };
    ViridisRGB.get_color_normalized(v.clamp(lo, hi) as f32, lo as f32, hi as f32)
}

/// Black or white, whichever reads better on `background`.
pub fn text_color_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luma = 0.2126 * r as f64 + 0.7152 * g as f64 + 0.0722 * b as f64;
    if luma > 140.0 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}

/// The i-th series colour (Okabe–Ito, distinguishable with colour blindness).
pub fn series_color(i: usize) -> RGBColor {
    const OKABE_ITO: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(213, 94, 0),
        RGBColor(240, 228, 66),
        RGBColor(0, 0, 0),
    ];
    OKABE_ITO[i % OKABE_ITO.len()]
}
