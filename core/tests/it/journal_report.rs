//! The journal (cell table, Markdown) and the one-page report over
//! synthetic trial records of a real sweep file's grid.

use crate::common;

use sweeplab_core::journal::{
    self, CellRow, Journal, Note, cell_rows, format_utc, journal_markdown, note_markdown,
};
use sweeplab_core::record::{EpochMetrics, TrialRecord, TrialStatus};
use sweeplab_core::report::{self, report_html, report_markdown};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::expand;

fn sweep(repeats: usize) -> SweepSpec {
    SweepSpec::from_toml(&format!(
        r#"
        name = "dropout-x-norm"
        hypothesis = "BatchNorm lets the network tolerate more dropout."
        repeats = {repeats}
        [dataset]
        name = "fashion-mnist"
        train_limit = 500
        [base.train]
        epochs = 3
        [[axes]]
        path = "model.dropout"
        values = [0.0, 0.5]
        [[axes]]
        path = "model.norm"
        values = ["none", "batch"]
        "#
    ))
    .unwrap()
}

/// Records whose validation accuracy climbs to `value(x, y, repeat)` over
/// three epochs (`v - 0.2`, `v - 0.1`, `v`); training accuracy is 0.05
/// above, losses fixed, 2 s per epoch, params 100 + 10 x.
fn records(spec: &SweepSpec, value: impl Fn(usize, usize, usize) -> f64) -> Vec<TrialRecord> {
    expand(spec)
        .into_iter()
        .map(|t| {
            let (x, y) = (t.cell_index[0], t.cell_index[1]);
            let v = value(x, y, t.repeat);
            let epochs = (1..=3)
                .map(|e| {
                    let val = v - 0.1 * (3 - e) as f64;
                    EpochMetrics {
                        epoch: e,
                        train_loss: 0.5 + 0.1 * y as f64,
                        train_accuracy: val + 0.05,
                        val_loss: 0.7 + 0.1 * x as f64,
                        val_accuracy: val,
                        lr: 1e-3,
                        seconds: 2.0,
                    }
                })
                .collect();
            common::finished_record(spec, t, epochs, 100 + 10 * x, 6000)
        })
        .collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn cell_rows_summarise_each_cell_in_trial_order() {
    let spec = sweep(3);
    let noise = [0.01, 0.0, -0.01];
    let mut recs = records(&spec, |x, y, r| {
        0.75 + 0.1 * y as f64 - 0.05 * x as f64 + noise[r]
    });
    // Cell (dropout 0.5, norm none): one repeat diverges, one fails.
    let diverged = recs
        .iter()
        .position(|r| r.cell_index_is(1, 0) && r.repeat == 1)
        .unwrap();
    recs[diverged].status = TrialStatus::Diverged;
    recs[diverged].epochs[2].val_accuracy = f64::NAN;
    let failed = recs
        .iter()
        .position(|r| r.cell_index_is(1, 0) && r.repeat == 2)
        .unwrap();
    recs[failed].status = TrialStatus::Failed;
    recs.reverse(); // grouping follows trial order, not file order

    let rows = cell_rows(&recs, &spec, 0.8);
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "model.dropout=0.0, model.norm=none",
            "model.dropout=0.0, model.norm=batch",
            "model.dropout=0.5, model.norm=none",
            "model.dropout=0.5, model.norm=batch",
        ]
    );

    // (0.0, batch): final val accuracy 0.86, 0.85, 0.84.
    let r: &CellRow = &rows[1];
    assert_eq!((r.finished, r.diverged, r.failed), (3, 0, 0));
    assert!(close(r.val_accuracy, 0.85), "{r:?}");
    assert!(close(r.train_accuracy, 0.90), "{r:?}");
    assert!(close(r.overfitting_gap, 0.05), "{r:?}");
    assert!(close(r.train_loss, 0.6) && close(r.val_loss, 0.7), "{r:?}");
    assert!(close(r.seconds, 6.0), "{r:?}");
    assert_eq!(r.params, Some(100));
    // Epochs climb v - 0.2, v - 0.1, v: 0.8 is first reached in epoch 3.
    assert_eq!(r.reached_threshold, 3);
    assert!(close(r.epochs_to_threshold, 3.0), "{r:?}");
    let m = r.metric.unwrap();
    assert_eq!(m.n, 3);
    assert!((m.mean - 0.85).abs() < 1e-9);
    // std 0.01, t(0.975, 2) = 4.302653: half-width 0.024841.
    assert!((m.ci_high - m.mean - 4.302653 * 0.01 / 3f64.sqrt()).abs() < 1e-6);

    // (0.5, none): one finished (0.71), one diverged, one failed; the
    // diverged and failed trials are counted, not averaged.
    let r = &rows[2];
    assert_eq!((r.finished, r.diverged, r.failed), (1, 1, 1));
    assert!(close(r.val_accuracy, 0.71), "{r:?}");
    assert_eq!(r.metric.unwrap().n, 1);
    assert_eq!(r.params, Some(110));
    assert_eq!(r.reached_threshold, 0);
    assert_eq!(r.epochs_to_threshold, None);

    // A lower threshold is reached earlier.
    let rows = cell_rows(&recs, &spec, 0.6);
    assert!(close(rows[1].epochs_to_threshold, 1.0), "{:?}", rows[1]);
}

