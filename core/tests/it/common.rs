//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// `../shared/data/<rel>` next to the repository.
pub fn shared_data(rel: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let path = root.join(rel);
    assert!(
        path.exists(),
        "{} is missing: tests read the real data sets from ../shared/data",
        path.display()
    );
    path
}

/// The reference CNN (two conv + batch-norm + pool blocks, dense 64, dropout
/// 0.25; Adam 1e-3, batch 64) as a sweep file.
pub fn reference_sweep(train_limit: usize, epochs: usize) -> sweeplab_core::spec::SweepSpec {
    let dir = shared_data("fashion-mnist");
    sweeplab_core::spec::SweepSpec::from_toml(&format!(
        r#"
        name = "reference"
        seed = 1
        [dataset]
        name = "fashion-mnist"
        path = "{}"
        train_limit = {train_limit}
        [base.model]
        kind = "cnn"
        conv_blocks = 2
        channels = [16, 32]
        norm = "batch"
        pool = "max"
        dense = [64]
        dropout = 0.25
        [base.train]
        optimizer = "adam"
        lr = 1e-3
        batch_size = 64
        epochs = {epochs}
        "#,
        dir.display()
    ))
    .expect("reference sweep is valid")
}

/// A finished record of `trial` in `spec` with the given epochs: synthetic
/// results for analysis, plot and report tests.
pub fn finished_record(
    spec: &sweeplab_core::spec::SweepSpec,
    trial: sweeplab_core::sweep::Trial,
    epochs: Vec<sweeplab_core::record::EpochMetrics>,
    params: usize,
    finished_ms: u64,
) -> sweeplab_core::record::TrialRecord {
    sweeplab_core::record::TrialRecord {
        epochs,
        params,
        backend: "flex".into(),
        device: "cpu".into(),
        finished_ms,
        sweeplab_version: "test".into(),
        ..sweeplab_core::record::TrialRecord::new(spec, &trial)
    }
}
