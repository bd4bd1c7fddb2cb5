//! sweeplab-app: the browser front end. A Leptos page ([`ui`]) sets up
//! sweeps, stores everything in IndexedDB ([`store`]) and hands training to
//! a Web Worker ([`runner`]) that runs the core's training loop on WebGPU,
//! or on the CPU when the browser has no adapter.
//!
//! Everything here is for `wasm32-unknown-unknown`; on other targets the
//! crate is empty.

#![cfg(target_arch = "wasm32")]
#![warn(missing_docs)]

pub mod browser;
pub mod protocol;
pub mod runner;
pub mod startup;
pub mod store;
pub mod sweep_entry;
pub mod ui;
pub mod worker_host;
