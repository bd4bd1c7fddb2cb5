//! `native-sweep`: a thin binary over `sweeplab-native`'s commands.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(sweeplab_native::main_with_args(std::env::args_os()));
}
