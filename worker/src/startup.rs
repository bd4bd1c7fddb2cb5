//! What the training worker does first, before it takes a message.

unsafe extern "C" {
    /// The wasm linker's function that runs every static constructor of the
    /// module (cubecl registers its IR dialects through `inventory`).
    fn __wasm_call_ctors();
}

/// Runs the module's static constructors, once, and sets the panic hook.
///
/// Calling `__wasm_call_ctors` explicitly matters for speed: without such a
/// call, wasm-ld links a binary as a "command" and wraps *every* export in a
/// call to it, so each call from JavaScript into wasm (wasm-bindgen's
/// externref table, every WebGPU descriptor object) re-ran thousands of
/// constructors. That was most of the worker's time in a WebGPU training step.
pub fn start() {
    // SAFETY: the linker-synthesised constructor runner; called once, before
    // anything reads what the constructors register.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
}
