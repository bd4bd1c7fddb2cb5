//! The WebGPU training worker: Burn's wgpu backend (with fusion and
//! sweeplab's WebGPU kernels), falling back to the CPU.

fn main() {
    sweeplab_worker::run();
}
