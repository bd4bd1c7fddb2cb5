//! sweeplab-core's integration tests, one module per area.
//!
//! They are one test binary, not one per file (so it is built and linked
//! once). Tests that train are `sweeplab-train`'s.

mod analysis_plot;
// Some helpers serve the tests of sweeplab-train and native-sweep, which
// include this file too.
#[allow(dead_code)]
mod common;
mod data_files;
mod journal_report;
mod scan;
mod spec_errors;
