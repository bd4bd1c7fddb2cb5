//! `native-sweep`'s integration tests, one module per area.
//!
//! They are one test binary, not one per file: every test binary links the
//! whole Burn + wgpu + CubeCL stack, so one binary links (and is built) once.

mod cli;
mod common;
mod compat;
mod gpu;
mod journal_report;
mod mlflow;