#[test]
fn utc_times_are_formatted_without_a_clock_library() {
    assert_eq!(format_utc(0), "1970-01-01 00:00");
    assert_eq!(format_utc(1_795_593_300_000), "2026-11-25 07:55");
    assert_eq!(format_utc(1_709_251_199_999), "2024-02-29 23:59");
    assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00");
}

#[test]
fn journal_markdown_has_every_section_the_template_asks_for() {
    let spec = sweep(2);
    let noise = [0.004, -0.004];
    let mut recs = records(&spec, |x, y, r| {
        0.85 - if y == 0 { 0.1 * x as f64 } else { 0.0 } + noise[r]
    });
    recs[0].status = TrialStatus::Diverged;
    let journal = Journal {
        notes: vec![
            Note {
                at_ms: 1_795_593_300_000,
                text: "Dropout 0.5 without norm | looks worse".into(),
            },
            Note {
                at_ms: 1_795_596_900_000,
                text: "Second thought:\nrerun with 5 epochs".into(),
            },
        ],
        conclusion: "The interaction is real.".into(),
    };
    let md = journal_markdown(&spec, &journal, &recs);
    let at = |needle: &str| {
        md.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{md}"))
    };
    // Sections in the template's order.
    let order = [
        "# dropout-x-norm",
        "## Hypothesis",
        "BatchNorm lets the network tolerate more dropout.",
        "## Experiment",
        "## Results",
        "## Notes",
        "## Conclusion",
        "The interaction is real.",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{pair:?} out of order:\n{md}");
    }
    at("- **Grid:** `model.dropout` ∈ {0.0, 0.5} × `model.norm` ∈ {none, batch} = 4 cells");
    at("- **Repeats:** 2 per cell (seeds 0–1)");
    at("- **Epochs:** 3");
    at("- **Dataset:** fashion-mnist (train limit 500)");
    at("- **Trials:** 8 of 8 recorded (7 finished, 1 diverged, 0 failed or cancelled)");
    // The table: header, alignment row, one row per cell.
    at(
        "| Cell | n | Train acc | Val acc | Train loss | Val loss | Gap | Epochs to 80% | Params | Seconds | val_accuracy (95% CI) | Diverged | Failed |",
    );
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with("| model.")).collect();
    assert_eq!(table.len(), 4, "{md}");
    assert!(
        table[0].starts_with("| model.dropout=0.0, model.norm=none | 1 | 89.6% | 84.6% | 0.5000 | 0.7000 | +5.0 pp | 3.0 | 100 | 6.00 | 0.8460 [0.8460, 0.8460] | 1 | 0 |"),
        "{}",
        table[0]
    );
    // (0.5, none) ends at 0.754/0.746: the threshold is never reached.
    assert!(
        table[2].contains("| 75.0% |") && table[2].contains("| — |"),
        "{}",
        table[2]
    );
    assert!(
        md.contains("**Interaction:** model.dropout × model.norm: F(1, 3) = "),
        "{md}"
    );
    // Notes: UTC times, pipes kept (not a table), continuation indented.
    at("- **2026-11-25 07:55** Dropout 0.5 without norm | looks worse");
    at("- **2026-11-25 08:55** Second thought:\n  rerun with 5 epochs");

    // No records, notes or conclusion yet.
    let empty = journal_markdown(&spec, &Journal::default(), &[]);
    assert!(empty.contains("_no trials recorded yet_"), "{empty}");
    assert!(empty.contains("_no notes yet_"), "{empty}");
    assert!(
        empty
            .trim_end()
            .ends_with("## Conclusion\n\n_not yet written_"),
        "{empty}"
    );
    assert!(!empty.contains("| Cell |"));

    let note = note_markdown(&spec, &journal);
    assert!(note.starts_with("**Hypothesis:** BatchNorm lets"), "{note}");
    assert!(
        note.contains("- **2026-11-25 07:55** Dropout 0.5"),
        "{note}"
    );
    assert!(
        note.ends_with("**Conclusion:** The interaction is real."),
        "{note}"
    );
    assert_eq!(journal::DEFAULT_THRESHOLD, 0.8);
}

