//! `native-sweep`: a thin binary over `sweeplab-native`'s commands.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid" on headless
    // machines when wgpu probes adapters; give them a directory so error
    // output stays one line.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none_or(|v| v.is_empty()) {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sweeplab-runtime-{}", std::process::id()));
        let private = std::fs::Permissions::from_mode(0o700);
        if std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::set_permissions(&dir, private))
            .is_ok()
        {
            // SAFETY: no other thread exists yet.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        }
    }
    let code = sweeplab_native::main_with_args(std::env::args_os());
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|d| d.to_string_lossy().contains("sweeplab-runtime-"))
    {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::process::exit(code);
}
