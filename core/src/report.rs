//! The one-page report of a sweep: title, hypothesis, the heatmap, the
//! interaction statistic, the top runs and the conclusion. As HTML it is
//! self-contained (inline CSS and SVG, no external resources) and prints as
//! exactly one A4 page whatever the lengths of its texts; as Markdown it
//! refers to the heatmap as an image file beside it. Pure functions: the CLI
//! writes the files, the browser app offers them for download.

use std::fmt::Write as _;

use crate::analysis::{self, AnalysisError, Heatmap, HeatmapRequest};
use crate::journal::{
    Journal, cell_label, dataset_words, importance_summary, interaction_summary, table_cell,
};
use crate::plot::{self, PlotError};
use crate::record::{TrialRecord, TrialStatus};
use crate::spec::SweepSpec;

/// How many of the best runs the report lists.
pub const TOP_RUNS: usize = 5;

/// Size in pixels the report's heatmap is drawn at (the page scales it).
pub const FIGURE_SIZE: (u32, u32) = (900, 640);

/// Height of the page's content box: A4 (297 mm) less 12 mm margins, less
/// 2 mm so rounding never starts a second page.
const PAGE_HEIGHT_MM: f64 = 271.0;
/// Width of the page's content box: A4 (210 mm) less 12 mm margins.
const PAGE_WIDTH_MM: f64 = 186.0;

/// Why a sweep's report, or its figure, cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    /// No trial has a record yet.
    #[error("{sweep}: no trial records yet")]
    NoRecords {
        /// The sweep's name.
        sweep: String,
    },
    /// The sweep has no axes, so there is no heatmap.
    #[error("{sweep}: the sweep has no axes to plot")]
    NoAxes {
        /// The sweep's name.
        sweep: String,
    },
    /// The heatmap cannot be computed (mixed epoch budgets, say).
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// Drawing the heatmap failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// The report's figure: a grid's heatmap, or a scan's parallel
/// coordinates (a scan has no cells).
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// The sweep's metric over its first two axes.
    Heatmap {
        /// The heatmap's cells.
        heatmap: Heatmap,
        /// Title drawn above it.
        title: String,
    },
    /// One line per trial over every axis and the metric.
    Parallel {
        /// The scan.
        spec: Box<SweepSpec>,
        /// Its records.
        records: Vec<TrialRecord>,
        /// Title drawn above it.
        title: String,
    },
}

impl Figure {
    /// The title drawn above the figure.
    pub fn title(&self) -> &str {
        match self {
            Figure::Heatmap { title, .. } | Figure::Parallel { title, .. } => title,
        }
    }

    /// Draw the figure on any plotters backend.
    pub fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), PlotError>
    where
        DB::ErrorType: 'static,
    {
        match self {
            Figure::Heatmap { heatmap, title } => plot::draw_heatmap(area, heatmap, title),
            Figure::Parallel {
                spec,
                records,
                title,
            } => plot::draw_parallel(area, spec, records, spec.metric, title),
        }
    }

    /// The figure as SVG text, [`FIGURE_SIZE`] pixels.
    pub fn svg(&self) -> Result<String, PlotError> {
        plot::write_svg(FIGURE_SIZE, |area| self.draw(area))
    }
}

/// The report's figure: for a grid, the sweep's metric over its first two
/// axes (the first against itself when there is one), other axes averaged,
/// trials of one epoch budget only; for a scan, its parallel coordinates.
/// Fails without records or axes, or on mixed budgets.
pub fn figure(spec: &SweepSpec, records: &[TrialRecord]) -> Result<Figure, ReportError> {
    if records.is_empty() {
        return Err(ReportError::NoRecords {
            sweep: spec.name.clone(),
        });
    }
    if !spec.is_grid() {
        if spec.axes.is_empty() {
            return Err(ReportError::NoAxes {
                sweep: spec.name.clone(),
            });
        }
        let chosen: Vec<&TrialRecord> = records.iter().collect();
        analysis::check_budgets(&chosen, false)?;
        return Ok(Figure::Parallel {
            spec: Box::new(spec.clone()),
            records: records.to_vec(),
            title: format!(
                "{} per trial ({} scan)",
                spec.metric.name(),
                spec.search.strategy.name()
            ),
        });
    }
    let Some(request) = HeatmapRequest::default_for(spec) else {
        return Err(ReportError::NoAxes {
            sweep: spec.name.clone(),
        });
    };
    let heatmap = analysis::heatmap(records, &request)?;
    let budget = heatmap.budget.map(|b| format!(", {b}")).unwrap_or_default();
    let title = format!(
        "{}: {} × {}{budget}",
        spec.metric.name(),
        request.x,
        request.y
    );
    Ok(Figure::Heatmap { heatmap, title })
}

