//! The journal and the one-page report as a user makes them: a real sweep,
//! notes and a conclusion through the CLI, `report`, and the HTML printed
//! by headless Chromium must be exactly one A4 page (checked with poppler's
//! `pdfinfo` and `pdftotext`).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sweeplab_core::journal::Journal;
use sweeplab_core::record::{EpochMetrics, TrialRecord, TrialStatus};
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::expand;

use crate::common::{native, scratch, stderr, stdout};
use crate::core_fixtures;

const CHROMIUM: &str = "/usr/bin/chromium";

const HYPOTHESIS: &str = "BatchNorm tolerates dropout better than no normalisation.";

fn sweep_text() -> String {
    format!(
        r#"
name = "journal-test"
hypothesis = "{HYPOTHESIS}"
repeats = 2
[dataset]
name = "fashion-mnist"
train_limit = 200
val_limit = 200
[base.model]
kind = "mlp"
dense = [32]
[base.train]
epochs = 1
[[axes]]
path = "model.dropout"
values = [0.0, 0.5]
[[axes]]
path = "model.norm"
values = ["none", "batch"]
"#
    )
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    o
}

/// Whitespace collapsed to single spaces (PDF text comes in lines).
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Print `html` to `pdf` with headless Chromium (a fresh profile each time).
fn print_to_pdf(html: &Path, pdf: &Path) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the one-page check prints report.html with headless Chromium \
         (install the chromium and poppler-utils packages)"
    );
    let profile = pdf.with_extension("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_file(pdf);
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium did not print {} within 120 s", html.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        std::fs::metadata(pdf).is_ok_and(|m| m.len() > 0),
        "chromium wrote no PDF for {}",
        html.display()
    );
}

/// `pdfinfo`'s page count and page size line.
fn pdf_pages(pdf: &Path) -> (usize, String) {
    let o = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo (poppler-utils) is needed for the one-page check");
    assert!(o.status.success(), "pdfinfo: {}", stderr(&o));
    let info = stdout(&o);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in pdfinfo output:\n{info}"))
    };
    (field("Pages:").parse().unwrap(), field("Page size:"))
}

fn pdf_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(o.status.success(), "pdftotext: {}", stderr(&o));
    squash(&stdout(&o))
}

/// Print the directory's report.html; assert one A4 page; return its text.
fn one_page_text(dir: &Path) -> String {
    let pdf = dir.join("report.pdf");
    print_to_pdf(&dir.join("report.html"), &pdf);
    let (pages, size) = pdf_pages(&pdf);
    eprintln!(
        "{}: pdfinfo Pages: {pages}, Page size: {size}",
        pdf.display()
    );
    assert_eq!(pages, 1, "report.html printed as {pages} pages");
    assert!(size.contains("(A4)"), "page size {size}");
    pdf_text(&pdf)
}

