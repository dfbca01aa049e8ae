//! Helpers shared by the unit tests.

/// A xorshift generator from `seed` (not 0): fixed, fast test data without a dependency.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}