/// One line of the top-runs table.
struct RunRow {
    rank: usize,
    cell: String,
    seed: u64,
    status: String,
    value: String,
}

fn top_runs(spec: &SweepSpec, records: &[TrialRecord]) -> Vec<RunRow> {
    analysis::ranked(records, spec.metric)
        .into_iter()
        .take(TOP_RUNS)
        .enumerate()
        .map(|(i, r)| {
            let v = r.final_metric(spec.metric);
            RunRow {
                rank: i + 1,
                cell: cell_label(&r.cell),
                seed: r.seed,
                status: format!("{:?}", r.status).to_lowercase(),
                value: if v.is_finite() {
                    format!("{v:.4}")
                } else {
                    "—".into()
                },
            }
        })
        .collect()
}

/// The sweep in one line: data, grid, budget, trials.
fn facts(spec: &SweepSpec, records: &[TrialRecord]) -> String {
    let finished = records
        .iter()
        .filter(|r| r.status == TrialStatus::Finished)
        .count();
    let epochs = match spec.base.train.epochs {
        _ if spec.axes.iter().any(|a| a.path == "train.epochs") => "epochs per cell".to_string(),
        1 => "1 epoch".to_string(),
        n => format!("{n} epochs"),
    };
    format!(
        "{} · {} {} × {} repeats · {epochs} · {finished} of {} trials finished · metric {}",
        dataset_words(spec).replace('`', ""),
        spec.cell_count(),
        if spec.is_grid() {
            "cells".to_string()
        } else {
            format!("{} configurations", spec.search.strategy.name())
        },
        spec.repeats,
        spec.trial_count(),
        spec.metric.name()
    )
}

/// Millimetres per point.
const MM_PER_PT: f64 = 25.4 / 72.0;
/// Line height of prose, in ems.
const LINE_HEIGHT: f64 = 1.3;
/// Mean advance of a character of the page's sans-serif fonts, in ems.
const CHAR_EM: f64 = 0.55;

/// A block of prose fitted to `height_mm` of the page: its font size, how
/// many lines fit (the CSS clamps to them) and the text, cut at a word
/// boundary with a note when even the smallest font cannot hold it.
struct Prose {
    text: String,
    pt: f64,
    lines: usize,
}

fn prose(text: &str, height_mm: f64) -> Prose {
    let text = text.trim();
    let len = text.chars().count();
    let breaks = text.matches('\n').count();
    // Characters that fit at `pt`, with slack for lines that wrap early
    // and for explicit line breaks.
    let fit = |pt: f64| {
        let lines = ((height_mm / (pt * LINE_HEIGHT * MM_PER_PT)).floor() as usize).max(1);
        let per_line = (PAGE_WIDTH_MM / (pt * CHAR_EM * MM_PER_PT)).floor() as usize;
        let chars = (lines * per_line * 85 / 100).saturating_sub(per_line / 2 * breaks);
        (lines, chars)
    };
    for pt in PROSE_SIZES {
        let (lines, chars) = fit(pt);
        if len <= chars {
            return Prose {
                text: text.to_string(),
                pt,
                lines,
            };
        }
    }
    let pt = PROSE_SIZES[PROSE_SIZES.len() - 1];
    let (lines, chars) = fit(pt);
    let note = " … (cut here; the full text is in the journal)";
    let cut: String = text
        .chars()
        .take(chars.saturating_sub(note.chars().count()))
        .collect();
    let cut = cut
        .rsplit_once(char::is_whitespace)
        .map_or(cut.as_str(), |(a, _)| a);
    Prose {
        text: format!("{cut}{note}"),
        pt,
        lines,
    }
}

/// A font size in points for a text of `len` characters: the first step
/// whose length limit it fits, else `smallest`.
fn font_for(len: usize, steps: &[(usize, f64)], smallest: f64) -> f64 {
    steps
        .iter()
        .find(|(limit, _)| len <= *limit)
        .map_or(smallest, |(_, pt)| *pt)
}

