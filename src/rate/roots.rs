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

/// Brent's method on a bracket with f(a)·f(b) ≤ 0.
pub fn brent(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (fa, fb) = (f(a), f(b));
    if fa == 0.0 {
        return a;
    }
    if fb == 0.0 {
        return b;
    }
    let mut conv = roots::SimpleConvergency {
        eps: 1e-15,
        max_iter: 300,
    };
    match roots::find_root_brent(a, b, &f, &mut conv) {
        Ok(x) => x,
        Err(_) => {
            // Fall back to bisection.
            let (mut lo, mut hi, mut flo) = (a, b, fa);
            for _ in 0..200 {
                let m = 0.5 * (lo + hi);
                let fm = f(m);
                if fm == 0.0 {
                    return m;
                }
                if (fm > 0.0) == (flo > 0.0) {
                    lo = m;
                    flo = fm;
                } else {
                    hi = m;
                }
            }
            0.5 * (lo + hi)
        }
    }
}

fn line(x1: f64, y1: f64, x2: f64, y2: f64) -> impl Fn(f64) -> f64 {
    move |x| {
        if x2 == x1 {
            y1
        } else {
            y1 + (y2 - y1) * (x - x1) / (x2 - x1)
        }
    }
}

/// Every root of p(x) − q(x) on [lo, hi], p and q convex, each given as value+derivative.
pub fn dc_roots(
    p: &dyn Fn(f64) -> ValDeriv,
    q: &dyn Fn(f64) -> ValDeriv,
    lo: f64,
    hi: f64,
) -> Vec<Root> {
    let h = |x: f64| p(x).0 - q(x).0;
    let mut out: Vec<Root> = Vec::new();
    let mut stack = vec![(lo, hi, 0u32)];
    let mut budget = 200_000usize;
    while let Some((x1, x2, depth)) = stack.pop() {
        if budget == 0 {
            break;
        }
        budget -= 1;
        let (p1, dp1) = p(x1);
        let (p2, dp2) = p(x2);
        let (q1, dq1) = q(x1);
        let (q2, dq2) = q(x2);
        let (h1, h2) = (p1 - q1, p2 - q2);
        if !(h1.is_finite() && h2.is_finite()) {
            continue;
        }
        // Lower bound: max(tangents of p) − chord(q); convex piecewise linear, check corners.
        let tp1 = move |x: f64| p1 + dp1 * (x - x1);
        let tp2 = move |x: f64| p2 + dp2 * (x - x2);
        let cq = line(x1, q1, x2, q2);
        let mut cand = vec![x1, x2];
        if dp2 != dp1 {
            let xi = (p2 - dp2 * x2 - p1 + dp1 * x1) / (dp1 - dp2);
            if xi > x1 && xi < x2 {
                cand.push(xi);
            }
        }
        let lower = cand
            .iter()
            .map(|&x| tp1(x).max(tp2(x)) - cq(x))
            .fold(f64::INFINITY, f64::min);
        // Upper bound: chord(p) − max(tangents of q); concave piecewise linear.
        let tq1 = move |x: f64| q1 + dq1 * (x - x1);
        let tq2 = move |x: f64| q2 + dq2 * (x - x2);
        let cp = line(x1, p1, x2, p2);
        let mut cand = vec![x1, x2];
        if dq2 != dq1 {
            let xi = (q2 - dq2 * x2 - q1 + dq1 * x1) / (dq1 - dq2);
            if xi > x1 && xi < x2 {
                cand.push(xi);
            }
        }
        let upper = cand
            .iter()
            .map(|&x| cp(x) - tq1(x).max(tq2(x)))
            .fold(f64::NEG_INFINITY, f64::max);
        if lower > 0.0 || upper < 0.0 {
            continue;
        }
        let dmin = dp1 - dq2;
        let dmax = dp2 - dq1;
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
                    x: brent(h, x1, x2),
                    double: false,
                });
            }
            continue;
        }
        let width = x2 - x1;
        if width <= 1e-13 * x2.abs().max(1e-300) || depth > 400 {
            let xm = 0.5 * (x1 + x2);
            let scale = p(xm).0.abs() + q(xm).0.abs() + 1e-300;
            if h(xm).abs() <= 1e-9 * scale || (h1 > 0.0) != (h2 > 0.0) {
                out.push(Root {
                    x: xm,
                    double: true,
                });
            }
            continue;
        }
        let xm = if x1 > 0.0 && x2 / x1 > 4.0 {
            (x1 * x2).sqrt()
        } else {
            0.5 * (x1 + x2)
        };
        stack.push((xm, x2, depth + 1));
        stack.push((x1, xm, depth + 1));
    }
    out.sort_by(|a, b| a.x.total_cmp(&b.x));
    out.dedup_by(|a, b| (a.x - b.x).abs() <= 1e-12 * a.x.abs().max(b.x.abs()).max(1e-300));
    out
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
