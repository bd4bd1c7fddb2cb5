//! `native-sweep report DIR`: the one-page report beside the results —
//! `report.html` (prints as one A4 page), `report.md` and its heatmap as
//! `report-heatmap.svg` and `.png` (a scan's parallel coordinates under the
//! same names).

use std::path::PathBuf;

use sweeplab_core::plot;
use sweeplab_core::report::{FIGURE_SIZE, figure, report_html, report_markdown};

use crate::cli::ReportArgs;
use crate::error::{CliError, input};
use crate::journal;
use crate::results::{ResultsDir, write_atomic};

/// The report's heatmap as SVG (the Markdown report shows it).
pub const FIGURE_SVG: &str = "report-heatmap.svg";
/// The report's heatmap as PNG.
pub const FIGURE_PNG: &str = "report-heatmap.png";

/// Run the command: write the report files and print their paths.
pub fn report(args: &ReportArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&args.dir)?;
    let records = results.records()?;
    let journal = journal::load(&results)?;
    let spec = &results.spec;
    if records.is_empty() {
        return Err(input(format!(
            "{}: no finished trials yet",
            results.path.display()
        )));
    }
    let fig = figure(spec, &records)?;
    let html = report_html(spec, &journal, &records)?;
    let svg = fig.svg()?;

    let svg_path = results.file(FIGURE_SVG);
    write_atomic(&svg_path, svg.as_bytes())?;
    // Drawn beside under a temporary name (the backend picks the format
    // from the extension), then renamed: never a half-written PNG.
    let png_path = results.file(FIGURE_PNG);
    let tmp = results.file("report-heatmap.tmp.png");
    plot::write_png(&tmp, FIGURE_SIZE, |area| fig.draw(area))?;
    std::fs::rename(&tmp, &png_path)
        .map_err(|e| CliError::Runtime(format!("{}: {e}", png_path.display())))?;
    let md_path = results.file("report.md");
    write_atomic(
        &md_path,
        report_markdown(spec, &journal, &records, FIGURE_SVG).as_bytes(),
    )?;
    let html_path = results.file("report.html");
    write_atomic(&html_path, html.as_bytes())?;

    let written: [PathBuf; 4] = [html_path, md_path, svg_path, png_path];
    for p in &written {
        println!("{}", p.display());
    }
    Ok(0)
}