/// Font sizes of prose, largest first: the first that fits is used.
const PROSE_SIZES: [f64; 5] = [11.0, 10.0, 9.0, 8.0, 7.0];

/// HTML text: `&`, `<`, `>` and quotes escaped, newlines kept as breaks.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The plotters SVG made to fill its slot: a class for the CSS, no XML
/// prologue (its viewBox keeps the proportions).
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(
        "<svg",
        "<svg class=\"heatmap\" role=\"img\" preserveAspectRatio=\"xMidYMid meet\"",
        1,
    )
}

/// The report as one self-contained HTML page that prints as exactly one A4
/// page: font sizes follow the texts' lengths, long words wrap anywhere,
/// the heatmap (inline SVG) takes the height the texts leave, and the page
/// box is fixed to the printable height and clips rather than spill. Fails
/// when there is no heatmap to show (see [`figure`]).
pub fn report_html(
    spec: &SweepSpec,
    journal: &Journal,
    records: &[TrialRecord],
) -> Result<String, ReportError> {
    let fig = figure(spec, records)?;
    let svg = inline_svg(&fig.svg()?);
    let name = spec.name.trim();
    let hypothesis = prose(&spec.hypothesis, 34.0);
    let conclusion = prose(&journal.conclusion, 46.0);
    // A scan has no ANOVA line: its ranking and proposed grid stand there.
    let interaction = if spec.is_grid() {
        interaction_summary(spec, records)
    } else {
        importance_summary(spec, records)
    };
    let runs = top_runs(spec, records);

    let title_pt = font_for(
        name.chars().count(),
        &[(30, 20.0), (60, 16.0), (120, 13.0), (240, 11.0)],
        9.0,
    );
    let (hyp_pt, hyp_lines) = (hypothesis.pt, hypothesis.lines);
    let (con_pt, con_lines) = (conclusion.pt, conclusion.lines);
    // One line across the page if it can: ~0.62 em per bold character.
    let line_pt = interaction.as_ref().map_or(10.0, |l| {
        let width_pt = PAGE_WIDTH_MM / 25.4 * 72.0;
        (width_pt / (l.chars().count().max(1) as f64 * 0.62)).clamp(6.5, 10.5)
    });
    let longest_cell = runs
        .iter()
        .map(|r| r.cell.chars().count())
        .max()
        .unwrap_or(0);
    let runs_pt = font_for(longest_cell, &[(60, 9.0), (120, 8.0), (240, 7.0)], 6.5);

    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 12mm }}
* {{ box-sizing: border-box }}
html, body {{ margin: 0; padding: 0 }}
body {{ font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #111;
  -webkit-print-color-adjust: exact; print-color-adjust: exact }}
.page {{ width: {width}mm; height: {height}mm; overflow: hidden; display: flex;
  flex-direction: column; gap: 2mm; overflow-wrap: anywhere; word-break: break-word;
  break-inside: avoid; page-break-after: avoid }}
