//! sweeplab-core: everything the browser app and the `native-sweep` CLI
//! share. Data flows one way: [`spec`] → [`sweep`] trials → [`model`] →
//! [`train`] loop → [`record`] → [`analysis`] → [`plot`].

#![warn(missing_docs)]

pub mod analysis;
pub mod data;
mod digest;
pub mod identity;
pub mod journal;
pub mod model;
pub mod plot;
pub mod record;
pub mod report;
pub mod spec;
pub mod sweep;
pub mod train;

pub use digest::sha256_hex;

/// This library's version, recorded in every trial.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
