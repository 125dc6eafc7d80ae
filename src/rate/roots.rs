//! Certified isolation of every root of H = P − Q on an interval, with P and Q convex
//! (a difference-of-convex function), and of concave scalar functions.
//!
//! On a sub-interval [x1, x2], a convex function lies above its tangents and below its chord.
//! So H is bounded below by max(tangent_P) − chord_Q and above by chord_P − max(tangent_Q);
//! an interval whose bounds exclude 0 holds no root. H' = P' − Q' with P', Q' increasing, so
//! H' ∈ [P'(x1) − Q'(x2), P'(x2) − Q'(x1)]; an interval where that excludes 0 holds at most
//! one root, found by a sign change and Brent's method. Anything else is bisected. The
//! procedure misses nothing except roots closer together than the resolution `1e-13·x`
//! (reported as one, flagged as a double root).

use crate::numerics::roots::brent;
/// Value and derivative of a scalar function.
pub type ValDeriv = (f64, f64);

/// A root found in an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    /// Location.
    pub x: f64,
    /// True when the root could not be separated from a neighbour (tangential/double root).
    pub double: bool,
}

/// Values and derivatives (p, p′, q, q′) of the two convex parts at one point.
#[derive(Debug, Clone, Copy)]
pub struct DcEval {
    /// p(x).
    pub p: f64,
    /// p′(x).
    pub dp: f64,
    /// q(x).
    pub q: f64,
    /// q′(x).
    pub dq: f64,
}

impl DcEval {
    /// h = p − q.
    #[inline]
    pub fn h(&self) -> f64 {
        self.p - self.q
    }
}

/// Lower bound of a convex f on [x1, x2] from the two end tangents, minus the chord of a
/// convex g: max(tangents of f) − chord(g), minimised over the corners of that piecewise
/// linear function (x1, x2 and the tangents' crossing).
#[inline]
fn tangent_minus_chord(x1: f64, x2: f64, f: [f64; 4], g: [f64; 4]) -> f64 {
    // f = [f1, df1, f2, df2], g = [g1, _, g2, _].
    let [f1, df1, f2, df2] = f;
    let [g1, _, g2, _] = g;
    let chord = |x: f64| {
        if x2 == x1 {
            g1
        } else {
            g1 + (g2 - g1) * (x - x1) / (x2 - x1)
        }
    };
    let tan = |x: f64| (f1 + df1 * (x - x1)).max(f2 + df2 * (x - x2));
    let mut m = (tan(x1) - chord(x1)).min(tan(x2) - chord(x2));
    if df2 != df1 {
        let xi = (f2 - df2 * x2 - f1 + df1 * x1) / (df1 - df2);
        if xi > x1 && xi < x2 {
            // The two tangents are equal at their crossing; evaluating max() there cancels
            // catastrophically when the values are huge (1e20 − 1e20), so take the smaller of
            // the two evaluations, which can only loosen (never falsify) the bound.
            let t = (f1 + df1 * (xi - x1)).min(f2 + df2 * (xi - x2));
            m = m.min(t - chord(xi));
        }
    }
    m
}

/// The root of h = p − q in [x1, x2] where h is monotone and changes sign: Newton steps
/// with h′ = p′ − q′ (free with the values), safeguarded by the shrinking bracket and
/// falling back to bisection when a step leaves it or stalls. Converged to 4 ulp.
fn newton_bracketed(pq: &dyn Fn(f64) -> DcEval, x1: f64, h1: f64, x2: f64, h2: f64) -> f64 {
    // Keep h(lo) < 0 < h(hi) (lo may be to the right of hi).
    let (mut lo, mut hi) = if h1 < 0.0 { (x1, x2) } else { (x2, x1) };
    // Start from the secant point of the bracket.
    let mut x = x1 + (x2 - x1) * h1 / (h1 - h2);
    if !(x.is_finite() && x > x1.min(x2) && x < x1.max(x2)) {
        x = 0.5 * (x1 + x2);
    }
    let mut dx_old = (x2 - x1).abs();
    for _ in 0..200 {
        let e = pq(x);
        let (h, dh) = (e.h(), e.dp - e.dq);
        if h == 0.0 || !h.is_finite() {
            return x;
        }
        if h < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let step = h / dh;
        if step.abs() <= 4.0 * f64::EPSILON * x.abs().max(f64::MIN_POSITIVE) {
            return x - step;
        }
        let newton = x - step;
        // Newton while it stays inside the bracket and keeps shrinking the step; otherwise
        // bisect (geometrically across decades, as the roots span many).
        let inside = newton.is_finite() && (newton - lo) * (newton - hi) < 0.0;
        let step_ok = inside && step.abs() <= 0.9 * dx_old;
        let (a, b) = (lo.min(hi), lo.max(hi));
        let next = if step_ok {
            newton
        } else if a > 0.0 && b / a > 4.0 {
            (a * b).sqrt()
        } else {
            0.5 * (a + b)
        };
        dx_old = (next - x).abs();
        if dx_old <= 4.0 * f64::EPSILON * next.abs().max(f64::MIN_POSITIVE)
            || (hi - lo).abs() <= 4.0 * f64::EPSILON * lo.abs().max(hi.abs())
        {
            return next;
        }
        x = next;
    }
    x
}

