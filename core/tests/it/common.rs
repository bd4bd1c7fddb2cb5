//! Helpers shared by the integration tests.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

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
        backend: Some(sweeplab_core::record::Backend::Flex),
        device: "cpu".into(),
        finished_ms,
        sweeplab_version: "test".into(),
        ..sweeplab_core::record::TrialRecord::new(spec, &trial)
    }
}

/// `python3 -m http.server` on a free 127.0.0.1 port, serving `dir`; killed on drop.
pub struct Server(Child, pub u16);

impl Server {
    /// Serve `dir`; the port is `.1`.
    pub fn start(dir: &std::path::Path) -> Server {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed to serve test files");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 43125 (http://127.0.0.1:43125/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|p| p.parse().ok());
        Server(
            child,
            port.unwrap_or_else(|| panic!("unexpected http.server banner {line:?}")),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
