//! The CPU training worker: Burn's flex backend, no WebGPU.

fn main() {
    sweeplab_worker::run();
}