#[test]
fn report_is_self_contained_and_sized_for_one_a4_page() {
    let spec = sweep(2);
    let noise = [0.004, -0.004];
    let recs = records(&spec, |x, y, r| {
        0.85 - if y == 0 { 0.1 * x as f64 } else { 0.0 } + noise[r]
    });
    let journal = Journal {
        notes: vec![],
        conclusion: "Dropout <hurts> only without BatchNorm & that is the interaction.".into(),
    };
    let html = report_html(&spec, &journal, &recs).unwrap();
    for needle in [
        "@page { size: A4; margin: 12mm }",
        "height: 271mm; overflow: hidden",
        "<h1>dropout-x-norm</h1>",
        "BatchNorm lets the network tolerate more dropout.",
        "<svg class=\"heatmap\"",
        "model.dropout × model.norm: F(1, 4) = ",
        "Dropout &lt;hurts&gt; only without BatchNorm &amp; that is the interaction.",
        "<th class=\"num\">val_accuracy</th>",
    ] {
        assert!(html.contains(needle), "no {needle:?} in the HTML");
    }
    // Self-contained: nothing fetched from elsewhere.
    for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
        let outside_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_svg_ns.contains(external),
            "HTML refers to {external}"
        );
    }
    // Top five runs, best first: repeat 0 of the three cells at 0.85, then
    // repeat 1 of those; (0.5, none) is the worst cell.
    let rows: Vec<&str> = html.lines().filter(|l| l.starts_with("<tr><td>")).collect();
    assert_eq!(rows.len(), report::TOP_RUNS);
    for row in &rows[..3] {
        assert!(row.contains(">0.8540<"), "{row}");
    }
    assert!(rows[3].contains(">0.8460<"), "{}", rows[3]);
    assert!(
        !rows
            .iter()
            .any(|r| r.contains("model.dropout=0.5, model.norm=none")),
        "{rows:?}"
    );

    // Long texts get smaller fonts; very long ones are cut, saying so.
    let long = SweepSpec {
        name: "a-very-long-sweep-name-".repeat(8),
        hypothesis: "word ".repeat(150),
        ..spec.clone()
    };
    let long_journal = Journal {
        notes: vec![],
        conclusion: "conclusion ".repeat(500),
    };
    let long_html = report_html(&long, &long_journal, &recs).unwrap();
    assert!(
        long_html.contains("h1 { font-size: 11pt"),
        "title font not reduced"
    );
    assert!(long_html.contains(".hypothesis { font-size: 8pt"));
    assert!(long_html.contains(".conclusion { font-size: 7pt"));
    assert_eq!(
        long_html
            .matches("(cut here; the full text is in the journal)")
            .count(),
        1,
        "only the conclusion is too long to fit"
    );
    assert!(long_html.contains(".conclusion .text { -webkit-line-clamp: 14;"));

    let md = report_markdown(&spec, &journal, &recs, "report-heatmap.svg");
    assert!(md.starts_with("# dropout-x-norm\n"));
    assert!(md.contains("](report-heatmap.svg)"), "{md}");
    assert!(md.contains("**Interaction:** model.dropout × model.norm: F(1, 4)"));
    assert!(
        md.contains("\n## Conclusion\n\nDropout <hurts> only"),
        "{md}"
    );
    assert_eq!(md.lines().filter(|l| l.starts_with("| 1 |")).count(), 1);

    // Nothing to plot is an error, not an empty page.
    let err = report_html(&spec, &journal, &[]).unwrap_err();
    assert!(
        matches!(&err, sweeplab_core::report::ReportError::NoRecords { sweep } if *sweep == spec.name),
        "{err:?}"
    );
    assert!(err.to_string().contains("no trial records"), "{err}");
}

trait CellIs {
    fn cell_index_is(&self, x: usize, y: usize) -> bool;
}

impl CellIs for TrialRecord {
    fn cell_index_is(&self, x: usize, y: usize) -> bool {
        let spec = sweep(1);
        self.cell[0].value == spec.axes[0].values[x] && self.cell[1].value == spec.axes[1].values[y]
    }
}

#[test]
fn with_more_than_two_axes_the_journal_and_report_say_which_axes_matter() {
    let text = sweep(3).to_toml() + "\n[[axes]]\npath = \"train.batch_size\"\nvalues = [32, 64]\n";
    let spec = SweepSpec::from_toml(&text).unwrap();
    assert_eq!(spec.axes.len(), 3);
    // Dropout and norm interact; batch size changes nothing.
    let recs = records(&spec, |x, y, r| {
        0.6 + 0.1 * (x * y) as f64 + 0.02 * x as f64 + 0.005 * r as f64
    });
    let line = journal::importance_summary(&spec, &recs).unwrap();
    assert!(line.starts_with("partial η² model.dropout "), "{line}");
    assert!(line.contains("train.batch_size 0.00"), "{line}");
    assert!(
        line.contains("strongest pair model.dropout × model.norm "),
        "{line}"
    );
    let markdown = journal_markdown(&spec, &Journal::default(), &recs);
    assert!(
        markdown.contains(&format!("**Which axes matter:** {line}")),
        "{markdown}"
    );
    let report = report_markdown(&spec, &Journal::default(), &recs, "heatmap.svg");
    assert!(report.contains("**Which axes matter:**"), "{report}");
    // Two axes: the interaction line says it all.
    assert_eq!(
        journal::importance_summary(&sweep(3), &records(&sweep(3), |_, _, r| r as f64)),
        None
    );
}