.page > * {{ flex: 0 0 auto; margin: 0; min-width: 0 }}
h1 {{ font-size: {title_pt}pt; line-height: 1.15; max-height: 26mm; overflow: hidden }}
h2 {{ font-size: 8.5pt; font-weight: 700; color: #555; margin: 0 0 .6mm }}
.facts {{ font-size: 7.5pt; color: #444; max-height: 9mm; overflow: hidden }}
.prose {{ line-height: {LINE_HEIGHT}; overflow: hidden }}
.prose .text {{ display: -webkit-box; -webkit-box-orient: vertical; overflow: hidden }}
.hypothesis {{ font-size: {hyp_pt}pt; max-height: 40mm }}
.hypothesis .text {{ -webkit-line-clamp: {hyp_lines}; line-clamp: {hyp_lines} }}
.conclusion {{ font-size: {con_pt}pt; max-height: 52mm }}
.conclusion .text {{ -webkit-line-clamp: {con_lines}; line-clamp: {con_lines} }}
.figure {{ flex: 1 1 0; min-height: 45mm; position: relative; overflow: hidden }}
.figure svg.heatmap {{ position: absolute; inset: 0; width: 100%; height: 100% }}
.interaction {{ font-size: {line_pt:.1}pt; font-weight: 600; max-height: 12mm; overflow: hidden }}
.runs {{ max-height: 56mm; overflow: hidden }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; font-size: {runs_pt}pt }}
th, td {{ text-align: left; padding: .5mm 1.2mm; border-bottom: 0.3pt solid #bbb;
  vertical-align: top }}
th {{ font-weight: 600; border-bottom: 0.6pt solid #333 }}
td.num, th.num {{ text-align: right }}
.muted {{ color: #777; font-style: italic }}
@media screen {{
  body {{ background: #ddd }}
  .page {{ background: #fff; margin: 8mm auto; box-sizing: content-box; padding: 12mm;
    box-shadow: 0 1mm 4mm rgba(0,0,0,.25) }}
}}
</style>
</head>
<body>
<main class="page">
<h1>{title}</h1>
<p class="facts">{facts}</p>
"#,
        title = esc(name),
        width = PAGE_WIDTH_MM,
        height = PAGE_HEIGHT_MM,
        facts = esc(&facts(spec, records)),
    );
    let _ = writeln!(
        h,
        "<section class=\"prose hypothesis\"><h2>Hypothesis</h2><div class=\"text\">{}</div></section>",
        if hypothesis.text.is_empty() {
            "<span class=\"muted\">none given</span>".to_string()
        } else {
            esc(&hypothesis.text)
        }
    );
    let _ = writeln!(h, "<figure class=\"figure\">{svg}</figure>");
    if let Some(line) = &interaction {
        let _ = writeln!(h, "<p class=\"interaction\">{}</p>", esc(line));
    }
    let _ = write!(
        h,
        "<section class=\"runs\"><h2>Top runs by {}</h2>\n<table>\n<colgroup><col style=\"width:6%\"><col style=\"width:56%\"><col style=\"width:10%\"><col style=\"width:12%\"><col style=\"width:16%\"></colgroup>\n<thead><tr><th>#</th><th>Cell</th><th class=\"num\">Seed</th><th>Status</th><th class=\"num\">{}</th></tr></thead>\n<tbody>\n",
        spec.metric.name(),
        spec.metric.name()
    );
    for r in &runs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            r.rank,
            esc(&r.cell),
            r.seed,
            esc(&r.status),
            esc(&r.value)
        );
    }
    let _ = write!(h, "</tbody>\n</table>\n</section>\n");
    let _ = writeln!(
        h,
        "<section class=\"prose conclusion\"><h2>Conclusion</h2><div class=\"text\">{}</div></section>",
        if conclusion.text.is_empty() {
            "<span class=\"muted\">not yet written</span>".to_string()
        } else {
            esc(&conclusion.text)
        }
    );
    let _ = write!(h, "</main>\n</body>\n</html>\n");
    Ok(h)
}

/// The report as Markdown with the same content as [`report_html`]; the
/// heatmap is the image file `figure_file` beside it.
pub fn report_markdown(
    spec: &SweepSpec,
    journal: &Journal,
    records: &[TrialRecord],
    figure_file: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", spec.name.trim());
    let _ = writeln!(out, "_{}_\n", facts(spec, records));
    out.push_str(&crate::journal::hypothesis_markdown(spec));
    let alt =
        figure(spec, records).map_or_else(|e| format!("no figure: {e}"), |f| f.title().to_string());
    let _ = writeln!(out, "![{}]({figure_file})\n", alt.replace(['[', ']'], ""));
    if let Some(line) = interaction_summary(spec, records) {
        let _ = writeln!(out, "**Interaction:** {line}\n");
    }
    if let Some(line) = importance_summary(spec, records) {
        let _ = writeln!(out, "**Which axes matter:** {line}\n");
    }
    let metric = spec.metric.name();
    let _ = writeln!(out, "## Top runs by {metric}\n");
    let _ = writeln!(out, "| # | Cell | Seed | Status | {metric} |");
    let _ = writeln!(out, "|--:|---|--:|---|--:|");
    for r in top_runs(spec, records) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.rank,
            table_cell(&r.cell),
            r.seed,
            r.status,
            r.value
        );
    }
    let _ = writeln!(out, "\n## Conclusion\n");
    let conclusion = journal.conclusion.trim();
    let _ = writeln!(
        out,
        "{}",
        if conclusion.is_empty() {
            "_not yet written_"
        } else {
            conclusion
        }
    );
    out
}
