//! `native-sweep fetch`: a published data set into the cache, checked
//! against its sha256, and the path a sweep file names it by.

use sweeplab_core::data::download;

use crate::cli::{FetchArgs, FetchSet};
use crate::error::CliError;

/// Run the command: download what is missing, print the path.
pub fn fetch(args: &FetchArgs) -> Result<i32, CliError> {
    let cache = args.cache.clone().unwrap_or_else(download::cache_dir);
    let from = |published: &str| args.from.clone().unwrap_or_else(|| published.to_string());
    // A failed download or a wrong checksum is the network's or the
    // mirror's fault, not the user's input: exit code 1.
    let failed = |e: sweeplab_core::data::DataError| CliError::Runtime(e.to_string());
    let (path, name) = match args.set {
        FetchSet::FashionMnist => (
            download::fetch_fashion_mnist(
                &from(download::FASHION_MNIST_URL),
                &cache.join("fashion-mnist"),
            )
            .map_err(failed)?,
            "fashion-mnist",
        ),
        FetchSet::Gestures => (
            download::fetch_gestures(&from(download::GESTURES_URL), &cache).map_err(failed)?,
            "gestures",
        ),
    };
    println!("{}", path.display());
    eprintln!(
        "in a sweep file: [dataset] name = \"{name}\", path = \"{}\"",
        path.display()
    );
    Ok(0)
}
