//! The embedded Fashion-MNIST subset in the browser: its four files are
//! static assets of the site (Trunk copies them beside the page), fetched
//! the first time a sweep trains on them and kept in the browser's Cache
//! Storage, so no wasm module carries the 3 MB and later sweeps, and visits,
//! read them without the network.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, Response};

use sweeplab_core::data::ProvidedFile;
use sweeplab_core::data::images::{EMBEDDED_SITE_DIR, IDX_FILES};

/// One cache per sweeplab version: a newer build may ship another subset.
fn cache_name() -> String {
    format!("sweeplab-data-{}", sweeplab_core::VERSION)
}

/// The subset's four IDX files, from the cache or the site.
pub async fn fetch() -> Result<Vec<ProvidedFile>, String> {
    let cache = open_cache().await;
    let mut files = Vec::with_capacity(IDX_FILES.len());
    for name in IDX_FILES {
        let url = format!("./{EMBEDDED_SITE_DIR}/{name}");
        let bytes = fetch_one(cache.as_ref(), &url)
            .await
            .map_err(|e| format!("the embedded Fashion-MNIST subset: {url}: {e}"))?;
        files.push(ProvidedFile {
            name: name.to_string(),
            bytes,
        });
    }
    Ok(files)
}

/// Cache Storage exists only in secure contexts (https, localhost): without
/// it every sweep fetches the files again (the HTTP cache may still serve).
async fn open_cache() -> Option<Cache> {
    let caches = crate::runner::scope().caches().ok()?;
    let cache = JsFuture::from(caches.open(&cache_name())).await.ok()?;
    cache.dyn_into().ok()
}

async fn fetch_one(cache: Option<&Cache>, url: &str) -> Result<Vec<u8>, String> {
    let js = |e: JsValue| format!("{e:?}");
    if let Some(cache) = cache {
        let hit = JsFuture::from(cache.match_with_str(url))
            .await
            .map_err(js)?;
        if let Ok(response) = hit.dyn_into::<Response>() {
            return body(response).await;
        }
    }
    let response: Response = JsFuture::from(crate::runner::scope().fetch_with_str(url))
        .await
        .map_err(js)?
        .dyn_into()
        .map_err(js)?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    if let Some(cache) = cache {
        // A failed put only costs a fetch next time.
        let copy = response.clone().map_err(js)?;
        let _ = JsFuture::from(cache.put_with_str(url, &copy)).await;
    }
    body(response).await
}

async fn body(response: Response) -> Result<Vec<u8>, String> {
    let js = |e: JsValue| format!("{e:?}");
    let buffer = JsFuture::from(response.array_buffer().map_err(js)?)
        .await
        .map_err(js)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
