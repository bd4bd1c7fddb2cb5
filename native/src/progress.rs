//! Progress: indicatif bars on a terminal (overall and one per running
//! trial), plain log lines otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sweeplab_core::progress::BatchProgress;
use sweeplab_core::record::{EpochMetrics, TrialRecord};
use sweeplab_core::spec::value_label;

/// How progress is shown.
pub enum Progress {
    /// Nothing.
    Quiet,
    /// One line per epoch and per finished trial.
    Lines { total: usize, done: usize },
    /// Bars on a terminal.
    Bars {
        overall: ProgressBar,
        jobs: Vec<ProgressBar>,
    },
}

/// A cell's values as `model.dropout=0.2 model.norm=batch`.
pub fn cell_label(cell: &[sweeplab_core::sweep::AxisValue]) -> String {
    cell.iter()
        .map(|a| format!("{}={}", a.path, value_label(&a.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Progress {
    /// Progress for `total` trials of which `done` are finished, `jobs` at a time.
    pub fn new(total: usize, done: usize, jobs: usize, quiet: bool) -> Self {
        if quiet {
            return Progress::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            return Progress::Lines { total, done };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {pos}/{len} trials  {elapsed} (eta {eta})",
            )
            .expect("template")
            .progress_chars("=> "),
        );
        overall.set_prefix("sweep");
        overall.set_position(done as u64);
        overall.enable_steady_tick(Duration::from_millis(500));
        let jobs = (0..jobs)
            .map(|j| {
                let bar = multi.add(ProgressBar::new(1));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>8} [{bar:30}] {msg}")
                        .expect("template")
                        .progress_chars("=> "),
                );
                bar.set_prefix(format!("job {j}"));
                bar
            })
            .collect();
        Progress::Bars { overall, jobs }
    }

    /// A line above the bars (or on its own).
    pub fn println(&self, line: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Lines { .. } => eprintln!("{line}"),
            Progress::Bars { overall, .. } => overall.println(line),
        }
    }

    /// A job started a trial.
    pub fn start(&self, job: usize, record_label: &str) {
        if let Progress::Bars { jobs, .. } = self {
            jobs[job].set_position(0);
            jobs[job].set_message(record_label.to_string());
        }
    }

    /// A job finished a batch.
    pub fn batch(&self, job: usize, p: &BatchProgress, label: &str) {
        if let Progress::Bars { jobs, .. } = self {
            let bar = &jobs[job];
            bar.set_length((p.epochs * p.batches) as u64);
            bar.set_position(((p.epoch - 1) * p.batches + p.batch) as u64);
            bar.set_message(format!(
                "epoch {}/{} batch {}/{} loss {:.4}  {label}",
                p.epoch, p.epochs, p.batch, p.batches, p.loss
            ));
        }
    }

    /// A job finished an epoch.
    pub fn epoch(&self, label: &str, m: &EpochMetrics) {
        if let Progress::Lines { .. } = self {
            eprintln!(
                "  epoch {} {label}: train loss {:.4} acc {:.4}, val loss {:.4} acc {:.4} ({:.1} s)",
                m.epoch, m.train_loss, m.train_accuracy, m.val_loss, m.val_accuracy, m.seconds
            );
        }
    }

    /// A trial finished.
    pub fn finish(&mut self, record: &TrialRecord) {
        let line = format!(
            "trial {} {} seed {}: {:?}, val_accuracy {:.4} ({:.1} s)",
            record.trial_id,
            cell_label(&record.cell),
            record.seed,
            record.status,
            record.final_metric(sweeplab_core::spec::Metric::ValAccuracy),
            record.seconds()
        )
        .to_lowercase();
        match self {
            Progress::Quiet => {}
            Progress::Lines { total, done } => {
                *done += 1;
                eprintln!("[{done}/{total}] {line}");
            }
            Progress::Bars { overall, .. } => {
                overall.inc(1);
                overall.println(line);
            }
        }
    }

    /// Remove the bars.
    pub fn close(&self) {
        if let Progress::Bars { overall, jobs } = self {
            for j in jobs {
                j.finish_and_clear();
            }
            overall.finish_and_clear();
        }
    }
}
