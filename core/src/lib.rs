//! sweeplab-core: everything the browser app and the `native-sweep` CLI
//! share, without a deep-learning framework, so that the browser page links
//! none. Data flows one way: [`spec`] → [`sweep`] trials → (trained by the
//! `sweeplab-train` crate, reporting [`progress`]) → [`record`] →
//! [`analysis`] → [`plot`], [`journal`] and [`report`].

#![warn(missing_docs)]

pub mod analysis;
pub mod bundle;
pub mod data;
mod digest;
pub mod estimate;
pub mod identity;
pub mod journal;
pub mod plot;
pub mod progress;
pub mod protocol;
pub mod record;
pub mod report;
pub mod scan;
pub mod share;
pub mod spec;
pub mod sweep;
#[cfg(target_arch = "wasm32")]
pub mod webgpu;

pub use digest::sha256_hex;

/// This library's version, recorded in every trial.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
