//! sweeplab-core's integration tests, one module per area.
//!
//! They are one test binary, not one per file: every test binary links the
//! whole Burn + wgpu + CubeCL stack, so one binary links (and is built) once.

mod analysis_plot;
mod checkpoint;
mod common;
mod data_files;
mod journal_report;
mod model_variants;
mod spec_errors;
mod train_fashion;
mod train_gestures;
