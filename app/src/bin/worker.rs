//! The training worker's entry point (Trunk's worker binary).

#[cfg(target_arch = "wasm32")]
fn main() {
    sweeplab_app::startup::start();
    sweeplab_app::runner::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the sweeplab worker runs in a browser: build it with `trunk build`");
}
