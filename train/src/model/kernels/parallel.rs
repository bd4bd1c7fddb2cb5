//! Splitting a kernel's output into independent chunks: across the current
//! rayon pool natively (which `native-sweep --jobs` sizes per job), one after
//! another in the browser's single-threaded worker.

/// Calls `f(index, chunk)` for every `chunk`-sized piece of `data`.
pub fn for_each_chunk<T: Send>(data: &mut [T], chunk: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        data.par_chunks_mut(chunk.max(1))
            .enumerate()
            .for_each(|(i, c)| f(i, c));
    }
    #[cfg(target_arch = "wasm32")]
    data.chunks_mut(chunk.max(1))
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

/// Calls `f(index, a_chunk, b_chunk)` for matching pieces of two outputs.
pub fn for_each_chunk_pair<T: Send, U: Send>(
    a: &mut [T],
    a_chunk: usize,
    b: &mut [U],
    b_chunk: usize,
    f: impl Fn(usize, &mut [T], &mut [U]) + Sync,
) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        a.par_chunks_mut(a_chunk.max(1))
            .zip(b.par_chunks_mut(b_chunk.max(1)))
            .enumerate()
            .for_each(|(i, (x, y))| f(i, x, y));
    }
    #[cfg(target_arch = "wasm32")]
    a.chunks_mut(a_chunk.max(1))
        .zip(b.chunks_mut(b_chunk.max(1)))
        .enumerate()
        .for_each(|(i, (x, y))| f(i, x, y));
}
