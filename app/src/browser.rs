//! Small browser chores: downloads, reading picked files, local settings,
//! the clock.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlInputElement, Url};

use sweeplab_core::data::ProvidedFile;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Offer `bytes` as a download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) {
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download_url(name, &url);
    let _ = Url::revoke_object_url(&url);
}

/// Offer a URL (object or data URL) as a download named `name`.
pub fn download_url(name: &str, url: &str) {
    let document = web_sys::window().and_then(|w| w.document());
    let Some(anchor) = document
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok())
    else {
        return;
    };
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
}

/// Largest data file the page reads (64 MiB): the full Fashion-MNIST
/// training images fit (47 MB unpacked); a larger file would be checked on
/// the page's thread and copied to every worker, so it is refused before a
/// byte is read (`native-sweep` streams tables of any size).
pub const MAX_DATA_FILE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// The files chosen in a file input, read into memory; a file over
/// `max_bytes` is refused, with its size, before any is read.
pub async fn read_picked(
    input: &HtmlInputElement,
    max_bytes: Option<f64>,
) -> Result<Vec<ProvidedFile>, String> {
    let mut out = Vec::new();
    let Some(list) = input.files() else {
        return Ok(out);
    };
    let mb = |bytes: f64| bytes / (1024.0 * 1024.0);
    if let Some(max) = max_bytes {
        for i in 0..list.length() {
            let Some(file) = list.item(i) else { continue };
            if file.size() > max {
                return Err(format!(
                    "{}: {:.1} MB is more than the browser app reads ({:.0} MB at most); \
                     native-sweep reads files of any size",
                    file.name(),
                    mb(file.size()),
                    mb(max)
                ));
            }
        }
    }
    for i in 0..list.length() {
        let Some(file) = list.item(i) else { continue };
        let name = file.name();
        let file = gloo_file::File::from(file);
        let bytes = gloo_file::futures::read_as_bytes(&file)
            .await
            .map_err(|e| format!("{name}: cannot read: {e}"))?;
        out.push(ProvidedFile { name, bytes });
    }
    Ok(out)
}

/// A value kept in the browser's local storage.
pub fn setting(key: &str) -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()??
        .get_item(key)
        .ok()?
}

/// Keep a value in local storage.
pub fn set_setting(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// The file input an event came from.
pub fn event_input(ev: &web_sys::Event) -> Option<HtmlInputElement> {
    ev.target()?.dyn_into::<HtmlInputElement>().ok()
}

/// Open an HTML document in a new tab (a print-ready page).
pub fn open_html(html: &str) {
    let parts = Array::new();
    parts.push(&wasm_bindgen::JsValue::from_str(html));
    let options = BlobPropertyBag::new();
    options.set_type("text/html");
    let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    if let (Some(window), Ok(url)) = (web_sys::window(), Url::create_object_url_with_blob(&blob)) {
        let _ = window.open_with_url_and_target(&url, "_blank");
    }
}

/// `navigator.hardwareConcurrency`: the logical cores the browser reports
/// (0 when it does not say).
pub fn hardware_concurrency() -> u32 {
    web_sys::window().map_or(0, |w| w.navigator().hardware_concurrency() as u32)
}

/// The page's URL fragment (without its `#`) when it starts with `prefix`,
/// removed from the address bar so that a reload does not apply it again.
pub fn take_fragment(prefix: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let hash = location.hash().ok()?;
    let fragment = hash.strip_prefix('#').filter(|f| f.starts_with(prefix))?;
    if let (Ok(history), Ok(path), Ok(search)) =
        (window.history(), location.pathname(), location.search())
    {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
    Some(fragment.to_string())
}

/// The page's address without its fragment: what a link into the app
/// starts with, wherever (and under whatever sub-path) the site is served.
pub fn page_address() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|href| href.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}