#[test]
fn notes_conclusion_journal_and_a_one_page_report_of_a_real_sweep() {
    let dir = scratch("journal", "real");
    let sweep = dir.join("sweep.toml");
    std::fs::write(&sweep, sweep_text()).unwrap();
    let out = dir.join("out");
    let out_s = out.to_str().unwrap();
    ok(native(&[
        "run",
        sweep.to_str().unwrap(),
        "-q",
        "--out",
        out_s,
    ]));

    // Bad input: one line, exit code 2, nothing written.
    let not_results = dir.join("not-results");
    std::fs::create_dir_all(&not_results).unwrap();
    let nr = not_results.to_str().unwrap();
    for args in [
        vec!["note", nr, "a note"],
        vec!["note", nr, "--conclusion", "done"],
        vec!["journal", nr],
        vec!["report", nr],
    ] {
        let o = native(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("not a results directory"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(
        std::fs::read_dir(&not_results).unwrap().count(),
        0,
        "nothing written into a directory that holds no results"
    );
    for args in [vec!["note", out_s, "  "], vec!["note", out_s]] {
        let o = native(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{args:?}: {}", stderr(&o));
    }
    assert!(
        !out.join("journal.json").exists(),
        "refused notes write nothing"
    );

    // Notes and the conclusion, kept in journal.json.
    ok(native(&[
        "note",
        out_s,
        "Dropout 0.5 without norm looks worse.",
    ]));
    ok(native(&[
        "note",
        out_s,
        "Second look: BatchNorm cells are close.",
    ]));
    let conclusion = "Conclusion written by the test: BatchNorm and dropout interact.";
    ok(native(&["note", out_s, "--conclusion", conclusion]));
    let journal: Journal =
        serde_json::from_str(&std::fs::read_to_string(out.join("journal.json")).unwrap()).unwrap();
    assert_eq!(journal.notes.len(), 2);
    assert_eq!(
        journal.notes[1].text,
        "Second look: BatchNorm cells are close."
    );
    assert!(journal.notes[0].at_ms <= journal.notes[1].at_ms && journal.notes[0].at_ms > 0);
    assert_eq!(journal.conclusion, conclusion);

    let md = stdout(&ok(native(&["journal", out_s])));
    for needle in [
        "# journal-test",
        HYPOTHESIS,
        "Dropout 0.5 without norm looks worse.",
        "Second look: BatchNorm cells are close.",
        conclusion,
        "| model.dropout=0.0, model.norm=none | 2 |",
        "**Interaction:** model.dropout × model.norm: F(1, 4) = ",
        "- **Trials:** 8 of 8 recorded (8 finished",
    ] {
        assert!(md.contains(needle), "journal lacks {needle:?}:\n{md}");
    }
    assert!(!md.contains("_not yet written_"), "{md}");

    // The report files, their paths printed.
    let o = ok(native(&["report", out_s]));
    let printed: Vec<String> = stdout(&o).lines().map(String::from).collect();
    let names = [
        "report.html",
        "report.md",
        "report-heatmap.svg",
        "report-heatmap.png",
    ];
    assert_eq!(printed.len(), names.len(), "{printed:?}");
    for (line, name) in printed.iter().zip(names) {
        assert_eq!(Path::new(line), out.join(name));
        assert!(
            std::fs::metadata(line).unwrap().len() > 0,
            "{line} is empty"
        );
    }
    let png = std::fs::read(out.join("report-heatmap.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let report_md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report_md.contains("](report-heatmap.svg)"), "{report_md}");
    assert!(report_md.contains(conclusion), "{report_md}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg class=\"heatmap\""));
    assert!(
        !html.contains("<img") && !html.contains("<link"),
        "self-contained"
    );

    let text = one_page_text(&out);
    for needle in [HYPOTHESIS, "F(1, 4) =", conclusion, "journal-test"] {
        assert!(text.contains(needle), "the PDF lacks {needle:?}:\n{text}");
    }
}

/// A results directory written by hand: an 8x8 grid with long axis values,
/// a long name and hypothesis, and a very long conclusion; 128 synthetic
/// trials (nothing trained).
fn synthetic_big_sweep(dir: &Path) -> String {
    let channels: Vec<String> = (0..8)
        .map(|i| {
            let list: Vec<String> = (0..16).map(|k| (1000 - 10 * i - k).to_string()).collect();
            format!("[{}]", list.join(", "))
        })
        .collect();
    let dense: Vec<String> = (0..8)
        .map(|i| {
            let list: Vec<String> = (0..8).map(|k| (8000 - 100 * i - k).to_string()).collect();
            format!("[{}]", list.join(", "))
        })
        .collect();
    let name = format!(
        "an-unreasonably-long-sweep-name-{}-that-keeps-going-without-any-spaces-at-all",
        "channels-by-dense-widths-".repeat(4)
    );
    let hypothesis = "Wider convolutional stacks only help when the dense head is wide \
                      enough to use their features; with narrow heads the extra channels \
                      add parameters and overfitting but no validation accuracy. "
        .repeat(3);
    let text = format!(
        r#"
name = "{name}"
hypothesis = "{}"
repeats = 2
[dataset]
name = "fashion-mnist"
train_limit = 1000
[base.train]
epochs = 4
[[axes]]
path = "model.channels"
values = [{}]
[[axes]]
path = "model.dense"
values = [{}]
"#,
        hypothesis.trim(),
        channels.join(", "),
        dense.join(", ")
    );
    let spec = SweepSpec::from_toml(&text).unwrap();
    assert_eq!(spec.trial_count(), 128);
    let records: String = expand(&spec)
        .into_iter()
        .map(|t| {
            let (x, y) = (t.cell_index[0] as f64, t.cell_index[1] as f64);
            let v = 0.7 + 0.01 * x + 0.012 * y + 0.002 * x * y + 0.003 * t.repeat as f64;
            let epochs = (1..=4)
                .map(|e| EpochMetrics {
                    epoch: e,
                    train_loss: 1.0 / e as f64,
                    train_accuracy: v + 0.03,
                    val_loss: 1.1 / e as f64,
                    val_accuracy: v - 0.05 * (4 - e) as f64,
                    lr: 1e-3,
                    seconds: 3.0,
                })
                .collect();
            let diverged = t.index % 37 == 5;
            TrialRecord {
                status: if diverged {
                    TrialStatus::Diverged
                } else {
                    TrialStatus::Finished
                },
                diverged_epoch: diverged.then_some(2),
                started_ms: 1_795_593_300_000,
                ..core_fixtures::finished_record(&spec, t, epochs, 123_456, 1_795_593_312_000)
            }
            .to_json_line()
                + "\n"
        })
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("sweep.toml"), &text).unwrap();
    std::fs::write(dir.join("trials.jsonl"), records).unwrap();
    name
}

#[test]
fn an_8x8_grid_with_long_names_and_a_long_conclusion_is_still_one_page() {
    let dir = scratch("journal", "big");
    let out = dir.join("out");
    let name = synthetic_big_sweep(&out);
    let out_s = out.to_str().unwrap();
    let opening = "Opening sentence of the long conclusion: the interaction is real.";
    let conclusion = format!(
        "{opening} {}",
        "Wide heads make use of wide convolutional stacks, narrow heads do not; \
         the gap grows with every doubling of the channels and the effect is the \
         same for both seeds. "
            .repeat(20)
    );
    assert!(conclusion.len() > 3000);
    ok(native(&[
        "note",
        out_s,
        "Synthetic trials: nothing was trained.",
    ]));
    ok(native(&["note", out_s, "--conclusion", &conclusion]));
    let o = ok(native(&["report", out_s]));
    assert_eq!(stdout(&o).lines().count(), 4, "{}", stdout(&o));

    let text = one_page_text(&out);
    for needle in [
        opening,
        "F(49, 60) =",
        "Wider convolutional stacks only help",
        "Top runs by val_accuracy",
        "Conclusion",
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle:?}:\n{text}");
    }
    // The name wraps and is all there (pdftotext drops hyphens at line ends).
    let compact = |t: &str| -> String {
        t.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect()
    };
    assert!(
        compact(&text).contains(&compact(&name)),
        "the title lost part of the name:\n{text}"
    );
    // The conclusion is too long for its slot: cut at a word, saying so.
    assert!(
        text.contains("(cut here; the full text is in the journal)"),
        "{text}"
    );

    // The journal has a row per cell and counts the diverged trials apart.
    let md = stdout(&ok(native(&["journal", out_s])));
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| model.channels="))
        .count();
    assert_eq!(rows, 64, "{md}");
    assert!(
        md.contains("(124 finished, 4 diverged, 0 failed or cancelled)"),
        "{md}"
    );
}

#[test]
fn merge_carries_the_notes_of_every_shard_and_the_first_conclusion() {
    let dir = scratch("journal", "merge");
    let (a, b) = (dir.join("a"), dir.join("b"));
    synthetic_big_sweep(&a);
    synthetic_big_sweep(&b);
    let journal = |notes: &[(u64, &str)], conclusion: &str| {
        serde_json::json!({
            "notes": notes.iter().map(|(t, s)| serde_json::json!({"at_ms": t, "text": s})).collect::<Vec<_>>(),
            "conclusion": conclusion,
        })
        .to_string()
    };
    std::fs::write(
        a.join("journal.json"),
        journal(&[(2000, "second, from shard a"), (1000, "shared")], ""),
    )
    .unwrap();
    std::fs::write(
        b.join("journal.json"),
        journal(&[(1000, "shared"), (3000, "third, from shard b")], "from b"),
    )
    .unwrap();
    let merged = dir.join("merged");
    ok(native(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]));
    let j: Journal =
        serde_json::from_str(&std::fs::read_to_string(merged.join("journal.json")).unwrap())
            .unwrap();
    let texts: Vec<&str> = j.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        ["shared", "second, from shard a", "third, from shard b"]
    );
    assert_eq!(j.conclusion, "from b");

    // A broken journal is one line, exit 2, and stops the merge before writing.
    std::fs::write(b.join("journal.json"), "{not json").unwrap();
    let again = dir.join("again");
    let o = native(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("not a journal"), "{}", stderr(&o));
    assert!(!again.exists());
}
