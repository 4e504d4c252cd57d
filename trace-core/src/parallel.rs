//! Work spread over every core in contiguous, order-keeping chunks: signature checks on ingest and in audits,
//! and the encoding of audit bundles.

use std::thread;

/// `f(position, item)` for every item of `items`, in order, in at most one contiguous chunk per core. A
/// chunk whose thread panicked answers `failed()` for each of its items, so every item still gets an answer
/// and nothing unchecked can pass. Fewer than `min` items, or a single core, run on the calling thread, where
/// a panic in `f` is the caller's own.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(usize, &T) -> R + Sync,
    failed: impl Fn() -> R,
) -> Vec<R> {
    let threads = thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    map_on(threads, items, min, f, failed)
}

fn map_on<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    min: usize,
    f: impl Fn(usize, &T) -> R + Sync,
    failed: impl Fn() -> R,
) -> Vec<R> {
    if items.len() < min.max(2) || threads == 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, c)| {
                let len = c.len();
                (len, s.spawn(move || c.iter().enumerate().map(|(i, t)| f(n * chunk + i, t)).collect::<Vec<R>>()))
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (len, h) in handles {
            match h.join() {
                Ok(rs) => out.extend(rs),
                Err(_) => out.extend((0..len).map(|_| failed())),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::{map, map_on};

    #[test]
    fn answers_every_item_in_order_with_its_position() {
        for threads in [1, 2, 3, 8] {
            for n in [0usize, 1, 2, 63, 64, 65, 1000, 1001] {
                let items: Vec<usize> = (0..n).map(|i| i * 3).collect();
                let out = map_on(threads, &items, 64, |pos, x| (pos, x + 1), || (usize::MAX, 0));
                let want: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 3 + 1)).collect();
                assert_eq!(out, want, "{n} items on {threads} threads");
            }
        }
        assert_eq!(map(&[1, 2, 3], 1, |_, x| x * 2, || 0), vec![2, 4, 6]);
    }

    #[test]
    fn a_panicking_chunk_answers_failed_for_each_of_its_items() {
        let items: Vec<u32> = (0..1000).collect();
        let out = map_on(
            4,
            &items,
            64,
            |_, &x| {
                assert!(x != 999, "the last chunk panics");
                Ok(x)
            },
            || Err(()),
        );
        assert_eq!(out.len(), items.len(), "every item has an answer");
        assert_eq!(out[0], Ok(0), "the first chunk is unaffected");
        // Four chunks of 250: the last one, 750..1000, panicked.
        assert!(out[..750].iter().enumerate().all(|(i, r)| *r == Ok(i as u32)), "the other chunks answer");
        assert!(out[750..].iter().all(|r| *r == Err(())), "each item of the panicked chunk fails");
    }
}
