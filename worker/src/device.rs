//! Which device the worker trains on: in the WebGPU worker (feature `gpu`)
//! WebGPU when the browser offers a usable adapter (and the sweep asked for
//! it), else Burn's CPU backend; in the CPU worker always the CPU. Each is
//! kept for later sweeps, and WebGPU given up for good once it reports an
//! error.

use std::cell::RefCell;

use burn::prelude::Device;

use sweeplab_core::protocol::BackendChoice;
#[cfg(feature = "gpu")]
use sweeplab_core::protocol::{Placement, placement};
use sweeplab_core::record::Backend;

/// A device the worker trained on before, kept for the next sweep.
#[derive(Clone)]
pub struct Ready {
    /// Where tensors live.
    pub device: Device,
    /// Its backend, for records.
    pub backend: Backend,
    /// Adapter description, or the CPU's.
    pub adapter: String,
    /// Why WebGPU was not used, when it was asked for.
    pub fallback_reason: Option<String>,
}

/// The devices made so far, and why WebGPU is no longer used.
#[derive(Default)]
struct Devices {
    gpu: Option<Ready>,
    cpu: Option<Ready>,
    /// Why WebGPU is no longer used in this worker (it reported an error).
    gpu_broken: Option<String>,
}

thread_local! {
    static DEVICES: RefCell<Devices> = RefCell::new(Devices::default());
}

/// The first uncaptured WebGPU error since the last [`take_gpu_error`]. An
/// error means some kernel did not run, so the numbers of the trial that
/// was training cannot be trusted.
static GPU_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The first WebGPU error since the last call, if any.
pub fn take_gpu_error() -> Option<String> {
    GPU_ERROR.lock().ok()?.take()
}

/// Stop using WebGPU in this worker, for `reason` (it reported an error).
pub fn give_up_gpu(reason: &str) {
    DEVICES.with_borrow_mut(|s| {
        s.gpu = None;
        s.gpu_broken = Some(reason.to_string());
    });
}

/// The device for `choice`: WebGPU when asked for, built in and usable,
/// else the CPU, with the reason WebGPU was not used. Kept for the next
/// sweep.
pub async fn device(choice: BackendChoice) -> Ready {
    let cached = DEVICES.with_borrow(|s| match choice {
        BackendChoice::Auto | BackendChoice::Gpu => s.gpu.clone(),
        BackendChoice::Cpu => s.cpu.clone(),
    });
    if let Some(ready) = cached {
        return ready;
    }
    let mut fallback_reason = DEVICES.with_borrow(|s| s.gpu_broken.clone());
    if choice != BackendChoice::Cpu && fallback_reason.is_none() {
        match gpu_device(choice).await {
            Ok(ready) => {
                DEVICES.with_borrow_mut(|s| s.gpu = Some(ready.clone()));
                return ready;
            }
            Err(reason) => fallback_reason = Some(reason),
        }
    }
    let ready = Ready {
        device: Device::flex(),
        backend: Backend::Flex,
        adapter: "CPU (wasm, 1 thread)".into(),
        fallback_reason: None,
    };
    // Cached without a reason: one applies to the sweep that fell back only.
    DEVICES.with_borrow_mut(|s| s.cpu = Some(ready.clone()));
    Ready {
        fallback_reason,
        ..ready
    }
}

/// WebGPU on the adapter [`placement`] allows for `choice`, or why not.
#[cfg(feature = "gpu")]
async fn gpu_device(choice: BackendChoice) -> Result<Ready, String> {
    let adapter = match placement(choice, &sweeplab_core::webgpu::adapter().await) {
        Placement::Gpu { adapter } => adapter,
        Placement::Cpu { reason } => return Err(reason.unwrap_or_default()),
    };
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU did not start: {e}"))?;
    // CubeCL's handler panics on any uncaptured WebGPU error (an invalid
    // shader, say). Keep the first one instead: the sweep re-runs that trial
    // on the CPU and carries on there (runner::run_sweep), so no wrong number
    // is recorded.
    setup.device.on_uncaptured_error(std::sync::Arc::new(
        |error: burn::tensor::wgpu::wgpu::Error| {
            let line = error.to_string().lines().next().unwrap_or("").to_string();
            web_sys::console::warn_1(&format!("WebGPU: {error}").into());
            if let Ok(mut slot) = GPU_ERROR.lock() {
                slot.get_or_insert(line);
            }
        },
    ));
    Ok(Ready {
        device,
        backend: Backend::Wgpu,
        adapter,
        fallback_reason: None,
    })
}

/// This worker is the CPU one: it has no WebGPU backend (the page starts the
/// WebGPU worker for sweeps that train there).
#[cfg(not(feature = "gpu"))]
async fn gpu_device(_choice: BackendChoice) -> Result<Ready, String> {
    Err("this is the CPU training worker (the WebGPU one trains on WebGPU)".into())
}
