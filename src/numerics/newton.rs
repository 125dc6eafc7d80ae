//! Newton's method for F(x) = 0 with a central-difference Jacobian and optional backtracking.

use nalgebra::{DMatrix, DVector};

/// Central-difference Jacobian of `f` at `x`: column m uses the step `h_m = rel · max(|x_m|,
/// floor)` when `additive` is false, or `rel · (1 + |x_m|)` when it is true.
pub fn fd_jacobian(
    mut f: impl FnMut(&[f64], &mut [f64]),
    x: &[f64],
    rel: f64,
    floor: f64,
    additive: bool,
) -> DMatrix<f64> {
    let d = x.len();
    let mut jac = DMatrix::zeros(d, d);
    let (mut fp, mut fm) = (vec![0.0; d], vec![0.0; d]);
    let mut y = x.to_vec();
    for m in 0..d {
        let h = if additive {
            rel * (1.0 + x[m].abs())
        } else {
            rel * x[m].abs().max(floor)
        };
        y[m] = x[m] + h;
        f(&y, &mut fp);
        y[m] = x[m] - h;
        f(&y, &mut fm);
        y[m] = x[m];
        for row in 0..d {
            jac[(row, m)] = (fp[row] - fm[row]) / (2.0 * h);
        }
    }
    jac
}

/// How a Newton iteration decides it is done.
#[derive(Debug, Clone, Copy)]
pub struct NewtonOptions {
    /// Most iterations.
    pub max_iter: usize,
    /// Backtrack (halve the step until the residual norm decreases by the Armijo factor
    /// 1 − 1e-4 λ, down to λ = 1e-6) instead of taking full steps.
    pub backtrack: bool,
}

/// Solves F(x) = 0 from `x0`, with `jac(x)` the Jacobian, `norm(F, x)` the residual measure
/// and `converged(norm, x)` the stopping rule. Returns None when a linear solve fails, the
/// state turns non-finite, backtracking stalls, or `max_iter` is reached; then, when
/// `accept_last(norm)` holds for the final residual, the last iterate is still returned.
pub fn solve(
    x0: &[f64],
    opts: NewtonOptions,
    mut f: impl FnMut(&[f64], &mut [f64]),
    mut jac: impl FnMut(&[f64]) -> DMatrix<f64>,
    norm: impl Fn(&[f64], &[f64]) -> f64,
    converged: impl Fn(f64, &[f64]) -> bool,
    accept_last: impl Fn(f64) -> bool,
) -> Option<Vec<f64>> {
    let d = x0.len();
    let mut x = x0.to_vec();
    let mut r = vec![0.0; d];
    f(&x, &mut r);
    for _ in 0..opts.max_iter {
        let nr = norm(&r, &x);
        if !nr.is_finite() {
            return None;
        }
        if converged(nr, &x) {
            return Some(x);
        }
        let step = jac(&x).lu().solve(&DVector::from_column_slice(&r))?;
        if !opts.backtrack {
            for m in 0..d {
                x[m] -= step[m];
            }
            if x.iter().any(|v| !v.is_finite()) {
                return None;
            }
            f(&x, &mut r);
            continue;
        }
        let mut lam = 1.0;
        let mut rn = vec![0.0; d];
        loop {
            let xn: Vec<f64> = x
                .iter()
                .zip(step.iter())
                .map(|(a, b)| a - lam * b)
                .collect();
            f(&xn, &mut rn);
            let n = norm(&rn, &xn);
            if n.is_finite() && n < (1.0 - 1e-4 * lam) * nr {
                x = xn;
                std::mem::swap(&mut r, &mut rn);
                break;
            }
            lam *= 0.5;
            if lam < 1e-6 {
                return None;
            }
        }
    }
    let nr = norm(&r, &x);
    (nr.is_finite() && accept_last(nr)).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// x² + y² = 4, x = y: the root (√2, √2) to 1e-12, with and without backtracking.
    #[test]
    fn circle_and_line() {
        let f = |x: &[f64], r: &mut [f64]| {
            r[0] = x[0] * x[0] + x[1] * x[1] - 4.0;
            r[1] = x[0] - x[1];
        };
        for backtrack in [false, true] {
            let x = solve(
                &[3.0, 0.5],
                NewtonOptions {
                    max_iter: 50,
                    backtrack,
                },
                f,
                |x| fd_jacobian(f, x, 1e-6, 1e-3, false),
                |r, _| r.iter().map(|v| v * v).sum::<f64>().sqrt(),
                |n, _| n < 1e-13,
                |_| false,
            )
            .expect("converges");
            let s = 2f64.sqrt();
            assert!(
                (x[0] - s).abs() < 1e-12 && (x[1] - s).abs() < 1e-12,
                "{x:?}"
            );
        }
    }
}