/// Every root of p(x) − q(x) on [lo, hi], p and q convex; `pq` returns both with their
/// derivatives at one point (so shared work, e.g. one `powf`, is done once). Each point is
/// evaluated once: end-point values travel with the sub-intervals. Returns the roots and
/// whether the whole interval was searched (false when the work budget ran out or p − q was
/// not finite on a sub-interval too small to split further).
pub fn dc_roots(pq: &dyn Fn(f64) -> DcEval, lo: f64, hi: f64) -> (Vec<Root>, bool) {
    let mut out: Vec<Root> = Vec::new();
    let mut stack = vec![(lo, hi, pq(lo), pq(hi), 0u32)];
    let mut budget = 200_000usize;
    let mut searched = true;
    // Geometric splits across decades (also from 0: [0, X] splits at √X while X > 4), so a
    // cutoff of 1e127 is resolved in a few dozen levels rather than 400 halvings.
    let split = |x1: f64, x2: f64| {
        if x1 > 0.0 && x2 / x1 > 4.0 {
            (x1 * x2).sqrt()
        } else if x1 == 0.0 && x2 > 4.0 {
            x2.sqrt()
        } else {
            0.5 * (x1 + x2)
        }
    };
    while let Some((x1, x2, e1, e2, depth)) = stack.pop() {
        if budget == 0 {
            searched = false;
            break;
        }
        budget -= 1;
        let (h1, h2) = (e1.h(), e2.h());
        if !(h1.is_finite() && h2.is_finite()) {
            // Overflow at an end (huge rates): split towards the finite part rather than
            // dropping the whole interval.
            if depth < 2000 && x2 - x1 > 1e-13 * x2.abs().max(1e-300) {
                let xm = split(x1, x2);
                let em = pq(xm);
                stack.push((xm, x2, em, e2, depth + 1));
                stack.push((x1, xm, e1, em, depth + 1));
            } else {
                searched = false;
            }
            continue;
        }
        // Lower bound: max(tangents of p) − chord(q); upper bound: chord(p) − max(tangents
        // of q), i.e. −(max(tangents of q) − chord(p)).
        let pv = [e1.p, e1.dp, e2.p, e2.dp];
        let qv = [e1.q, e1.dq, e2.q, e2.dq];
        let lower = tangent_minus_chord(x1, x2, pv, qv);
        let upper = -tangent_minus_chord(x1, x2, qv, pv);
        if lower > 0.0 || upper < 0.0 {
            continue;
        }
        let dmin = e1.dp - e2.dq;
        let dmax = e2.dp - e1.dq;
        if dmin > 0.0 || dmax < 0.0 {
            if h1 == 0.0 {
                out.push(Root {
                    x: x1,
                    double: false,
                });
            } else if h2 == 0.0 {
                out.push(Root {
                    x: x2,
                    double: false,
                });
            } else if (h1 > 0.0) != (h2 > 0.0) {
                out.push(Root {
                    x: newton_bracketed(pq, x1, h1, x2, h2),
                    double: false,
                });
            }
            continue;
        }
        let width = x2 - x1;
        if width <= 1e-13 * x2.abs().max(1e-300) || depth > 400 {
            let xm = 0.5 * (x1 + x2);
            let em = pq(xm);
            let scale = em.p.abs() + em.q.abs() + 1e-300;
            if em.h().abs() <= 1e-9 * scale || (h1 > 0.0) != (h2 > 0.0) {
                out.push(Root {
                    x: xm,
                    double: true,
                });
            }
            continue;
        }
        let xm = split(x1, x2);
        let em = pq(xm);
        stack.push((xm, x2, em, e2, depth + 1));
        stack.push((x1, xm, e1, em, depth + 1));
    }
    out.sort_by(|a, b| a.x.total_cmp(&b.x));
    // Near a tangential root h rounds to exactly 0 on a whole small interval, and several
    // sub-intervals report a "root": merge neighbours between which h stays at round-off
    // level into one double root at the cluster's centre.
    let flat = |x: f64| {
        let e = pq(x);
        e.h().abs() <= 1e-12 * (e.p.abs() + e.q.abs())
    };
    let mut merged: Vec<Root> = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        let mut j = i;
        while j + 1 < out.len()
            && (out[j + 1].x - out[j].x <= 1e-12 * out[j + 1].x.abs().max(1e-300)
                || flat(0.5 * (out[j].x + out[j + 1].x)))
        {
            j += 1;
        }
        merged.push(if j == i {
            out[i]
        } else {
            Root {
                x: 0.5 * (out[i].x + out[j].x),
                double: true,
            }
        });
        i = j + 1;
    }
    (merged, searched)
}

