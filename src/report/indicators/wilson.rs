//! The Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3): unlike
//! the plain "p ± 1.96·se" it stays inside 0–1 and behaves for small n and for 0 % or 100 %,
//! which is what a school's cohort of 25 answers gives.

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson interval of `hits` out of `n`, as fractions (0–1); `None` when `n` is 0.
pub fn wilson95(hits: u64, n: u64) -> Option<(f64, f64)> {
    wilson(hits, n, Z95)
}

/// The Wilson interval of `hits` out of `n` for a given `z`.
pub fn wilson(hits: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || hits > n {
        return None;
    }
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}
