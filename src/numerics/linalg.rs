//! Small dense linear algebra: eigenvalues with one sorting convention (decreasing real part,
//! then decreasing imaginary part), spectral radius.

/// Eigenvalues (re, im) of a small dense matrix, sorted by decreasing real part.
pub fn sorted_eigenvalues(m: &nalgebra::DMatrix<f64>) -> Vec<(f64, f64)> {
    let mut ev: Vec<(f64, f64)> = m
        .complex_eigenvalues()
        .iter()
        .map(|c| (c.re, c.im))
        .collect();
    sort_eigenvalues(&mut ev);
    ev
}

/// Spectral radius of a small dense matrix.
pub fn spectral_radius(m: &nalgebra::DMatrix<f64>) -> f64 {
    m.complex_eigenvalues()
        .iter()
        .map(|c| c.norm())
        .fold(0.0, f64::max)
}

/// Sorts eigenvalues `(re, im)` by decreasing real part, then decreasing imaginary part: the one
/// order every eigenvalue list of ssnlab uses.
pub fn sort_eigenvalues(ev: &mut [(f64, f64)]) {
    ev.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
}
