//! Export to an MLflow tracking server over its REST API: a small typed
//! client (no maintained Rust client exists) and the sweep → runs mapping.

mod client;
mod export;

pub use client::{Client, MlflowError, TrackingConfig};
pub use export::Exporter;
