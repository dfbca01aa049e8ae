//! Advice to the kernel and the processor about memory.

/// Asks Linux to back the whole 2 MiB pages inside `v` with transparent huge pages, where the
/// system allows it on request (`/sys/kernel/mm/transparent_hugepage/enabled` set to
/// `madvise` or `always`); elsewhere, and on other systems, does nothing. Call it on an array
/// read at random (signature rows, bucket members) before it is first written: with 4 KiB
/// pages nearly every random read of a 100 MB array also misses the TLB, and the page walk
/// stalls the read and the prefetches meant to hide it (at 200,000 documents the verify
/// stage's prefetches of signature rows cost 4x the samples with 4 KiB pages).
pub fn huge_pages<T>(v: &mut [T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 1 << 21;
        let start = v.as_mut_ptr() as usize;
        let end = start + std::mem::size_of_val(v);
        let (from, to) = (start.next_multiple_of(HUGE), end & !(HUGE - 1));
        if to > from {
            // SAFETY: the range lies inside `v`'s allocation; the advice changes how its
            // pages are backed, never their contents. A refusal (an old kernel) is harmless.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// Asks the processor to bring `data` into cache (a hint: it never faults).
#[inline(always)]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let (p, bytes) = (data.as_ptr().cast::<i8>(), std::mem::size_of_val(data));
        for off in (0..bytes).step_by(64) {
            // SAFETY: prefetching only hints the cache; the address is inside `data`.
            unsafe {
                use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch(p.wrapping_add(off), _MM_HINT_T0);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}
