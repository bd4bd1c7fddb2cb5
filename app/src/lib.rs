//! sweeplab-app: the browser page. A Leptos UI ([`ui`]) sets up sweeps,
//! stores everything in IndexedDB ([`store`]) and hands training to a Web
//! Worker ([`worker_host`]; the worker is the `sweeplab-worker` crate), which
//! trains on WebGPU, or on the CPU when the browser has no adapter. The page
//! links no training code: it draws forms, tables and plots.
//!
//! The page is for `wasm32-unknown-unknown`; on other targets the crate
//! holds only its pure logic ([`form`], [`schedule`], [`shown`]), which its tests check natively.

#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod form;
pub mod schedule;
pub mod shown;
#[cfg(target_arch = "wasm32")]
pub mod store;
#[cfg(target_arch = "wasm32")]
pub mod sweep_entry;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker_host;
