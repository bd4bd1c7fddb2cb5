//! What this browser offers for WebGPU (`navigator.gpu.requestAdapter()`),
//! read the same way by the page (which decides which training worker to
//! start, [`crate::protocol::placement`]) and by the WebGPU worker. Works in
//! a window and in a worker: it reads `navigator` off the global scope.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::protocol::Adapter;

/// The adapter WebGPU offers here, or why there is none.
pub async fn adapter() -> Adapter {
    match probe().await {
        Ok((name, true)) => Adapter::Software(name),
        Ok((name, false)) => Adapter::Hardware(name),
        Err(reason) => Adapter::Missing(reason),
    }
}

/// The adapter's description and whether it is a software (fallback) one.
async fn probe() -> Result<(String, bool), String> {
    let navigator =
        Reflect::get(&js_sys::global(), &"navigator".into()).map_err(|_| "no navigator")?;
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
