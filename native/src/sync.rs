//! Connecting a results directory to MLflow: `export-mlflow`, and the
//! live export during `run`.

use crate::cli::{ExportArgs, TrackingArgs};
use crate::error::{CliError, input};
use crate::mlflow::{Client, Exporter, MlflowError, TrackingConfig};
use crate::results::ResultsDir;
use sweeplab_core::record::TrialRecord;
use sweeplab_core::spec::SweepSpec;
use sweeplab_core::sweep::sweep_id;

/// The server config from flags and environment, if any.
pub fn tracking_config(args: &TrackingArgs) -> Option<TrackingConfig> {
    TrackingConfig::from_env(args.mlflow.as_deref(), &|k| {
        std::env::var(k).ok().filter(|v| !v.is_empty())
    })
}

/// The experiment name: flag, `MLFLOW_EXPERIMENT_NAME`, or the sweep's name.
pub fn experiment_name(args: &TrackingArgs, spec: &SweepSpec) -> String {
    args.experiment
        .clone()
        .or_else(|| {
            std::env::var("MLFLOW_EXPERIMENT_NAME")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_else(|| spec.name.clone())
}

/// The ids other than today's that `records` of `spec` carry: given by an
/// older sweeplab, whose MLflow runs are tagged with them.
pub fn earlier_sweep_ids(spec: &SweepSpec, records: &[TrialRecord]) -> Vec<String> {
    let id = sweep_id(spec);
    let mut ids: Vec<String> = records
        .iter()
        .filter(|r| r.sweep_id != id)
        .map(|r| r.sweep_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Send every one of `records` (the results directory's, read by the
/// caller, so that a file that does not read stops the export with its
/// error instead of exporting nothing) the server lacks, and update the
/// parent run.
pub fn export_all(
    exporter: &mut Exporter,
    results: &ResultsDir,
    records: &[TrialRecord],
) -> Result<usize, MlflowError> {
    let mut sent = 0;
    for r in records {
        sent += usize::from(exporter.export_record(r)?);
    }
    exporter.finish(results, records)?;
    Ok(sent)
}

/// `native-sweep export-mlflow DIR`.
pub fn export_mlflow(args: &ExportArgs) -> Result<i32, CliError> {
    let results = ResultsDir::open(&args.dir)?;
    let records = results.records()?;
    let config = tracking_config(&args.tracking)
        .ok_or_else(|| input("--mlflow: no server given (or set MLFLOW_TRACKING_URI)"))?;
    let experiment = experiment_name(&args.tracking, &results.spec);
    let earlier = earlier_sweep_ids(&results.spec, &records);
    let mut exporter = Exporter::connect(Client::new(config), &experiment, &results.spec, &earlier)
        .map_err(|e| input(e.to_string()))?;
    let sent = export_all(&mut exporter, &results, &records)
        .map_err(|e| CliError::Runtime(e.to_string()))?;
    eprintln!(
        "exported {sent} new trial runs to experiment {experiment:?} (the rest were there already)"
    );
    Ok(0)
}
