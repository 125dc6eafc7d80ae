//! Bracketed scalar root finding: Brent's method (zeroin).

/// Brent's method (zeroin: inverse quadratic interpolation, secant and bisection) on a
/// bracket with f(a)·f(b) ≤ 0, converged to a relative accuracy of 2 ulp (absolute
/// 1e-300 near 0). One evaluation of f per iteration, at most 400 iterations. Without a
/// sign change it returns whichever end point has the smaller |f|.
///
/// Written here rather than taken from the `roots` crate, whose Brent uses an absolute
/// tolerance (so never converges for |x| ≫ 1 at 1e-15) and evaluates f twice per iteration.
pub fn brent(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (mut a, mut b) = (a, b);
    let (mut fa, mut fb) = (f(a), f(b));
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    if (fa > 0.0) == (fb > 0.0) || fa.is_nan() || fb.is_nan() {
        return if fa.abs() <= fb.abs() { a } else { b };
    }
    let (mut c, mut fc) = (b, fb);
    let (mut d, mut e) = (b - a, b - a);
    for _ in 0..400 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 2.0 * f64::EPSILON * b.abs() + 0.5e-300;
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            // Interpolate: secant when only two distinct points, inverse quadratic otherwise.
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * m * s, 1.0 - s)
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                (
                    s * (2.0 * m * qq * (qq - r) - (b - a) * (r - 1.0)),
                    (qq - 1.0) * (r - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = f(b);
        if fb.is_nan() {
            // Leave the last good bracket to bisection of what is known.
            return a;
        }
    }
    b
}
