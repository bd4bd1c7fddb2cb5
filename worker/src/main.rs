//! sweeplab's training worker (Trunk's worker binary): a Web Worker that
//! takes sweeps from the page and trains them through sweeplab-train on
//! WebGPU or the CPU. The page loads it only when a sweep trains.

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

#[cfg(target_arch = "wasm32")]
fn main() {
    startup::start();
    runner::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the sweeplab worker runs in a browser: build it with `trunk build`");
}
