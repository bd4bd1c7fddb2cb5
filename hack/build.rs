//! Empty: it exists so that cargo resolves this crate's build dependencies
//! (the feature pins in Cargo.toml).

fn main() {}
