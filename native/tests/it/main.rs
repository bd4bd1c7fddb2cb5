//! `native-sweep`'s integration tests, one module per area.
//!
//! They are one test binary, not one per file: every test binary links the
//! whole Burn + wgpu + CubeCL stack, so one binary links (and is built) once.

mod cli;
mod common;
mod compat;
/// sweeplab-core's test helpers (the record builder), one copy for every
/// crate's tests; not every helper is used here.
#[allow(dead_code)]
#[path = "../../../core/tests/it/common.rs"]
mod core_fixtures;
mod gpu;
mod journal_report;
mod kubernetes;
mod mlflow;
mod scans;
mod slurm;
mod tables;
