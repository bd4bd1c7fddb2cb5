//! sweeplab-train's integration tests: training on the real data sets, model
//! variants and checkpoints, one module per area.
//!
//! They are one test binary, not one per file: every test binary links the
//! whole Burn + wgpu + CubeCL stack, so one binary links (and is built) once.

mod checkpoint;
/// The helpers sweeplab-core's integration tests use (one copy for both
/// crates; not every helper is used here).
#[allow(dead_code)]
#[path = "../../../core/tests/it/common.rs"]
mod common;
mod model_variants;
mod train_fashion;
mod train_gestures;
