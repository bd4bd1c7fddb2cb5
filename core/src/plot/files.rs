//! Plots as files: SVG text everywhere, PNG files natively (the browser
//! exports PNG from its canvas).

#[cfg(not(target_arch = "wasm32"))]
use std::path::Path;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{PlotError, draw_heatmap};
use crate::analysis::Heatmap;

#[cfg(not(target_arch = "wasm32"))]
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
#[cfg(not(target_arch = "wasm32"))]
static REGISTER: Once = Once::new();

/// Registers the embedded DejaVu Sans as the plots' font (PNG glyphs and
/// the text layout of both PNG and SVG), so output is the same on machines
/// without system fonts.
#[cfg(not(target_arch = "wasm32"))]
fn register_font() {
    REGISTER.call_once(|| {
        plotters::style::register_font(super::FONT, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the embedded font is valid"));
    });
}

/// In browsers plotters measures text with the page's fonts.
#[cfg(target_arch = "wasm32")]
fn register_font() {}

/// Draw with `draw` onto a `width x height` PNG at `path`.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_png(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    register_font();
    let area = BitMapBackend::new(path, (width, height)).into_drawing_area();
    draw(&area)?;
    area.present()
        .map_err(|e| PlotError(format!("{}: {e}", path.display())))
}

/// Draw with `draw` onto a `width x height` SVG document, returned as text.
pub fn write_svg(
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
) -> Result<String, PlotError> {
    register_font();
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&area)?;
        area.present()?;
    }
    Ok(out)
}

/// The heatmap as a PNG file.
#[cfg(not(target_arch = "wasm32"))]
pub fn heatmap_png(
    path: &Path,
    heatmap: &Heatmap,
    title: &str,
    size: (u32, u32),
) -> Result<(), PlotError> {
    write_png(path, size, |area| draw_heatmap(area, heatmap, title))
}

/// The heatmap as SVG text.
pub fn heatmap_svg_string(
    heatmap: &Heatmap,
    title: &str,
    size: (u32, u32),
) -> Result<String, PlotError> {
    write_svg(size, |area| draw_heatmap(area, heatmap, title))
}
