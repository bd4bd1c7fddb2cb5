//! No code: this crate only pins the features of compile-time crates so that
//! the native, worker and page builds share them (its Cargo.toml says why).
