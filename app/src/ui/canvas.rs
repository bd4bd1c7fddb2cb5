//! Drawing the core's plots on a canvas, sharp on HiDPI screens, and
//! exporting them as PNG (from the canvas) or SVG (from the core).

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use sweeplab_core::plot::PlotError;

use crate::browser::download_url;

/// Size the canvas's pixels to its CSS box times the device pixel ratio and
/// draw on it with `draw`. Returns the plot's error as text.
pub fn draw_on(
    canvas: &web_sys::HtmlCanvasElement,
    draw: impl FnOnce(&DrawingArea<CanvasBackend, Shift>) -> Result<(), PlotError>,
) -> Result<(), String> {
    let ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let css_w = canvas.client_width().max(320) as f64;
    let css_h = canvas.client_height().max(200) as f64;
    canvas.set_width((css_w * ratio).round() as u32);
    canvas.set_height((css_h * ratio).round() as u32);
    let backend =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("this browser has no 2D canvas")?;
    let area = backend.into_drawing_area();
    draw(&area).map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())
}

/// Offer the canvas as a PNG download.
pub fn export_png(canvas: &NodeRef<Canvas>, name: &str) {
    if let Some(c) = canvas.get_untracked()
        && let Ok(url) = c.to_data_url()
    {
        download_url(name, &url);
    }
}
