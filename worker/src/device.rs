//! Which device the worker trains on: WebGPU when the browser offers a
//! usable adapter (and the sweep asked for it), else Burn's CPU backend;
//! each kept for later sweeps, and WebGPU given up for good once it reports
//! an error.

use std::cell::RefCell;

use burn::prelude::Device;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use sweeplab_core::protocol::BackendChoice;
use sweeplab_core::record::Backend;

use crate::runner::scope;

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

/// WebGPU's adapter description and whether it is a software (fallback)
/// adapter, or why there is none.
async fn webgpu_adapter() -> Result<(String, bool), String> {
    let navigator = Reflect::get(&scope(), &"navigator".into()).map_err(|_| "no navigator")?;
    let gpu = Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU (navigator.gpu is missing)".into());
    }
    let request: js_sys::Function = Reflect::get(&gpu, &"requestAdapter".into())
        .map_err(|_| "navigator.gpu.requestAdapter is missing")?
        .unchecked_into();
    let promise: js_sys::Promise = request
        .call0(&gpu)
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?
        .unchecked_into();
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU offers no adapter on this machine".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| {
        Reflect::get(&info, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    let fallback = Reflect::get(&info, &"isFallbackAdapter".into())
        .ok()
        .and_then(|v| v.as_bool())
        .or_else(|| {
            Reflect::get(&adapter, &"isFallbackAdapter".into())
                .ok()
                .and_then(|v| v.as_bool())
        })
        .unwrap_or(false);
    let mut name = [field("description"), field("architecture"), field("vendor")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    if name.is_empty() {
        name = "WebGPU adapter".into();
    }
    if fallback {
        name.push_str(" (software)");
    }
    Ok((name, fallback))
}

/// The device for `choice`: WebGPU when asked for and usable, else the CPU,
/// with the reason WebGPU was not used. Kept for the next sweep.
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
        match webgpu_adapter().await {
            Ok((adapter, true)) if choice == BackendChoice::Auto => {
                fallback_reason = Some(format!(
                    "the WebGPU adapter is a software one ({adapter}): the CPU backend is faster; choose \"WebGPU, any adapter\" to use it anyway"
                ))
            }
            Ok((adapter, _)) => match Device::wgpu_options().init_with_setup_async().await {
                Ok((device, setup)) => {
                    // CubeCL's handler panics on any uncaptured WebGPU error
                    // (an invalid shader, say). Keep the first one instead:
                    // the sweep re-runs that trial on the CPU and carries on
                    // there (run_sweep), so no wrong number is recorded.
                    setup.device.on_uncaptured_error(std::sync::Arc::new(
                        |error: burn::tensor::wgpu::wgpu::Error| {
                            let line = error.to_string().lines().next().unwrap_or("").to_string();
                            web_sys::console::warn_1(&format!("WebGPU: {error}").into());
                            if let Ok(mut slot) = GPU_ERROR.lock() {
                                slot.get_or_insert(line);
                            }
                        },
                    ));
                    let ready = Ready {
                        device,
                        backend: Backend::Wgpu,
                        adapter,
                        fallback_reason: None,
                    };
                    DEVICES.with_borrow_mut(|s| s.gpu = Some(ready.clone()));
                    return ready;
                }
                Err(e) => fallback_reason = Some(format!("WebGPU did not start: {e}")),
            },
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
