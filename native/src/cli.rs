//! Command-line interface (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Train hyperparameter sweeps with sweeplab on this machine.
#[derive(Debug, Parser)]
#[command(name = "native-sweep", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run (or resume) a sweep into a results directory.
    Run(RunArgs),
    /// Summarise a results directory: table, heatmap.png/.svg, summary.csv.
    Show(ShowArgs),
    /// Combine shard directories of one sweep into one directory.
    Merge(MergeArgs),
    /// (Re)send a results directory to an MLflow server; never duplicates.
    ExportMlflow(ExportArgs),
    /// Print the experiment journal (hypothesis, grid, results, notes,
    /// conclusion) as Markdown.
    Journal(JournalArgs),
    /// Add a timestamped note to the journal, or set its conclusion.
    Note(NoteArgs),
    /// Write the one-page report: report.html (one A4 page), report.md and
    /// report-heatmap.svg/.png.
    Report(ReportArgs),
    /// Download a data set into the cache (sha256-checked) and print where it
    /// is, for a sweep file's `dataset.path`.
    Fetch(FetchArgs),
    /// Write a results directory as one results bundle (zip: sweep file,
    /// records, journal) for the browser app or a colleague; `show` opens one.
    Bundle(BundleArgs),
    /// Write a sweep file over the pair of axes that interact most (or
    /// `--pair`), the other axes fixed at the best cell, 3 repeats or more:
    /// the clean grid for the heatmap after a broad sweep.
    Propose(ProposeArgs),
}

/// `native-sweep propose`.
#[derive(Debug, Args)]
pub struct ProposeArgs {
    /// A results directory (or bundle) of a finished sweep.
    pub dir: PathBuf,
    /// The two axes, comma-separated [default: the strongest interaction].
    #[arg(long, value_name = "AXIS,AXIS")]
    pub pair: Option<String>,
    /// Rank and pick the best cell by this metric [default: the sweep's].
    #[arg(long)]
    pub metric: Option<String>,
    /// The sweep file to write [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `native-sweep bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// A results directory.
    pub dir: PathBuf,
    /// The bundle to write [default: the directory's path with `.zip`].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A data set `fetch` can download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FetchSet {
    /// Fashion-MNIST's four IDX files (60,000 / 10,000 images).
    FashionMnist,
    /// The course's smartwatch gestures zip.
    Gestures,
}

/// `native-sweep fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The data set.
    pub set: FetchSet,
    /// Download from this mirror instead of where the set is published.
    #[arg(long)]
    pub from: Option<String>,
    /// The cache [default: $SWEEPLAB_CACHE, else ~/.cache/sweeplab].
    #[arg(long)]
    pub cache: Option<PathBuf>,
}

/// Where to send results (MLflow).
#[derive(Debug, Args, Clone)]
pub struct TrackingArgs {
    /// MLflow tracking server URI [env: MLFLOW_TRACKING_URI]. Credentials come
    /// from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD.
    #[arg(long = "mlflow")]
    pub mlflow: Option<String>,
    /// MLflow experiment [env: MLFLOW_EXPERIMENT_NAME; default: the sweep's name].
    #[arg(long)]
    pub experiment: Option<String>,
}

/// `native-sweep export-mlflow`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A results directory.
    pub dir: PathBuf,
    /// The server and experiment.
    #[command(flatten)]
    pub tracking: TrackingArgs,
}

/// Where trials train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// A GPU when one is found, else the CPU.
    Auto,
    /// A GPU through wgpu (Vulkan / Metal / DX12).
    Gpu,
    /// The CPU (Burn's flex backend).
    Cpu,
}

/// `native-sweep run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The sweep file (TOML, or JSON with a .json name).
    pub sweep: PathBuf,
    /// Results directory [default: runs/<sweep name>-<sweep id>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Device to train on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Trials trained at the same time.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Run only shard I of N (0-based), e.g. 0/4. Also read from
    /// SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX/SWEEPLAB_SHARD_COUNT.
    #[arg(long)]
    pub shard: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Send every finished trial to MLflow too (the sweep goes on if the
    /// server is unreachable; send later with export-mlflow).
    #[command(flatten)]
    pub tracking: TrackingArgs,
}

/// `native-sweep show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A results directory, or a results bundle (`.zip`, from the browser
    /// app or `native-sweep bundle`), unpacked into a results directory
    /// beside it (the same path without `.zip`).
    pub dir: PathBuf,
    /// Axis along the heatmap's horizontal [default: the first axis].
    #[arg(long)]
    pub x: Option<String>,
    /// Axis along the vertical [default: the second axis].
    #[arg(long)]
    pub y: Option<String>,
    /// Metric to colour by [default: the sweep's metric].
    #[arg(long)]
    pub metric: Option<String>,
    /// Put trials of different epoch budgets in one heatmap anyway.
    #[arg(long)]
    pub allow_mixed_budgets: bool,
}

/// `native-sweep merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard directories of one sweep.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The combined directory.
    #[arg(long)]
    pub out: PathBuf,
}

/// `native-sweep journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// A results directory.
    pub dir: PathBuf,
}

/// `native-sweep note`.
#[derive(Debug, Args)]
pub struct NoteArgs {
    /// A results directory.
    pub dir: PathBuf,
    /// The note (stored with the current time).
    #[arg(conflicts_with = "conclusion")]
    pub text: Option<String>,
    /// Set the conclusion instead (an empty text clears it).
    #[arg(long, value_name = "TEXT")]
    pub conclusion: Option<String>,
}

/// `native-sweep report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results directory.
    pub dir: PathBuf,
}
