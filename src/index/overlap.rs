//! Database reads on this thread overlapped with work on the pool.
//!
//! A connection stays on the thread that opened it, so reading the index is one thread's
//! work; what is done with what it reads need not be.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `read` on this thread with a `hand` it passes pieces of work to. A piece goes to the
/// pool while fewer than `ahead` are there, else `work` is done on it here and now: this
/// thread never waits for the pool, and what has been read but not worked on stays bounded
/// (a pool busy with other work leaves it all to this thread). Returns what `read` returns
/// and the results of `work`, in the order the pieces were handed over.
pub fn overlapped<T: Send, R: Send, X>(
    ahead: usize,
    work: impl Fn(T) -> R + Sync,
    read: impl FnOnce(&mut dyn FnMut(T)) -> X,
) -> (X, Vec<R>) {
    let at_pool = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let (work, done_ref, at_pool_ref) = (&work, &done, &at_pool);
    let out = rayon::in_place_scope(|scope| {
        let mut handed = 0;
        let mut hand = |piece: T| {
            let at = handed;
            handed += 1;
            if at_pool_ref.load(Ordering::Acquire) < ahead {
                at_pool_ref.fetch_add(1, Ordering::AcqRel);
                scope.spawn(move |_| {
                    let r = work(piece);
                    done_ref.lock().expect("not poisoned").push((at, r));
                    at_pool_ref.fetch_sub(1, Ordering::AcqRel);
                });
            } else {
                let r = work(piece);
                done_ref.lock().expect("not poisoned").push((at, r));
            }
        };
        read(&mut hand)
    });
    let mut done = done.into_inner().expect("not poisoned");
    done.sort_unstable_by_key(|&(at, _)| at);
    (out, done.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_is_worked_on_once_and_results_come_in_order() {
        for ahead in [0, 1, 3, 100] {
            let (read, results) = overlapped(
                ahead,
                |x: u64| x * x,
                |hand| {
                    for x in 0..1000u64 {
                        hand(x);
                    }
                    "read"
                },
            );
            assert_eq!(read, "read");
            assert_eq!(results, (0..1000u64).map(|x| x * x).collect::<Vec<_>>());
        }
    }
}
