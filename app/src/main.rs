//! The page's entry point (Trunk's main binary).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(sweeplab_app::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("sweeplab-app runs in a browser: build it with `trunk build` (see the README)");
}