/// Every root (at most two) of a concave function g on [lo, ∞), given its value and the
/// location of its maximum `xmax` (or None when g is monotone decreasing on [lo, ∞)), and a
/// point where g is negative and decreasing beyond `xmax` (found by doubling).
pub fn concave_roots(g: &dyn Fn(f64) -> f64, lo: f64, xmax: Option<f64>) -> Vec<f64> {
    let mut out = Vec::new();
    let g_lo = g(lo);
    if g_lo == 0.0 {
        out.push(lo);
    }
    let peak = xmax.filter(|&x| x > lo).unwrap_or(lo);
    let g_peak = g(peak);
    if peak > lo && (g_lo < 0.0) && g_peak > 0.0 {
        out.push(brent(g, lo, peak));
    }
    if g_peak > 0.0 || (peak == lo && g_lo > 0.0) {
        let mut x_hi = (peak.abs() + 1.0) * 2.0;
        let mut k = 0;
        while g(x_hi) >= 0.0 && k < 2000 {
            x_hi *= 2.0;
            k += 1;
        }
        if g(x_hi) < 0.0 {
            out.push(brent(g, peak, x_hi));
        }
    } else if g_peak == 0.0 && peak > lo {
        out.push(peak);
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn brent_converges_to_ulps_with_few_evaluations() {
        // Roots of known location at very different scales; relative accuracy 4 ulp.
        for &(root, lo, hi) in &[
            (2f64.sqrt(), 0.0, 3.0),
            (1.0e4 * 3f64.sqrt(), 0.0, 1.0e5),
            (1.0e-7, 0.0, 1.0),
            (-2.5, -10.0, 0.0),
        ] {
            let n = Cell::new(0);
            let f = |x: f64| {
                n.set(n.get() + 1);
                (x - root) * (1.0 + x * x / (1.0 + root * root))
            };
            let x = brent(f, lo, hi);
            assert!(
                (x - root).abs() <= 4.0 * f64::EPSILON * root.abs(),
                "root {root}: got {x}"
            );
            assert!(n.get() <= 80, "root {root}: {} evaluations", n.get());
        }
        // A root where f is flat (x³): bisection safeguards still converge.
        let x = brent(|x| (x - 0.3).powi(3), 0.0, 1.0);
        assert!((x - 0.3).abs() < 1e-5);
        // No sign change: the better end point.
        assert_eq!(brent(|x| x * x + 1.0, -1.0, 2.0), -1.0);
        // Exact zero at an end point.
        assert_eq!(brent(|x| x - 1.0, 1.0, 2.0), 1.0);
    }

    #[test]
    fn dc_roots_finds_every_root_of_a_dc_function() {
        // p = x², q = 3x − 2 (linear is convex): roots 1 and 2. Then a tangential (double)
        // root: p = (x − 1)² + 1 touches q = 1 at x = 1.
        let pq = |x: f64| DcEval {
            p: x * x,
            dp: 2.0 * x,
            q: 3.0 * x - 2.0,
            dq: 3.0,
        };
        let (r, searched) = dc_roots(&pq, 0.0, 10.0);
        assert!(searched);
        assert_eq!(r.len(), 2);
        assert!((r[0].x - 1.0).abs() < 1e-14 && (r[1].x - 2.0).abs() < 1e-14);
        let pq = |x: f64| DcEval {
            p: (x - 1.0) * (x - 1.0) + 1.0,
            dp: 2.0 * (x - 1.0),
            q: 1.0,
            dq: 0.0,
        };
        let (r, _) = dc_roots(&pq, 0.0, 3.0);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!((r[0].x - 1.0).abs() < 1e-6 && r[0].double);
        // A huge search range (the tail cutoff of a steep network): q reaches 1.5e20 at the
        // end, where evaluating the tangents' crossing cancels catastrophically; both roots
        // (p = 0 at 60.67 while q = 0, and q overtaking p near 109) must still be found.
        let (a, b) = (0.0893, -5.418);
        let pq = |x: f64| {
            let u = (x - 100.0).max(0.0);
            DcEval {
                p: a * x + b,
                dp: a,
                q: 5e-3 * u.powi(4),
                dq: 2e-2 * u.powi(3),
            }
        };
        let (r, searched) = dc_roots(&pq, 0.0, 4.21e5);
        assert!(searched);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!((r[0].x + b / a).abs() < 1e-9, "{r:?}");
        let x = r[1].x;
        assert!(
            (a * x + b - 5e-3 * (x - 100.0).powi(4)).abs() < 1e-9,
            "{r:?}"
        );
    }
}
