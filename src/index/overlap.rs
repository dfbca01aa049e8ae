//! Database reads on this thread overlapped with work on the pool.
//!
//! A connection stays on the thread that opened it, so reading the index is one thread's
//! work; what is done with what it reads need not be.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `read` on this thread with a `hand` it passes pieces of work to. A piece goes to the
/// pool while fewer than `ahead` are there, else `work` is done on it here and now: this
/// thread never waits for the pool, and what has been read but not worked on stays bounded
/// (a pool busy with other work leaves it all to this thread). Returns what `read` returns,
/// once every piece is worked on.
pub fn overlapped<T: Send, X>(
    ahead: usize,
    work: impl Fn(T) + Sync,
    read: impl FnOnce(&mut dyn FnMut(T)) -> X,
) -> X {
    let at_pool = AtomicUsize::new(0);
    let (work, at_pool) = (&work, &at_pool);
    rayon::in_place_scope(|scope| {
        let mut hand = |piece: T| {
            if at_pool.load(Ordering::Acquire) < ahead {
                at_pool.fetch_add(1, Ordering::AcqRel);
                scope.spawn(move |_| {
                    work(piece);
                    at_pool.fetch_sub(1, Ordering::AcqRel);
                });
            } else {
                work(piece);
            }
        };
        read(&mut hand)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_is_worked_on_once() {
        for ahead in [0, 1, 3, 100] {
            let sum = AtomicUsize::new(0);
            let read = overlapped(
                ahead,
                |x: usize| {
                    sum.fetch_add(x * x, Ordering::Relaxed);
                },
                |hand| {
                    for x in 0..1000 {
                        hand(x);
                    }
                    "read"
                },
            );
            assert_eq!(read, "read");
            assert_eq!(sum.into_inner(), (0..1000).map(|x| x * x).sum::<usize>());
        }
    }
}
