//! sweeplab's training workers (Trunk's worker binaries): Web Workers that
//! take trials from the page and train them through sweeplab-train. Two
//! builds of this library: `cpu_worker` (Burn's flex backend only, a small
//! download) and `gpu_worker` (feature `gpu`: WebGPU, with the CPU as its
//! fallback). The page fetches a worker only when a sweep trains, and the
//! WebGPU one only when the sweep trains on WebGPU.

#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod device;
#[cfg(target_arch = "wasm32")]
mod observer;
#[cfg(target_arch = "wasm32")]
mod runner;
#[cfg(target_arch = "wasm32")]
mod startup;
#[cfg(target_arch = "wasm32")]
mod subset;

/// Start the worker: run the module's static constructors once, then listen
/// for the page's commands.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    startup::start();
    runner::start();
}

/// Natively there is no worker: it runs in a browser.
#[cfg(not(target_arch = "wasm32"))]
pub fn run() {
    eprintln!("the sweeplab worker runs in a browser: build it with `trunk build`");
}
